package cli

import (
	"strings"
	"testing"
)

// TestNothingCheckedFails: a gate that checked nothing has not passed. A HAR without entries, a
// JSON Lines file without lines and a --host that leaves every exchange out of scope all exit 2
// with a sentence saying so (an empty file already is an input error); --allow-empty turns that into a warning and exit 0.
func TestNothingCheckedFails(t *testing.T) {
	dir := t.TempDir()
	emptyHAR := writeFile(t, dir, "empty.har", []byte(`{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}}`))
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, uid32), patchUsers(t)))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"HAR without entries", []string{emptyHAR}, "the input holds no exchange"},
		{"no host in scope", []string{"--host", "other.example", har}, "none of the 2 exchanges was in scope"},
		{"no host in scope, json", []string{"--format", "json", "--host", "other.example", har}, "none of the 2 exchanges was in scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, "", nil, append([]string{"validate"}, tt.args...)...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || !strings.Contains(res.stderr, "--allow-empty") {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
			}
			res = run(t, "", nil, append([]string{"validate", "--allow-empty"}, tt.args...)...)
			if res.code != exitOK || !strings.Contains(res.stderr, "warning: "+tt.want) {
				t.Errorf("--allow-empty: exit %d, stderr %q; want 0 and a warning", res.code, res.stderr)
			}
		})
	}
	t.Run("replay of no contract", func(t *testing.T) {
		res := run(t, "", nil, "replay", "--target", "http://127.0.0.1:1", "--contracts", t.TempDir())
		if res.code != exitUsage || !strings.Contains(res.stderr, "nothing was replayed") {
			t.Errorf("exit %d, stderr %q; want 2", res.code, res.stderr)
		}
		res = run(t, "", nil, "replay", "--allow-empty", "--target", "http://127.0.0.1:1", "--contracts", t.TempDir())
		if res.code != exitOK || !strings.Contains(res.stderr, "warning: ") {
			t.Errorf("--allow-empty: exit %d, stderr %q; want 0", res.code, res.stderr)
		}
	})
}
