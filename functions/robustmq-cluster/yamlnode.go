package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// toNode builds, from an unstructured value (what runtime.DefaultUnstructuredConverter returns), the YAML node that
// yaml.Parse(yaml.Marshal(v)) gives, without writing and parsing the text: map keys in go-yaml's order, scalars
// tagged as its parser tags them, and strings marked for quoting where its encoder quotes them. The emitter then
// writes the same bytes as after the text round trip (yamlnode_test.go checks it against go-yaml itself). It
// refuses what it does not know (invalid UTF-8, other Go types), and the caller falls back to the text round trip.
func toNode(v any) (*yaml.Node, error) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, keyCompare)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(keys))}
		for _, k := range keys {
			kn, err := stringNode(k)
			if err != nil {
				return nil, err
			}
			vn, err := toNode(t[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			n.Content = append(n.Content, kn, vn)
		}
		if len(keys) == 0 {
			n.Style = yaml.FlowStyle // go-yaml writes {} and parses it back as flow
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, 0, len(t))}
		for i, x := range t {
			xn, err := toNode(x)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			n.Content = append(n.Content, xn)
		}
		if len(t) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case string:
		return stringNode(t)
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(t, 10)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 64)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		tag := "!!float"
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			tag = "!!int" // 3.0 is written 3, and read back as an int
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}, nil
	default:
		return nil, fmt.Errorf("no YAML node for a %T", v)
	}
}

// stringNode is a string scalar. The emitter itself quotes a string that would read back as another type, and
// writes one with a line break as a literal block; only the YAML 1.1 forms go-yaml's encoder quotes on top of that
// (yes, on, 1:20) need the style here.
func stringNode(s string) (*yaml.Node, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("invalid UTF-8 in %q", s)
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n"):
		n.Style = yaml.LiteralStyle
	case yaml11Bool(s) || sexagesimal(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n, nil
}

// yaml11Bool: the booleans of YAML 1.1 that YAML 1.2 reads as strings.
func yaml11Bool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}

// sexagesimalRE is a YAML 1.1 base-60 number such as 1:20 or -3:25:45.5.
var sexagesimalRE = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

func sexagesimal(s string) bool {
	return strings.IndexByte(s, ':') > 0 && sexagesimalRE.MatchString(s)
}

// keyCompare orders map keys as go-yaml's encoder sorts them (natural order): rune by rune; a letter sorts before
// any other rune, except right after a digit, where it sorts after; where both are non-letters, the runs of digits
// starting there compare by value, then by length (a run of zeros after a non-zero digit counts as a number), and
// last the runes themselves. A key that is a prefix of another sorts first.
func keyCompare(a, b string) int {
	switch {
	case a == b:
		return 0
	case keyLess(a, b):
		return -1
	default:
		return 1
	}
}

func keyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	afterDigit := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		x, y := ar[i], br[i]
		if x == y {
			afterDigit = unicode.IsDigit(x)
			continue
		}
		xl, yl := unicode.IsLetter(x), unicode.IsLetter(y)
		if xl && yl {
			return x < y
		}
		if xl || yl {
			if afterDigit {
				return xl
			}
			return yl
		}
		var base int64
		if x == '0' || y == '0' {
			// Zeros inside a number that started with a non-zero digit are not leading zeros.
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					base = 1
					break
				}
			}
		}
		xv, xe := digitRun(ar, i, base)
		yv, ye := digitRun(br, i, base)
		if xv != yv {
			return xv < yv
		}
		if xe != ye {
			return xe < ye
		}
		return x < y
	}
	return len(ar) < len(br)
}

// digitRun reads the digits of r from i on, continuing the number v; it returns the value and where the run ends.
func digitRun(r []rune, i int, v int64) (int64, int) {
	for ; i < len(r) && unicode.IsDigit(r[i]); i++ {
		v = v*10 + int64(r[i]-'0')
	}
	return v, i
}

// toUnstructured is the object's JSON as generic values, what runtime.DefaultUnstructuredConverter.ToUnstructured
// returns (JSON tags, omitempty, custom marshalers; whole numbers as int64, others as float64), by encoding/json
// instead: the converter's first call in a process cost about 30 ms, more than the rest of a one-cluster render.
func toUnstructured(obj any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, numbers(m)
}

// numbers replaces the json.Numbers in v, in place, by int64 or float64.
func numbers(v any) error {
	set := func(x any, put func(any)) error {
		n, ok := x.(json.Number)
		if !ok {
			return numbers(x)
		}
		if i, err := n.Int64(); err == nil {
			put(i)
			return nil
		}
		f, err := n.Float64()
		put(f)
		return err
	}
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if err := set(x, func(y any) { t[k] = y }); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range t {
			if err := set(x, func(y any) { t[i] = y }); err != nil {
				return err
			}
		}
	}
	return nil
}

// kubeObjectFromMap is fn.NewKubeObjectFromMap without its text round trip (yaml.FromMap marshals the map and parses
// the text back), which cost 42 % of a render. What toNode refuses still takes the round trip.
func kubeObjectFromMap(m map[string]any) (*fn.KubeObject, error) {
	n, err := toNode(m)
	if err != nil {
		return fn.NewKubeObjectFromMap(m)
	}
	return fn.MoveToKubeObject(yaml.NewRNode(n)), nil
}
