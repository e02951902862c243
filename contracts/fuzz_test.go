package contracts

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary YAML to the contract loader: an error or a contract, never a panic;
// and a loaded contract always turns into an exchange or an error.
func FuzzLoad(f *testing.F) {
	paths, err := Glob(Embedded())
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths[:min(len(paths), 20)] {
		b, err := fs.ReadFile(Embedded(), p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const name = "nerm-lifecycle/patchUser/invalid-fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load(fstest.MapFS{name: {Data: data}}, name)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		if _, err := c.Exchange(); err != nil && err.Error() == "" {
			t.Fatal("an error with no message")
		}
	})
}
