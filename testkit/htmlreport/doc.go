// Package htmlreport holds the tests that open specgate's html report in headless Chromium over
// the DevTools protocol (chromedp), as a person opening the CI artifact would: the counts the page
// renders, its filters, a violation's link to its exchange, and a 100,000-exchange page's size
// and opening time. They live in the testkit module so that the library's module does not
// require chromedp; the report itself is written by internal/report and run here through
// cli.Run. It has no API: the package is its tests.
package htmlreport
