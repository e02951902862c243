package specs

import (
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"sort"
	"strconv"
	"strings"
)

// Repair rule ids. Published specs carry defects that make kin-openapi refuse the whole document;
// the ones below are repaired in memory and each repair is reported, never silently.
const (
	// RepairBooleanRequired: a property schema says "required": true (Swagger 1 / JSON Schema
	// draft 3 style). OpenAPI 3 lists required properties in the parent's required array.
	RepairBooleanRequired = "spec.repair.boolean_required"
	// RepairLowercaseAccess: "readonly" or "writeonly" instead of readOnly or writeOnly.
	RepairLowercaseAccess = "spec.repair.access_spelling"
)

// Repair is one defect found in a spec file and what was done about it.
type Repair struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Pointer string `json:"pointer"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (r Repair) String() string {
	return fmt.Sprintf("%s:%d: %s (%s at #%s)", r.File, r.Line, r.Message, r.Rule, r.Pointer)
}

// repair walks the file for schemas' properties and fixes the defects it knows.
func (f *File) repair() {
	f.walkRepair(f.Value, "")
	sort.SliceStable(f.Repairs, func(i, j int) bool { return f.Repairs[i].Line < f.Repairs[j].Line })
}

func (f *File) walkRepair(v any, ptr string) {
	switch t := v.(type) {
	case map[string]any:
		f.repairAccess(t, ptr)
		if props, ok := t["properties"].(map[string]any); ok {
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, name := range names {
				if p, ok := props[name].(map[string]any); ok {
					f.repairRequired(t, name, p, ptr+"/properties/"+jsonptr.Escape(name))
				}
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "x-") || k == "example" || k == "examples" || k == "default" || k == "enum" || k == "const" {
				continue
			}
			f.walkRepair(t[k], ptr+"/"+jsonptr.Escape(k))
		}
	case []any:
		for i, e := range t {
			f.walkRepair(e, ptr+"/"+strconv.Itoa(i))
		}
	}
}

// repairRequired reads a boolean "required" on the property schema p (named name, inside the
// schema parent) as an entry in parent's required list. Only property schemas are repaired:
// elsewhere (parameters, headers, request bodies) a boolean required is correct OpenAPI.
func (f *File) repairRequired(parent map[string]any, name string, p map[string]any, ptr string) {
	if b, ok := p["required"].(bool); ok {
		delete(p, "required")
		msg := fmt.Sprintf("property %q has \"required\": false, which OpenAPI 3 does not allow on a property; removed", name)
		if b {
			req, _ := parent["required"].([]any)
			found := false
			for _, r := range req {
				if r == name {
					found = true
				}
			}
			if !found {
				parent["required"] = append(req, name)
			}
			msg = fmt.Sprintf("property %q has \"required\": true, which OpenAPI 3 does not allow on a property; read as an entry %q in its parent's required list", name, name)
		}
		f.Repairs = append(f.Repairs, Repair{Rule: RepairBooleanRequired, File: f.Name, Pointer: ptr + "/required", Line: f.Line(ptr + "/required"), Message: msg})
	}
}

// repairAccess reads "readonly" and "writeonly" with a boolean value as readOnly and writeOnly.
// No OpenAPI object has such keys, so they are misspellings wherever they are (a property named
// readonly is a map, not a boolean, and is left alone).
func (f *File) repairAccess(p map[string]any, ptr string) {
	for _, kw := range []string{"readOnly", "writeOnly"} {
		lower := strings.ToLower(kw)
		val, ok := p[lower].(bool)
		if !ok {
			continue
		}
		delete(p, lower)
		existing, has := p[kw]
		msg := fmt.Sprintf("%q is not an OpenAPI keyword; read as %s", lower, kw)
		switch {
		case has && existing != val:
			msg = fmt.Sprintf("%q: %v stands next to %s: %v; %s wins", lower, val, kw, existing, kw)
		case has:
			msg = fmt.Sprintf("%q stands next to %s with the same value; removed", lower, kw)
		default:
			p[kw] = val
		}
		f.Repairs = append(f.Repairs, Repair{Rule: RepairLowercaseAccess, File: f.Name, Pointer: ptr + "/" + lower, Line: f.Line(ptr + "/" + lower), Message: msg})
	}
}

// Repairs lists every repair made in the files the documents were read from, by file and line.
func Repairs(docs []*Document) []Repair {
	var out []Repair
	seen := map[*Sources]bool{}
	for _, d := range docs {
		if seen[d.Sources] {
			continue
		}
		seen[d.Sources] = true
		d.Sources.mu.Lock()
		for _, f := range d.Sources.files {
			out = append(out, f.Repairs...)
		}
		d.Sources.mu.Unlock()
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// DefectsError is returned in strict mode when the documents needed repairs. It names every one.
type DefectsError struct {
	Repairs []Repair
}

func (e *DefectsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the specs have %d defect(s) that strict mode refuses to repair:", len(e.Repairs))
	for _, r := range e.Repairs {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// Strict returns a *DefectsError naming every repair the documents needed, or nil.
func Strict(docs []*Document) error {
	if r := Repairs(docs); len(r) > 0 {
		return &DefectsError{Repairs: r}
	}
	return nil
}
