package validator

import (
	"fmt"
	"mime"
	"strings"

	"github.com/specgate/specgate/internal/schema"
)

// media is one documented media type of a request body or response.
type media struct {
	typ    string         // lower case, without parameters: "application/json", "application/*"
	schema *schema.Schema // nil when the spec gives no schema
	// form is the schema's properties, for reading a form body's fields as their types say.
	form map[string]formField
}

// mediaType returns the lower-case type/subtype of a Content-Type value, ignoring parameters
// such as charset; "" when the header is empty.
func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	if plainMediaType(contentType) {
		return contentType // what mime.ParseMediaType would return, without its allocations
	}
	if t, _, err := mime.ParseMediaType(contentType); err == nil {
		return t
	}
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// plainMediaType reports whether s is a lower-case type/subtype without parameters or spaces,
// such as "application/json".
func plainMediaType(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '+', c == '-', c == '_':
		case c == '/' && i == slash:
		default:
			return false
		}
	}
	return true
}

// matchMedia finds the documented media type for a Content-Type: exact first, then type/*,
// then */*.
func matchMedia(typ string, content []media) *media {
	if typ == "" {
		return nil
	}
	major, _, _ := strings.Cut(typ, "/")
	var wild, any *media
	for i := range content {
		m := &content[i]
		switch {
		case m.typ == typ:
			return m
		case m.typ == "*/*":
			any = m
		case strings.HasSuffix(m.typ, "/*") && m.typ[:len(m.typ)-2] == major:
			wild = m
		}
	}
	if wild != nil {
		return wild
	}
	return any
}

// isJSON reports whether a media type carries JSON: application/json or any +json type.
func isJSON(typ string) bool {
	return typ == "application/json" || strings.HasSuffix(typ, "+json") || typ == "text/json"
}

func mediaList(content []media) string {
	names := make([]string, len(content))
	for i, m := range content {
		names[i] = m.typ
	}
	return strings.Join(names, ", ")
}

// position turns a byte offset into "line L, column C".
func position(body []byte, off int64) string {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	line, col := 1, 1
	for _, b := range body[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}
