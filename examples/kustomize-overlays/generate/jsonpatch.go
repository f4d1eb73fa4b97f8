package main

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// diff returns the JSON 6902 operations that turn a into b, both decoded JSON (maps, lists, scalars). It is
// written here rather than taken from a JSON-patch library because the checked-in overlays must be byte-stable,
// and the libraries that create RFC 6902 patches walk maps in random order. Maps are compared key by key, sorted; lists of the same length element by element; a list that only grew at its end gets "add"
// operations at "-"; any other list change replaces the whole list, which is exact whatever the list's merge
// semantics are (kustomize applies JSON 6902 literally, unlike strategic merge patches).
func diff(a, b any) []map[string]any {
	var ops []map[string]any
	diffAt("", a, b, &ops)
	return ops
}

func diffAt(ptr string, a, b any, ops *[]map[string]any) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*ops = append(*ops, op("replace", ptr, b))
			return
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := ptr + "/" + escape(k)
			x, inA := av[k]
			y, inB := bv[k]
			switch {
			case !inB:
				*ops = append(*ops, map[string]any{"op": "remove", "path": p})
			case !inA:
				*ops = append(*ops, op("add", p, y))
			default:
				diffAt(p, x, y, ops)
			}
		}
	case []any:
		bv, ok := b.([]any)
		switch {
		case !ok:
			*ops = append(*ops, op("replace", ptr, b))
		case len(av) == len(bv):
			for i := range av {
				diffAt(ptr+"/"+strconv.Itoa(i), av[i], bv[i], ops)
			}
		case len(bv) > len(av) && reflect.DeepEqual(av, bv[:len(av)]):
			for _, y := range bv[len(av):] {
				*ops = append(*ops, op("add", ptr+"/-", y))
			}
		default:
			*ops = append(*ops, op("replace", ptr, b))
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*ops = append(*ops, op("replace", ptr, b))
		}
	}
}

func op(kind, path string, value any) map[string]any {
	return map[string]any{"op": kind, "path": path, "value": value}
}

// escape encodes a map key as a JSON pointer token (RFC 6901).
func escape(k string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}
