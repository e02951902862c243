//go:build !race

package specs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCorpusWrittenEqualsDecodingAgain holds Written to decoding the file a second time on
// every YAML and JSON file of the development corpus.
func TestCorpusWrittenEqualsDecodingAgain(t *testing.T) {
	src := NewSources(os.DirFS(corpusDir), nil)
	n := 0
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		ext := strings.ToLower(filepath.Ext(p))
		if err != nil || d.IsDir() || ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, p)
		f, err := src.File(filepath.ToSlash(rel))
		if err != nil {
			return nil // not a file specgate parses; Written is never asked
		}
		got, err := f.Written()
		if err != nil {
			return nil // a repeated YAML key, refused by both (TestWrittenRefusesARepeatedYAMLKey)
		}
		n++
		if want := decodeAgain(t, f.Data); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Written differs from decoding the file again", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Errorf("%d files compared, want the corpus's thousands", n)
	}
}
