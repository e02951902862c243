package cli

import (
	"os"
	"strings"
	"testing"
)

// TestCommandTable: the table of subcommands drives everything that names them. The top-level
// help has a usage line and a summary per command; the configurable commands, and only they,
// read specgate.yaml (a broken one stops them before they parse their flags), and the help's
// sentence on specgate.yaml names exactly them; a command's "help NAME" and "NAME -h" print the
// same flags.
func TestCommandTable(t *testing.T) {
	top := run(t, "", nil, "help").stdout
	flat := strings.Join(strings.Fields(top), " ")
	before, _, ok := strings.Cut(flat, " read specgate.yaml")
	if !ok {
		t.Fatalf("the help does not say which commands read specgate.yaml:\n%s", top)
	}
	readers := strings.ReplaceAll(before[strings.LastIndex(before, ". ")+2:], " and ", ", ")
	var configurable []string
	for _, s := range commands() {
		if s.configurable {
			configurable = append(configurable, s.name)
		}
	}
	if want := strings.Join(configurable, ", "); readers != want {
		t.Errorf("the help says %s read specgate.yaml, the table says %s", readers, want)
	}
	t.Chdir(t.TempDir())
	writeFile(t, ".", "specgate.yaml", []byte("nosuchsetting: 1\n"))
	for _, s := range commands() {
		if !strings.Contains(top, "\n  specgate "+s.name) || !strings.Contains(top, s.summary+"\n") {
			t.Errorf("the help lacks %s's usage line or summary:\n%s", s.name, top)
		}
		res := run(t, "", nil, s.name, "-h")
		if read := res.code == exitUsage && strings.Contains(res.stderr, "specgate.yaml:1"); read != s.configurable {
			t.Errorf("%s -h with a broken specgate.yaml: exit %d, stderr %q; configurable %v", s.name, res.code, res.stderr, s.configurable)
		}
	}
	if err := os.Remove("specgate.yaml"); err != nil {
		t.Fatal(err)
	}
	for _, s := range commands() {
		if s.flags == nil {
			continue
		}
		help := run(t, "", nil, "help", s.name)
		dash := run(t, "", nil, s.name, "-h")
		if help.code != exitOK || dash.code != exitOK || !strings.HasPrefix(help.stdout, "Usage: specgate "+s.name) || help.stdout != dash.stderr {
			t.Errorf("%s: help exits %d, -h exits %d, and they print different usages (or none)", s.name, help.code, dash.code)
		}
	}
	for _, alias := range []string{"--version", "-h", "--help"} {
		if res := run(t, "", nil, alias); res.code != exitOK || res.stdout == "" {
			t.Errorf("%s: exit %d, stdout %q", alias, res.code, res.stdout)
		}
	}
}
