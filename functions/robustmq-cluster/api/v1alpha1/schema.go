package v1alpha1

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/crd"
)

// Schema is the part of an OpenAPI v3 schema that constrains values. Types are checked by checkTypes, along the
// Go types the schema is generated from.
type Schema struct {
	Type                 string             `json:"type,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`

	re *regexp.Regexp
}

var (
	schemaOnce sync.Once
	schemaRoot *Schema
)

// CRDSchema is the constraint tree of the published CRD (crd/constraints.json, derived from it by CompactSchema).
func CRDSchema() *Schema {
	schemaOnce.Do(func() {
		schemaRoot = &Schema{}
		if err := json.Unmarshal(crd.Constraints, schemaRoot); err != nil {
			panic(fmt.Sprintf("v1alpha1: embedded crd/constraints.json: %v", err))
		}
		compile(schemaRoot)
	})
	return schemaRoot
}

// CompactSchema derives the constraint tree from a CRD: the openAPIV3Schema of its only version, without
// descriptions and without the branches that constrain nothing. Embedding the whole CRD would cost the image
// 56 kB of descriptions.
func CompactSchema(crdYAML []byte) ([]byte, error) {
	root, err := crdSchema(crdYAML)
	if err != nil {
		return nil, err
	}
	prune(root)
	out, err := json.Marshal(root)
	return append(out, '\n'), err
}

// crdSchema is the openAPIV3Schema of a CRD's only version.
func crdSchema(crdYAML []byte) (*Schema, error) {
	var doc struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema *Schema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crdYAML, &doc); err != nil {
		return nil, err
	}
	if len(doc.Spec.Versions) != 1 || doc.Spec.Versions[0].Schema.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("want one version with an openAPIV3Schema")
	}
	return doc.Spec.Versions[0].Schema.OpenAPIV3Schema, nil
}

// prune drops the subtrees of s that hold no constraint and reports whether s itself holds none.
func prune(s *Schema) bool {
	if s == nil {
		return true
	}
	s.Type = ""
	for k, p := range s.Properties {
		if prune(p) {
			delete(s.Properties, k)
		}
	}
	if prune(s.Items) {
		s.Items = nil
	}
	if prune(s.AdditionalProperties) {
		s.AdditionalProperties = nil
	}
	return len(s.Enum) == 0 && s.Minimum == nil && s.Maximum == nil && s.Pattern == "" && s.MinLength == nil &&
		s.MaxLength == nil && s.MinItems == nil && s.MaxItems == nil && len(s.Required) == 0 &&
		len(s.Properties) == 0 && s.Items == nil && s.AdditionalProperties == nil
}

func compile(s *Schema) {
	if s == nil {
		return
	}
	if s.Pattern != "" {
		s.re = regexp.MustCompile(s.Pattern)
	}
	for _, p := range s.Properties {
		compile(p)
	}
	compile(s.Items)
	compile(s.AdditionalProperties)
}

// checkSchema reports every value of doc that breaks a constraint of the CRD schema (enum, minimum, maximum,
// pattern, lengths, required), with its field path, as the API server would for the CRD. A value of the wrong
// JSON type is left to checkTypes.
func checkSchema(doc map[string]any) field.ErrorList {
	return CRDSchema().check(doc, nil)
}

func (s *Schema) check(v any, p *field.Path) field.ErrorList {
	if s == nil || v == nil {
		return nil
	}
	var errs field.ErrorList
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		valid := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			valid[i] = fmt.Sprint(e)
		}
		return field.ErrorList{field.NotSupported(p, v, valid)}
	}
	switch x := v.(type) {
	case float64:
		if s.Minimum != nil && x < *s.Minimum {
			errs = append(errs, field.Invalid(p, v, fmt.Sprintf("must be at least %v", *s.Minimum)))
		}
		if s.Maximum != nil && x > *s.Maximum {
			errs = append(errs, field.Invalid(p, v, fmt.Sprintf("must be at most %v", *s.Maximum)))
		}
	case string:
		n := len([]rune(x))
		if s.MinLength != nil && n < *s.MinLength {
			errs = append(errs, field.Invalid(p, v, fmt.Sprintf("must have at least %d characters", *s.MinLength)))
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			errs = append(errs, field.TooLong(p, "", *s.MaxLength))
		}
		if s.re != nil && !s.re.MatchString(x) {
			errs = append(errs, field.Invalid(p, v, "must match "+s.Pattern))
		}
	case []any:
		if s.MinItems != nil && len(x) < *s.MinItems {
			errs = append(errs, field.Invalid(p, len(x), fmt.Sprintf("must have at least %d items", *s.MinItems)))
		}
		if s.MaxItems != nil && len(x) > *s.MaxItems {
			errs = append(errs, field.TooMany(p, len(x), *s.MaxItems))
		}
		for i, e := range x {
			errs = append(errs, s.Items.check(e, p.Index(i))...)
		}
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := x[r]; !ok {
				errs = append(errs, field.Required(p.Child(r), ""))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if sub, ok := s.Properties[k]; ok {
				errs = append(errs, sub.check(x[k], p.Child(k))...)
			} else if s.AdditionalProperties != nil {
				errs = append(errs, s.AdditionalProperties.check(x[k], p.Key(k))...)
			}
		}
	}
	return errs
}
