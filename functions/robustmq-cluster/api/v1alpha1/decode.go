package v1alpha1

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// secretLike matches field names that would carry a secret value in plain text.
var secretLike = regexp.MustCompile(`(?i)(password|passwd|secret|secrets|token|tokens|credentials?|privatekey)$`)

// Decode reads a RobustMQCluster strictly: an unknown or duplicate field is an error with its field path, since
// a typo would otherwise silently fall back to a default. apiVersion and kind are checked first.
func Decode(data []byte) (*RobustMQCluster, field.ErrorList) {
	c, _, errs := decode(data)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// decode is Decode that also returns what it could read despite errors: the cluster without the bad values and
// unknown fields, and the document as JSON values. Both are nil when the document cannot be read at all.
func decode(data []byte) (*RobustMQCluster, map[string]any, field.ErrorList) {
	jsonData, yerrs := toJSON(data)
	if len(yerrs) > 0 {
		return nil, nil, yerrs
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(jsonData, &head); err != nil {
		return nil, nil, field.ErrorList{field.Invalid(nil, nil, err.Error())}
	}
	if head.APIVersion != APIVersion || head.Kind != Kind {
		return nil, nil, field.ErrorList{field.Invalid(field.NewPath("apiVersion"), head.APIVersion+", "+head.Kind,
			fmt.Sprintf("supported: apiVersion %s, kind %s", APIVersion, Kind))}
	}
	// Values of the wrong type first, all of them with their paths; checkTypes drops them from doc so that the
	// strict decode below still reports every unknown field.
	var doc map[string]any
	if err := json.Unmarshal(jsonData, &doc); err != nil {
		return nil, nil, field.ErrorList{field.Invalid(nil, nil, "read yaml: the document is not an object")}
	}
	errs := checkTypes(doc, reflect.TypeFor[RobustMQCluster]())
	if len(errs) > 0 {
		var err error
		if jsonData, err = json.Marshal(doc); err != nil {
			return nil, nil, append(errs, field.InternalError(nil, err))
		}
	}
	var c RobustMQCluster
	strict, err := sigsjson.UnmarshalStrict(jsonData, &c, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, nil, append(errs, field.Invalid(nil, nil, strings.TrimPrefix(err.Error(), "json: ")))
	}
	for _, e := range strict {
		errs = append(errs, strictError(e))
	}
	return &c, doc, errs
}

func strictError(e error) *field.Error {
	fe, ok := e.(sigsjson.FieldError)
	if !ok {
		return field.Invalid(nil, nil, e.Error())
	}
	path := fe.FieldPath()
	p := pathOf(path)
	last := path[strings.LastIndex(path, ".")+1:]
	switch {
	case strings.Contains(e.Error(), "duplicate field"):
		return field.Duplicate(p, last)
	case secretLike.MatchString(last):
		return field.Forbidden(p, "plain-text secrets are not accepted: put the value in a Secret and reference it "+
			"from spec.auth (mqtt, admin: secretName; jwtSecret: name and key)")
	default:
		msg := "unknown field; see the function README for the supported fields"
		if near := nearest(last, knownFields(path)); near != "" {
			msg = fmt.Sprintf("unknown field; did you mean %q?", near)
		}
		return field.Forbidden(p, msg)
	}
}

// knownFields lists the JSON names of the fields next to the one at the dotted path.
func knownFields(dotted string) []string {
	t := reflect.TypeFor[RobustMQCluster]()
	parts := strings.Split(dotted, ".")
	for _, part := range parts[:len(parts)-1] {
		name, _, _ := strings.Cut(part, "[")
		f, ok := jsonField(t, name)
		if !ok {
			return nil
		}
		t = f.Type
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
	}
	var names []string
	var collect func(reflect.Type)
	collect = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() {
				continue
			}
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				collect(f.Type)
			} else if name != "" && name != "-" {
				names = append(names, name)
			}
		}
	}
	collect(t)
	return names
}

func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f, true
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			if sub, ok := jsonField(f.Type, name); ok {
				return sub, true
			}
		}
	}
	return reflect.StructField{}, false
}

// nearest is the candidate that differs from s by case only, by few edits (at most a third of the name), or by
// a missing end such as Ref; or "".
func nearest(s string, candidates []string) string {
	best, bestD := "", 4
	ls := strings.ToLower(s)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := EditDistance(ls, lc)
		if d > max(1, len(c)/3) && !(len(ls) >= 4 && strings.HasPrefix(lc, ls) && len(lc)-len(ls) <= 3) {
			continue
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// EditDistance counts the insertions, deletions, substitutions and swaps of neighbours between two short strings.
func EditDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func pathOf(dotted string) *field.Path {
	parts := strings.Split(dotted, ".")
	p := field.NewPath(parts[0])
	for _, s := range parts[1:] {
		if i := strings.Index(s, "["); i > 0 && strings.HasSuffix(s, "]") {
			p = p.Child(s[:i])
			var idx int
			if _, err := fmt.Sscanf(s[i:], "[%d]", &idx); err == nil {
				p = p.Index(idx)
				continue
			}
			p = p.Key(strings.Trim(s[i:], "[]\""))
			continue
		}
		p = p.Child(s)
	}
	return p
}

// toJSON converts the YAML document to JSON. The strict converter refuses a merge key (<<: *base) whose keys
// are then overridden, and reports duplicate keys and .nan with neither field path nor, after kpt reformatted
// the document, a useful line; so on its error the document is walked instead, and read with merge keys.
func toJSON(data []byte) ([]byte, field.ErrorList) {
	j, err := yaml.YAMLToJSONStrict(data)
	if err == nil {
		return j, nil
	}
	var root yamlv3.Node
	if err3 := yamlv3.Unmarshal(data, &root); err3 != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, fmt.Sprintf("read yaml: %v", err3))}
	}
	if errs := yamlProblems(&root, nil, injectedLines(data)); len(errs) > 0 {
		return nil, errs
	}
	var v any
	if err3 := root.Decode(&v); err3 != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, fmt.Sprintf("read yaml: %v", err))}
	}
	if j, err3 := json.Marshal(v); err3 == nil {
		return j, nil
	}
	return nil, field.ErrorList{field.Invalid(nil, nil, fmt.Sprintf("read yaml: %v", err))}
}

// yamlProblems finds what JSON cannot hold: a key given twice in one mapping (a merge key may be overridden,
// that is what it is for) and the floats .nan and .inf.
func yamlProblems(n *yamlv3.Node, p *field.Path, injected []int) field.ErrorList {
	// line is a line of the document as the user wrote it: kpt adds its annotations before passing it on.
	line := func(l int) int {
		before := 0
		for before < len(injected) && injected[before] < l {
			before++
		}
		return l - before
	}
	var errs field.ErrorList
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			errs = append(errs, yamlProblems(c, p, injected)...)
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, yamlProblems(c, p.Index(i), injected)...)
		}
	case yamlv3.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				continue
			}
			cp := p.Child(k.Value)
			if first, dup := seen[k.Value]; dup {
				errs = append(errs, field.Duplicate(cp, fmt.Sprintf("line %d (first at line %d)", line(k.Line), line(first))))
				continue
			}
			seen[k.Value] = k.Line
			errs = append(errs, yamlProblems(v, cp, injected)...)
		}
	case yamlv3.ScalarNode:
		if n.ShortTag() == "!!float" {
			if f, err := strconv.ParseFloat(strings.Replace(strings.ToLower(n.Value), ".", "", 1), 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				errs = append(errs, field.Invalid(p, n.Value, fmt.Sprintf("line %d: JSON and Kubernetes have no NaN or infinity; write a number", line(n.Line))))
			}
		}
	}
	return errs
}

// injectedLines are the lines of the annotations kpt adds to every item (path, index, internal ones), which are
// not in the user's file.
func injectedLines(data []byte) []int {
	var out []int
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "internal.config.kubernetes.io/") || strings.HasPrefix(l, "config.kubernetes.io/index:") ||
			strings.HasPrefix(l, "config.kubernetes.io/path:") {
			out = append(out, i+1)
		}
	}
	return out
}
