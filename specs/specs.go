// Package specs loads OpenAPI documents, by default the ones specgate reconstructed from the
// vendors' pages and embedded in the binary (nerm-lifecycle.yaml, oig-selfservice.yaml).
//
// A Document pairs kin-openapi's model of a spec (refs resolved, used for structure: paths,
// operations, parameters, responses, security) with the parsed source files it came from, so
// that every finding can name a file, a JSON pointer and a line. Documents may span many files
// joined by relative $refs; all of them are read through one fs.FS.
//
// What reads the files themselves goes through two pieces, so that no package follows a $ref
// or tells a schema from data its own way: Sources.Resolve follows a $ref from where it is
// written (a Place: file and JSON pointer) to the value it stands for, across files, with
// cycles detected; a Walker walks a document by OpenAPI's structure, calling its Visit for
// every path item, operation, parameter, header, request body, response, media type and
// Schema object (with the subschema keywords of the document's dialect), and never walks
// data (examples, defaults, enums, consts, extensions). The validator converts the schemas it
// compiles, and lint finds the examples and oneOfs it checks, with them.
//
// Why the decisions in the embedded specs were taken is told in RECONSTRUCTION.md beside them.
package specs

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed nerm-lifecycle.yaml oig-selfservice.yaml
var embedded embed.FS

// DefaultNames are the embedded spec files, in load order.
var DefaultNames = []string{"nerm-lifecycle.yaml", "oig-selfservice.yaml"}

// Embedded returns the file system holding the embedded specs.
func Embedded() fs.FS { return embedded }

// Document is one loaded OpenAPI document and the files it was read from.
// A Document is immutable once loaded and safe for concurrent use.
type Document struct {
	// Path is the root file's path inside Sources.
	Path string
	// Spec is kin-openapi's model of the document, refs resolved. A Swagger 2.0 document's is
	// its conversion to OpenAPI 3.0; a 3.2 document's says 3.1.1, the version it is read as.
	Spec *openapi3.T
	// Sources reads the document's files (the root and every file it refers to).
	Sources *Sources
	// Findings are the findings on the document as a whole (kin-openapi's validation, a
	// conversion from Swagger 2.0); those of single files are in each File's Findings. Use
	// the package function Findings for all of them.
	Findings []Finding
}

// Name is the root file's display name.
func (d *Document) Name() string { return d.Sources.DisplayName(d.Path) }

// Default loads the embedded specs.
func Default(ctx context.Context) ([]*Document, error) {
	src := NewSources(embedded, func(p string) string { return "specs/" + p })
	return Load(ctx, src, DefaultNames...)
}

// LoadFiles loads spec files from the operating system's file system. Their relative $refs may
// reach any file on it; display names are relative to the working directory when possible.
func LoadFiles(ctx context.Context, names ...string) ([]*Document, error) {
	src, roots, err := OSFiles(names...)
	if err != nil {
		return nil, err
	}
	return Load(ctx, src, roots...)
}

// OSFiles returns Sources over the operating system's file system and the paths in it of the
// files named. Files are shown relative to the working directory when they are under it, and by
// their absolute path otherwise.
func OSFiles(names ...string) (*Sources, []string, error) {
	wd, wdErr := os.Getwd()
	var roots []string
	for _, n := range names {
		// filepath.Abs, without asking for the working directory once more per name.
		abs := filepath.Clean(n)
		if !filepath.IsAbs(n) {
			if wdErr != nil {
				return nil, nil, fmt.Errorf("spec %s: %w", n, wdErr)
			}
			abs = filepath.Join(wd, n)
		}
		roots = append(roots, strings.TrimPrefix(filepath.ToSlash(abs), "/"))
	}
	src := NewSources(os.DirFS("/"), func(p string) string {
		abs := "/" + p
		if wd != "" {
			if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
		return abs
	})
	return src, roots, nil
}

// Load loads the documents rooted at the given paths of src, leniently: what can be understood
// is used and every defect is a Finding (see Findings and Strict). The error is for what cannot
// be used at all: a root that cannot be read or parsed, a file that is no OpenAPI document, a
// version specgate does not read, a document kin-openapi's loader cannot build.
func Load(ctx context.Context, src *Sources, roots ...string) ([]*Document, error) {
	docs := make([]*Document, 0, len(roots))
	for _, root := range roots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		doc, err := loadOne(ctx, src, root)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// Sources reads and parses spec files from one fs.FS, once each. It is safe for concurrent use.
type Sources struct {
	fsys    fs.FS
	display func(string) string

	mu      sync.Mutex
	files   map[string]*File
	reading map[string]*reading
	// fixMu serialises the lenient pass over files (see fix.go), which reads other files.
	fixMu sync.Mutex
}

// NewSources returns Sources reading from fsys. display turns a path of fsys into the name shown
// to users; nil shows paths as they are.
func NewSources(fsys fs.FS, display func(string) string) *Sources {
	if display == nil {
		display = func(p string) string { return p }
	}
	return &Sources{fsys: fsys, display: display, files: map[string]*File{}, reading: map[string]*reading{}}
}

// DisplayName is the name users see for the file at path p.
func (s *Sources) DisplayName(p string) string { return s.display(p) }

// File reads and parses the file at path p (YAML or JSON), once: concurrent callers for the
// same path wait for the one that reads it.
func (s *Sources) File(p string) (*File, error) { return s.file(p, false) }

// rootFile is File for the root of a document: read first as a root, its parse is one
// kin-openapi's loader can reuse.
func (s *Sources) rootFile(p string) (*File, error) { return s.file(p, true) }

func (s *Sources) file(p string, root bool) (*File, error) {
	s.mu.Lock()
	if f, ok := s.files[p]; ok {
		s.mu.Unlock()
		return f, nil
	}
	if r, ok := s.reading[p]; ok {
		s.mu.Unlock()
		<-r.done
		return r.f, r.err
	}
	r := &reading{done: make(chan struct{})}
	s.reading[p] = r
	s.mu.Unlock()
	r.f, r.err = s.read(p, root)
	s.mu.Lock()
	if r.err == nil {
		s.files[p] = r.f
	}
	delete(s.reading, p)
	s.mu.Unlock()
	close(r.done)
	return r.f, r.err
}

// reading is a file being read by one caller of Sources.File.
type reading struct {
	done chan struct{}
	f    *File
	err  error
}

func (s *Sources) read(p string, root bool) (*File, error) {
	data, err := fs.ReadFile(s.fsys, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("spec file %s does not exist", s.display(p))
		}
		return nil, fmt.Errorf("spec file %s: %w", s.display(p), err)
	}
	return parseFile(p, s.display(p), data, root)
}

// prefetch reads and parses every file the document rooted at root reaches through $refs, on
// as many goroutines as there are cores: parsing is most of what loading costs besides
// kin-openapi's own loader, which reads the files one after another.
func (s *Sources) prefetch(root string) {
	var mu sync.Mutex
	seen := map[string]bool{root: true}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var visit func(p string)
	visit = func(p string) {
		defer wg.Done()
		sem <- struct{}{}
		f, err := s.File(p)
		<-sem
		if err != nil || f.text {
			return
		}
		var next []string
		mu.Lock()
		for _, ref := range f.refs {
			to, ok := RefTarget(p, ref)
			if target := to.File; ok && !seen[target] {
				seen[target] = true
				next = append(next, target)
			}
		}
		mu.Unlock()
		// Every file but the last one found gets a goroutine; the last is read on this one,
		// which would otherwise only wait: a chain of files starts no goroutine at all.
		wg.Add(len(next))
		for i, target := range next {
			if i == len(next)-1 {
				visit(target)
			} else {
				go visit(target)
			}
		}
	}
	// The root is read already (or its error is): visited here, on the caller's goroutine.
	wg.Add(1)
	visit(root)
	wg.Wait()
}
