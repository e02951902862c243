package specs

import (
	"context"
	"net/url"
	"path"

	"github.com/getkin/kin-openapi/openapi3"
)

// A root document that one of the files it reaches refers back to (a.yml's schema names
// b.yml#/X, whose schema names a.yml#/Y) is a blind spot of kin-openapi's loader: it goes on
// walking a schema reached through a $ref into another file with the referring file's
// document, and a discriminator mapping of the root it left for later
// ("#/components/schemas/ALeaf", not resolved in the root itself) is then looked up in the
// wrong file ("map key not found"), refusing the document. Read from a location spelled
// apart ("dir/./a.yml"), the root is no longer the file the back-reference names: kin-openapi
// reads that file once more as a document of its own and resolves its mappings in it. Both
// copies come from the same bytes, so the model is the same; only a document that fails the
// ordinary way pays for the second copy.

// kinLoadRootApart runs kin-openapi's loader once with the root read from apartLocation.
func kinLoadRootApart(ctx context.Context, src *Sources, root string) (*openapi3.T, *File, error) {
	return kinLoadOnceAt(ctx, src, root, apartLocation(root))
}

// apartLocation is the root's location with "./" before its name: the same folder, so its
// relative references resolve as before, and a URL no reference resolves to, since
// kin-openapi cleans the paths it joins.
func apartLocation(root string) *url.URL {
	dir, base := path.Split("/" + root)
	return &url.URL{Path: dir + "./" + base}
}

// refersBackToRoot reports whether a file the document rooted at root reaches has a $ref into
// the root file.
func refersBackToRoot(src *Sources, root string) bool {
	files, _, err := Reach(src, root)
	if err != nil {
		return false
	}
	for _, f := range files {
		if f.Path == root {
			continue
		}
		for _, ref := range f.kept {
			if to, ok := RefTarget(f.Path, ref); ok && to.File == root {
				return true
			}
		}
	}
	return false
}
