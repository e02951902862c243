package cli

import "testing"

// replay and fuzz read the deployment and its credentials the same way, and refuse the same
// mistakes with exit 2 and the same line, naming the flag or variable to fix and no secret.
func TestDeploymentRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, target, user, token string
		want                      string
	}{
		{name: "no target", want: "--target (or $SPECGATE_TARGET) is required"},
		{name: "relative target", target: "acme.nonemployee.com/api", want: "--target must be an absolute URL such as https://acme.nonemployee.com"},
		{name: "credentials in the target", target: "https://u:s3cret@acme.nonemployee.com", want: "--target must not carry credentials; use --user and $SPECGATE_PASSWORD"},
		{name: "user and token", target: "https://acme.nonemployee.com", user: "svc", token: "t0ken", want: "give basic credentials or $SPECGATE_TOKEN, not both"},
	} {
		for _, cmd := range []string{"replay", "fuzz"} {
			t.Run(cmd+"/"+tc.name, func(t *testing.T) {
				t.Setenv("SPECGATE_TARGET", tc.target)
				t.Setenv("SPECGATE_USER", tc.user)
				t.Setenv("SPECGATE_PASSWORD", "")
				t.Setenv("SPECGATE_TOKEN", tc.token)
				res := run(t, "", nil, cmd)
				if want := "specgate " + cmd + ": " + tc.want + "\n"; res.code != exitUsage || res.stderr != want {
					t.Errorf("exit %d, stderr %q; want exit %d, %q", res.code, res.stderr, exitUsage, want)
				}
			})
		}
	}
}
