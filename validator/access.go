package validator

import (
	"strings"

	"github.com/specgate/specgate/internal/schema"
)

// specPointer maps a JSON pointer that ends at a keyword the conversion added onto the spec's
// own keyword beside it, which is where a user can find and change it.
func specPointer(ptr string) string {
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return ptr
	}
	if kw := schema.SpecKeyword(ptr[i+1:]); kw != ptr[i+1:] {
		return ptr[:i+1] + kw
	}
	return ptr
}
