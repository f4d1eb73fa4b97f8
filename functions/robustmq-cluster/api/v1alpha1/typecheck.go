package v1alpha1

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
)

// checkTypes walks a decoded JSON document along the Go type it will be decoded into and reports every value of
// the wrong JSON type, and every value its type's own UnmarshalJSON refuses (a quantity such as "10Gb"), with its
// field path. encoding/json stops at the first such error and, for UnmarshalJSON errors, names no field.
// It removes each bad value from the document, so that the strict decoder can then report the unknown fields
// too. Values are not quoted: a misplaced secret must not reach the results.
func checkTypes(doc map[string]any, t reflect.Type) field.ErrorList {
	return checkStruct(doc, t, nil)
}

// checkValue checks v against t. A non-empty list means v itself, or something inside it, is bad; bad is true
// when v itself is, and the caller drops it.
func checkValue(v any, t reflect.Type, p *field.Path) (errs field.ErrorList, bad bool) {
	if v == nil {
		return nil, false // null leaves the zero value, as encoding/json does
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		raw, err := json.Marshal(v)
		if err == nil {
			err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}
		if err != nil {
			detail := strings.TrimPrefix(err.Error(), "json: ")
			if t == quantityType { // its own message is a regular expression
				detail = "must be a quantity such as 500m, 2, 512Mi or 10Gi"
			}
			return field.ErrorList{field.Invalid(p, field.OmitValueType{}, detail)}, true
		}
		return nil, false
	}
	wrong := func(want string) (field.ErrorList, bool) {
		return field.ErrorList{field.Invalid(p, field.OmitValueType{}, fmt.Sprintf("must be %s, not %s", want, jsonKind(v)))}, true
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		return checkStruct(m, t, p), false
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok {
				return wrong("a base64 string")
			}
			break
		}
		list, ok := v.([]any)
		if !ok {
			return wrong("a list")
		}
		for i, e := range list {
			sub, bad := checkValue(e, t.Elem(), p.Index(i))
			errs = append(errs, sub...)
			if bad {
				list[i] = nil
			}
		}
		return errs, false
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sub, bad := checkValue(m[k], t.Elem(), p.Key(k))
			errs = append(errs, sub...)
			if bad {
				delete(m, k)
			}
		}
		return errs, false
	case reflect.String:
		if _, ok := v.(bool); ok {
			return field.ErrorList{field.Invalid(p, field.OmitValueType{},
				"must be a string, not true or false: quote it, YAML reads y, n, yes, no, on and off as booleans")}, true
		}
		if _, ok := v.(string); !ok {
			return wrong("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f, ok := v.(float64)
		if !ok {
			return wrong("a whole number")
		}
		if f != math.Trunc(f) {
			return field.ErrorList{field.Invalid(p, f, "must be a whole number")}, true
		}
		if overflows(f, t) {
			return field.ErrorList{field.Invalid(p, f, fmt.Sprintf("out of range for a %d-bit number", t.Bits()))}, true
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(float64); !ok {
			return wrong("a number")
		}
	}
	return nil, false
}

// checkStruct checks the known fields of m against struct type t; inline (embedded) structs share m.
func checkStruct(m map[string]any, t reflect.Type, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" || strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			errs = append(errs, checkStruct(m, ft, p)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if v, ok := m[name]; ok {
			sub, bad := checkValue(v, f.Type, p.Child(name))
			errs = append(errs, sub...)
			if bad {
				delete(m, name)
			}
		}
	}
	return errs
}

// overflows reports whether the whole number f does not fit integer type t.
func overflows(f float64, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return f < 0 || f >= math.MaxUint64 || reflect.Zero(t).OverflowUint(uint64(f))
	}
	return f < math.MinInt64 || f >= math.MaxInt64 || reflect.Zero(t).OverflowInt(int64(f))
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
