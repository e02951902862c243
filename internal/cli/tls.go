package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/specgate/specgate/internal/message"
)

// cacertUsage describes --cacert for proxy and replay.
const cacertUsage = "PEM `FILE` of CA certificates to trust for the %s's https, besides the system's (an on-premises OIG behind an internal CA)"

// trusting returns a TLS configuration that trusts the system's roots and the certificates in
// the PEM file; nil when file is "".
func trusting(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, message.WithoutPath(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
