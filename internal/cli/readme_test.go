package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the README section under heading, up to the next heading of its level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	s = s[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// codeBlocks returns the fenced blocks of a Markdown text with their language.
func codeBlocks(md string) (langs, blocks []string) {
	for _, m := range regexp.MustCompile("(?s)```([a-z]*)\n(.*?)```").FindAllStringSubmatch(md, -1) {
		langs, blocks = append(langs, m[1]), append(blocks, m[2])
	}
	return langs, blocks
}

// TestReadmeLibraryIsTheExample: the README's library section names the import paths and shows
// validator's Example, word for word, with the output go test checks.
func TestReadmeLibraryIsTheExample(t *testing.T) {
	sec := readmeSection(t, "## Using the library")
	for _, path := range []string{`"github.com/specgate/specgate/validator"`, `"github.com/specgate/specgate/specs"`} {
		if !strings.Contains(sec, path) {
			t.Errorf("the library section does not import %s", path)
		}
	}
	src, err := os.ReadFile("../../validator/example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\nfunc Example\(\) \{\n(.*?)\t// Output:\n(.*?)\n\}`).FindSubmatch(src)
	if m == nil {
		t.Fatal("validator/example_test.go has no Example with an Output")
	}
	dedent := func(s string) string {
		var lines []string
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(l, "\t"), "// "))
		}
		return strings.Join(lines, "\n")
	}
	body, output := dedent(string(m[1])), dedent(string(m[2]))
	langs, blocks := codeBlocks(sec)
	var sawBody, sawOutput bool
	for i, b := range blocks {
		b = strings.TrimRight(b, "\n")
		sawBody = sawBody || langs[i] == "go" && b == body
		sawOutput = sawOutput || langs[i] == "" && b == output
	}
	if !sawBody {
		t.Errorf("the README does not show validator's Example as it is:\n%s", body)
	}
	if !sawOutput {
		t.Errorf("the README does not show the Example's output:\n%s", output)
	}
}

// TestReadmeGinkgoRunsTheSuitesOnly: every ginkgo command line the docs give names ./suites (a
// bare "go tool ginkgo -r" from the root runs every package's plain tests too), and ./suites
// holds every package that runs Ginkgo specs, so that it runs them all.
func TestReadmeGinkgoRunsTheSuitesOnly(t *testing.T) {
	var lines []string
	for _, doc := range []string{"../../README.md", "../../docs/ci.md", "../../contracts/README.md", "../../Makefile"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			for _, m := range regexp.MustCompile("(?:go|\\$\\(GO\\)) tool ginkgo[^`#\n]*").FindAllString(l, -1) {
				lines = append(lines, doc+": "+strings.TrimSpace(m))
			}
		}
	}
	if len(lines) < 4 {
		t.Fatalf("found only %q", lines)
	}
	for _, l := range lines {
		if !regexp.MustCompile(`\s\./suites(/[a-z]+)?(\s|$)`).MatchString(l + " ") {
			t.Errorf("%s: does not name ./suites", l)
		}
	}
	if !strings.Contains(readmeSection(t, "## Contracts and the Ginkgo suites"), "go tool ginkgo -r ./suites") {
		t.Error("the README does not give go tool ginkgo -r ./suites")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}`, "../../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		pkg, dir := f[0], strings.TrimPrefix(f[0], "github.com/specgate/specgate")
		for _, file := range f[1:] {
			data, err := os.ReadFile(filepath.Join("../..", dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if regexp.MustCompile(`\bRunSpecs\(t,`).Match(data) && !strings.HasPrefix(dir, "/suites") {
				t.Errorf("%s runs Ginkgo specs outside ./suites (%s)", pkg, file)
			}
		}
	}
}
