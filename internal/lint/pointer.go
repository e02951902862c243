package lint

import (
	"fmt"

	"github.com/specgate/specgate/internal/schema"
)

// toJSON turns a decoded YAML value into the JSON values the schema engine validates: keys
// strings, numbers json.Number as JSON writes them. It is the round trip through
// encoding/json without the encoding (schema.JSONValue): every example and every witness
// candidate takes it.
func toJSON(v any) (any, error) {
	v, err := stringKeys(v)
	if err != nil {
		return nil, err
	}
	return schema.JSONValue(v)
}

func stringKeys(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			n, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			n, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			n, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return v, nil
}
