package v1alpha1

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

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
	jsonData, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, nil, field.ErrorList{yamlError(data, err)}
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
		return field.Forbidden(p, "unknown field; see the function README for the supported fields")
	}
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

// yamlError reports a document that is not valid YAML, or not JSON-compatible YAML.
func yamlError(data []byte, err error) *field.Error {
	return field.Invalid(nil, nil, fmt.Sprintf("read yaml: %v", err))
}
