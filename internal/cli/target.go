package cli

import (
	"errors"
	"net/url"
	"os"
)

// deployment is the live deployment replay and fuzz send requests to, and the credentials they
// send.
type deployment struct {
	target                *url.URL
	user, password, token string
}

// deploymentOf reads --target (default $SPECGATE_TARGET) and the credentials: --user (default
// $SPECGATE_USER) with $SPECGATE_PASSWORD, or a bearer token from $SPECGATE_TOKEN; a secret is
// never a flag, which process lists would show.
func deploymentOf(target, user string) (deployment, error) {
	if target == "" {
		target = os.Getenv("SPECGATE_TARGET")
	}
	if target == "" {
		return deployment{}, errors.New("--target (or $SPECGATE_TARGET) is required")
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return deployment{}, errors.New("--target must be an absolute URL such as https://acme.nonemployee.com")
	}
	if u.User != nil {
		return deployment{}, errors.New("--target must not carry credentials; use --user and $SPECGATE_PASSWORD")
	}
	d := deployment{target: u, user: user, password: os.Getenv("SPECGATE_PASSWORD"), token: os.Getenv("SPECGATE_TOKEN")}
	if d.user == "" {
		d.user = os.Getenv("SPECGATE_USER")
	}
	if d.token != "" && (d.user != "" || d.password != "") {
		return deployment{}, errors.New("give basic credentials or $SPECGATE_TOKEN, not both")
	}
	return d, nil
}
