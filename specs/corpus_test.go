//go:build !race

// The corpus tests load some 40 MB of published specs; under the race detector that takes
// minutes, so `make unit` runs them in a pass of their own without it (the loader's concurrency
// is raced by TestConcurrentLoads).

package specs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"bufio"
	"context"
	"errors"
	"gopkg.in/yaml.v3"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The development corpus: every root of ../shared/real-specs/roots.txt, loaded once per test
// binary (the whole corpus takes seconds) and shared by the tests below.
var corpus struct {
	once  sync.Once
	roots []string
	docs  map[string][]*Document
	errs  map[string]error
	err   error
}

const corpusDir = "../../shared/real-specs"

func loadCorpus(t *testing.T) {
	t.Helper()
	corpus.once.Do(func() {
		f, err := os.Open(filepath.Join(corpusDir, "roots.txt"))
		if err != nil {
			corpus.err = err
			return
		}
		defer f.Close()
		corpus.docs, corpus.errs = map[string][]*Document{}, map[string]error{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if root := strings.TrimSpace(sc.Text()); root != "" {
				corpus.roots = append(corpus.roots, root)
			}
		}
		corpus.err = sc.Err()
		// One loader per core: the roots are independent.
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := make(chan string)
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for root := range next {
					docs, err := LoadFiles(context.Background(), filepath.Join(corpusDir, root))
					mu.Lock()
					corpus.docs[root], corpus.errs[root] = docs, err
					mu.Unlock()
				}
			})
		}
		for _, root := range corpus.roots {
			next <- root
		}
		close(next)
		wg.Wait()
	})
	if corpus.err != nil {
		t.Fatal(corpus.err)
	}
}

// corpusFindings returns the findings of one root of the corpus, failing when it did not load.
func corpusFindings(t *testing.T, root string) []Finding {
	t.Helper()
	loadCorpus(t)
	docs, ok := corpus.docs[root]
	if !ok {
		t.Fatalf("%s is not in roots.txt", root)
	}
	if err := corpus.errs[root]; err != nil {
		t.Fatalf("%s does not load: %v", root, err)
	}
	return Findings(docs)
}

func TestCorpusEveryRootLoads(t *testing.T) {
	loadCorpus(t)
	if len(corpus.roots) < 78 {
		t.Errorf("roots.txt lists %d roots, want at least 78", len(corpus.roots))
	}
	for _, root := range corpus.roots {
		if err := corpus.errs[root]; err != nil {
			t.Errorf("%s: %v", root, err)
			continue
		}
		for _, f := range Findings(corpus.docs[root]) {
			if f.File == "" || f.Rule == "" || !strings.HasPrefix(f.Rule, "spec.") || (f.Line == 0 && f.Pointer != "") {
				t.Errorf("%s: finding without rule, file or line: %v", root, f)
			}
			if LevelOf(f.Rule) != f.Level {
				t.Errorf("%s: finding %v has level %s, its rule %s", root, f, f.Level, LevelOf(f.Rule))
			}
		}
	}
}

// has reports whether findings hold one of rule whose file ends with file, pointer contains ptr
// and message contains msg.
func has(findings []Finding, rule, file, ptr, msg string) bool {
	for _, f := range findings {
		if f.Rule == rule && strings.HasSuffix(f.File, file) && strings.Contains(f.Pointer, ptr) && strings.Contains(f.Message, msg) && f.Line > 0 {
			return true
		}
	}
	return false
}

func TestCorpusFindingsPerClass(t *testing.T) {
	tests := []struct {
		root, rule, file, ptr, msg string
	}{
		// Component names outside [a-zA-Z0-9._-].
		{"opensearch/spec/namespaces/_core.yaml", RuleComponentName, "namespaces/_core.yaml", "/components/parameters/bulk::path.index", "bulk::path.index"},
		// $ref as the value of content (Lob), an operation as a $ref (DigitalOcean).
		{"lob/lob-api-public.yml", RuleRefMisplaced, ".yml", "/content/$ref", "the value of content"},
		{"digitalocean/specification/DigitalOcean-public.v2.yaml", RuleRefMisplaced, "DigitalOcean-public.v2.yaml", "/paths/~1v2~11-clicks/get/$ref", "an operation"},
		// A description that is a $ref to a string elsewhere, inlined as Redocly does.
		{"digitalocean/specification/DigitalOcean-public.v2.yaml", RuleRefText, "DigitalOcean-public.v2.yaml", "/tags/0/description/$ref", "description.yml#/introduction"},
		// SailPoint's trees refer to files they do not publish.
		{"sailpoint-isc/idn/sailpoint-api.v3.yaml", RuleRefUnresolved, "configuration-hub/backup-uploads.yaml", "/$ref", "BackupResponse.yaml"},
		// Defaults that break their schema, path templates and parameters that disagree.
		{"sailpoint-isc/idn/sailpoint-api.v2025.yaml", RuleDefaultInvalid, "ai-access-request-recommendations-config.yaml", "/put/parameters/0/schema/default", `parameter "X-SailPoint-Experimental" schema is invalid: invalid default`},
		{"sailpoint-isc/idn/sailpoint-api.v2025.yaml", RulePathParameters, "v2025/paths/campaign-filter.yaml", "/post", "POST /campaign-filters/{id} must define exactly all path parameters"},
		// type: array without items.
		{"lob/lob-api-public.yml", RuleItemsMissing, ".yml", "/type", "items"},
		// Unknown fields: 3.2's tag kind, read as 3.1.
		{"oai-learn/examples/v3.2/3.2-tags-example.yaml", RuleFieldUnknown, "3.2-tags-example.yaml", "/tags/", "kind"},
		{"oai-learn/examples/v3.2/3.2-tags-example.yaml", RuleVersion32, "3.2-tags-example.yaml", "/openapi", "3.2"},
		// Swagger 2.0, one file and many.
		{"alertmanager/api/v2/openapi.yaml", RuleConvertedSwagger2, "alertmanager/api/v2/openapi.yaml", "/swagger", "converted"},
		{"oai-learn/examples/v2.0/yaml/petstore-separate/spec/swagger.yaml", RuleConvertedSwagger2, "spec/swagger.yaml", "/swagger", "converted"},
	}
	for _, tt := range tests {
		t.Run(tt.rule+" "+filepath.Base(tt.root), func(t *testing.T) {
			fs := corpusFindings(t, tt.root)
			if !has(fs, tt.rule, tt.file, tt.ptr, tt.msg) {
				var same []string
				for _, f := range fs {
					if f.Rule == tt.rule && len(same) < 5 {
						same = append(same, f.String())
					}
				}
				t.Errorf("no %s finding in %s at #...%s saying %q; of that rule:\n%s", tt.rule, tt.file, tt.ptr, tt.msg, strings.Join(same, "\n"))
			}
		})
	}
}

func TestCorpusCleanDocumentsHaveNoDefects(t *testing.T) {
	// Twilio's api_v2010 has a surrogate-pair escape (\ud83d\udc4d) that YAML parsers refuse;
	// the OAI examples and Redocly's starter are clean.
	for _, root := range []string{
		"twilio/spec/json/twilio_api_v2010.json",
		"redocly-openapi-starter/openapi/openapi.yaml",
		"oai-learn/examples/v3.1/webhook-example.json",
		"oai-learn/examples/v3.0/petstore.yaml",
	} {
		corpusFindings(t, root)
		if err := Strict(corpus.docs[root]); err != nil {
			t.Errorf("%s: %v", root, err)
		}
	}
	docs := corpus.docs["twilio/spec/json/twilio_api_v2010.json"]
	if docs[0].Spec.Paths.Len() < 100 {
		t.Errorf("twilio_api_v2010.json: %d paths", docs[0].Spec.Paths.Len())
	}
	f, err := docs[0].Sources.File(docs[0].Path)
	if err != nil || f.Line("/paths") < 2 {
		t.Errorf("a JSON file knows its lines: line of /paths = %d (%v)", f.Line("/paths"), err)
	}
}

func TestCorpusStrictNamesEveryDefect(t *testing.T) {
	root := "opensearch/spec/namespaces/_core.yaml"
	fs := corpusFindings(t, root)
	err := Strict(corpus.docs[root])
	var de *DefectsError
	if !errors.As(err, &de) {
		t.Fatalf("Strict = %v, want a *DefectsError", err)
	}
	defects := 0
	for _, f := range fs {
		if f.Level != LevelInfo {
			defects++
		}
	}
	if len(de.Findings) != defects || !strings.Contains(err.Error(), "bulk::path.index") || !strings.Contains(err.Error(), RuleComponentName) {
		t.Errorf("Strict names %d of %d defects:\n%.600s", len(de.Findings), defects, err)
	}
	// A Swagger 2.0 conversion is a note, not a defect.
	if err := Strict(corpus.docs["oai-learn/examples/v2.0/json/petstore.json"]); err != nil {
		t.Errorf("petstore.json (2.0): %v", err)
	}
}

func TestCorpusSwagger2ConvertsWithoutLoss(t *testing.T) {
	eachSwagger2Root(t, func(root string, docs []*Document) {
		for _, f := range Findings(docs) {
			if f.Rule == RuleConversionDropped {
				t.Errorf("%s: %v", root, f)
			}
		}
		if docs[0].Spec.Paths.Len() == 0 {
			t.Errorf("%s: no paths after the conversion", root)
		}
	})
}

// eachSwagger2Root calls do with each Swagger 2.0 root of the development corpus and its
// documents, and checks that they are the corpus's 14.
func eachSwagger2Root(t *testing.T, do func(root string, docs []*Document)) {
	t.Helper()
	loadCorpus(t)
	n := 0
	for _, root := range corpus.roots {
		docs := corpus.docs[root]
		if len(docs) == 0 || !strings.HasSuffix(docs[0].Path, convertedSuffix) {
			continue
		}
		n++
		do(root, docs)
	}
	if n != 14 {
		t.Errorf("%d Swagger 2.0 roots, want 14", n)
	}
}

// eachCorpusFile calls do with the path and bytes of each file of the development corpus whose
// name ends in one of exts.
func eachCorpusFile(t *testing.T, do func(p string, data []byte), exts ...string) {
	t.Helper()
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.ContainsFunc(exts, func(ext string) bool { return strings.HasSuffix(p, ext) }) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		do(p, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCorpusNodeValueEqualsDecoder: on every YAML file of the development corpus, the parse's
// own node-to-value walk gives what yaml.v3's decoder gives.
func TestCorpusNodeValueEqualsDecoder(t *testing.T) {
	n := 0
	eachCorpusFile(t, func(p string, data []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			return
		}
		var b valueBuilder
		got, ok := b.value(doc.Content[0])
		if !ok || len(b.dups) > 0 {
			// Left to the decoder; or a repeated key, which the decoder refuses.
			return
		}
		n++
		var want any
		if err := doc.Content[0].Decode(&want); err != nil {
			t.Errorf("%s: the decoder refuses what nodeValue built: %v", p, err)
			return
		}
		want, _ = normalize(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: nodeValue differs from the decoder", p)
		}
	}, ".yaml", ".yml")
	if n < 1000 {
		t.Errorf("%d YAML files compared, want the corpus's thousands", n)
	}
}

// TestCorpusPlainValueEqualsJSONRoundTrip: on every Swagger 2.0 root of the development corpus,
// the converted document's plain value built from kin-openapi's model (plainValue) is what
// writing the model as JSON and reading it again gives (decodeJSONValue), the way it was built
// before.
func TestCorpusPlainValueEqualsJSONRoundTrip(t *testing.T) {
	eachSwagger2Root(t, func(root string, docs []*Document) {
		data, err := json.Marshal(docs[0].Spec)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeJSONValue(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := plainValue(docs[0].Spec)
		if err != nil {
			t.Errorf("%s: %v", root, err)
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: plainValue differs from the JSON round trip", root)
		}
	})
}

// TestCorpusConvertedNodesEqualV3: on every YAML file of the development corpus, the tree
// converted from yaml v4's parse (what a root file is read with) is yaml.v3's own parse.
func TestCorpusConvertedNodesEqualV3(t *testing.T) {
	n := 0
	eachCorpusFile(t, func(p string, data []byte) {
		var want yaml.Node
		werr := yaml.Unmarshal(data, &want)
		got := convertedV3(data)
		switch {
		case got == nil:
			return
		case werr != nil:
			t.Errorf("%s: yaml v4 reads what yaml.v3 refuses (%v)", p, werr)
			return
		}
		n++
		if err := sameNodes3(got, &want); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}, ".yaml", ".yml")
	if n < 1000 {
		t.Errorf("%d YAML files compared, want the corpus's thousands", n)
	}
}

// TestCorpusKinNodesEqualLoader: on every root of the development corpus whose model
// kin-openapi decodes from specgate's parse (kinFromNodes), the model is the one its loader
// builds from the bytes, and so is what its validation says of it.
func TestCorpusKinNodesEqualLoader(t *testing.T) {
	loadCorpus(t)
	ctx := context.Background()
	n := 0
	for _, root := range corpus.roots {
		docs := corpus.docs[root]
		if len(docs) == 0 || strings.HasSuffix(docs[0].Path, convertedSuffix) {
			continue
		}
		path, err := filepath.Abs(filepath.Join(corpusDir, root))
		if err != nil {
			t.Fatal(err)
		}
		src, roots, err := OSFiles(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := src.rootFile(roots[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Reach(src, roots[0]); err != nil {
			t.Fatal(err)
		}
		fromNodes, err := kinFromNodes(ctx, src, f, roots[0])
		if err != nil {
			continue
		}
		n++
		fromBytes, _, err := kinLoadData(ctx, src, f, &url.URL{Path: "/" + roots[0]})
		if err != nil {
			t.Errorf("%s: the loader refuses what the nodes gave: %v", root, err)
			continue
		}
		a, _ := json.Marshal(fromNodes)
		b, _ := json.Marshal(fromBytes)
		if string(a) != string(b) {
			t.Errorf("%s: the model from the nodes differs from the loader's", root)
		}
		va := fmt.Sprint(fromNodes.Validate(ctx, openapi3.EnableMultiError(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaPatternValidation()))
		vb := fmt.Sprint(fromBytes.Validate(ctx, openapi3.EnableMultiError(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaPatternValidation()))
		if va != vb {
			t.Errorf("%s: validation of the model from the nodes: %s\nof the loader's: %s", root, va, vb)
		}
	}
	if n < 22 {
		t.Errorf("%d roots handed over, want the corpus's 22 one-file documents and more", n)
	}
	t.Logf("%d roots handed over", n)
}

// TestCorpusScanJSONEqualsParseJSON: on every JSON file of the development corpus, scanJSON
// reads what encoding/json's decoder reads, lines and columns included.
func TestCorpusScanJSONEqualsParseJSON(t *testing.T) {
	n := 0
	eachCorpusFile(t, func(p string, data []byte) {
		if _, _, _, ok := scanJSON(data); ok {
			n++
		} else if _, _, _, err := parseJSONTokens(data); err == nil {
			t.Errorf("%s: scanJSON declines what encoding/json reads", p)
		}
		if diff := sameJSONParse(data); diff != "" {
			t.Errorf("%s: %s", p, diff)
		}
	}, ".json")
	if n < 24 {
		t.Errorf("%d JSON files compared, want the corpus's 24", n)
	}
}
