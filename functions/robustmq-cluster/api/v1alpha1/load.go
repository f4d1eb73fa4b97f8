package v1alpha1

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxEchoed is how much of a bad value a message repeats; the rest is cut.
const maxEchoed = 80

// Load decodes, defaults and validates one RobustMQCluster and reports every problem in one go: decode errors
// (unknown fields, wrong types), the CRD schema's constraints and the validation rules together, one per field
// path. The cluster is returned, defaulted, when there is no problem at all.
func Load(data []byte) (*RobustMQCluster, field.ErrorList) {
	c, doc, errs := decode(data)
	if c == nil {
		return nil, sanitize(capErrors(errs))
	}
	// Validation sees the defaulted values, so it cannot tell port: 0 from no port; the schema sees the input.
	schemaErrs := checkSchema(doc)
	c.Default()
	errs = merge(errs, c.Validate(), schemaErrs)
	if len(errs) > 0 {
		return nil, sanitize(capErrors(errs))
	}
	return c, nil
}

// merge appends the lists in order, keeping one error per field path: the first one, which is the more specific.
// An error under a path that already has one (spec.pools[0].name after spec.pools[0]) is dropped as well, since it
// is about a value decoding has already refused and dropped.
func merge(lists ...field.ErrorList) field.ErrorList {
	var out field.ErrorList
	seen := map[string]bool{}
	covered := func(path string) bool {
		for p := path; p != ""; p = parentPath(p) {
			if seen[p] {
				return true
			}
		}
		return false
	}
	for _, list := range lists {
		var added []string
		for _, e := range list {
			if e.Field != "<nil>" && covered(e.Field) {
				continue
			}
			out = append(out, e)
			added = append(added, e.Field)
		}
		// Within one list several errors may share a path (two problems of one value); all of them stay.
		for _, p := range added {
			seen[p] = true
		}
	}
	return out
}

// parentPath cuts the last step of a field path: a.b[0] -> a.b -> a; a[k.x] -> a.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i > 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}

// sanitize cuts long bad values and drops those of secret-like fields, so that a result never carries a
// credential or a megabyte of text.
func sanitize(errs field.ErrorList) field.ErrorList {
	for _, e := range errs {
		last := e.Field[max(strings.LastIndexAny(e.Field, ".["), 0):]
		if secretLike.MatchString(strings.Trim(last, ".[]")) {
			e.BadValue = field.OmitValueType{}
			continue
		}
		if v := reflect.ValueOf(e.BadValue); v.Kind() == reflect.String {
			if r, ok := nonASCII(v.String()); ok && e.Type == field.ErrorTypeInvalid {
				e.Detail += fmt.Sprintf(" (it contains %q, U+%04X, which is not ASCII: a look-alike of a Latin letter or a dash?)", r, r)
			}
			if v.Len() > maxEchoed {
				e.BadValue = cut(v.String())
			}
		}
		e.Detail = cut1k(e.Detail)
	}
	return errs
}

// nonASCII returns the first character of s outside ASCII.
func nonASCII(s string) (rune, bool) {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return r, true
		}
	}
	return 0, false
}

func cut(s string) string {
	if len(s) <= maxEchoed {
		return s
	}
	n := maxEchoed
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
}

// cut1k bounds a detail message, which may quote the value itself (a parser's error, for one).
func cut1k(s string) string {
	if len(s) <= 1024 {
		return s
	}
	return s[:1000] + "…"
}
