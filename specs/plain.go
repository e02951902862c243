package specs

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"unicode/utf8"
)

// yamlMarshaler is what kin-openapi's model types implement: each one's MarshalJSON is
// json.Marshal of what its MarshalYAML returns.
type yamlMarshaler interface {
	MarshalYAML() (any, error)
}

// plainValue builds, from kin-openapi's model v (a converted Swagger 2.0 document), the plain
// value decodeJSONValue(json.Marshal(v)) gives, without writing and reading JSON: the model's
// types give their maps through MarshalYAML, which their MarshalJSON encodes, and the rest is
// what encoding/json does with maps, slices and scalars. TestPlainValueEqualsJSONRoundTrip
// keeps the two equal on every Swagger 2.0 document of the corpus. What it does not know (a
// struct without MarshalYAML, a number type encoding/json writes in its own way) it hands to
// the JSON round trip.
func plainValue(v any) (any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		return validString(t), nil
	case bool:
		return t, nil
	case float64:
		return jsonFloat(t)
	case int:
		return t, nil
	case map[string]any:
		if t == nil {
			return nil, nil
		}
		m := make(map[string]any, len(t))
		for k, e := range t {
			pv, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			m[validString(k)] = pv
		}
		return m, nil
	case []any:
		if t == nil {
			return nil, nil
		}
		s := make([]any, len(t))
		for i, e := range t {
			pv, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			s[i] = pv
		}
		return s, nil
	case []string:
		if t == nil {
			return nil, nil
		}
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = validString(e)
		}
		return s, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			// encoding/json writes a nil pointer as null, Marshaler or not.
			return nil, nil
		}
	}
	if _, ok := v.(json.Marshaler); ok {
		if ym, ok := v.(yamlMarshaler); ok {
			x, err := ym.MarshalYAML()
			if err != nil {
				return nil, err
			}
			if m, ok := x.(map[string]any); ok && m != nil {
				// The model's MarshalYAML makes a new map each call: it becomes the plain value
				// itself, its members replaced by theirs.
				for k := range m {
					if !utf8.ValidString(k) {
						return plainValue(x)
					}
				}
				for k, e := range m {
					pv, err := plainValue(e)
					if err != nil {
						return nil, err
					}
					m[k] = pv
				}
				return m, nil
			}
			return plainValue(x)
		}
		return jsonRoundTrip(v)
	}
	if _, ok := v.(yamlMarshaler); ok && rv.Kind() != reflect.Map {
		// MarshalYAML without MarshalJSON: encoding/json would not call it.
		return jsonRoundTrip(v)
	}
	switch rv.Kind() {
	case reflect.Pointer:
		return plainValue(rv.Elem().Interface())
	case reflect.String:
		return validString(rv.String()), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt {
			return int(u), nil
		}
		return jsonRoundTrip(v)
	case reflect.Float64:
		return jsonFloat(rv.Float())
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Key().Kind() != reflect.String {
			return jsonRoundTrip(v)
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			pv, err := plainValue(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			m[validString(it.Key().String())] = pv
		}
		return m, nil
	case reflect.Slice:
		if rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			// encoding/json writes []byte as base64.
			return jsonRoundTrip(v)
		}
		fallthrough
	case reflect.Array:
		s := make([]any, rv.Len())
		for i := range s {
			pv, err := plainValue(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			s[i] = pv
		}
		return s, nil
	}
	return jsonRoundTrip(v)
}

// jsonRoundTrip is plainValue's answer for what it does not know: the value written and read
// again.
func jsonRoundTrip(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSONValue(data)
}

// jsonFloat is what reading a float64 written by encoding/json gives: an int when encoding/json
// writes it as digits only (integral, under 1e21) and strconv.Atoi reads it, the float64
// itself otherwise.
func jsonFloat(f float64) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %v", f)
	}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int(f), nil
	}
	return f, nil
}

// validString is s as encoding/json writes it and reads it back: each byte that is not part of
// valid UTF-8 becomes U+FFFD.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r)
	}
	return string(out)
}
