package v1alpha1

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/crd"
)

const crdFile = "../../crd/robustmq.io_robustmqclusters.yaml"

func TestConstraintsMatchTheCRD(t *testing.T) {
	in, err := os.ReadFile(crdFile)
	require.NoError(t, err)
	want, err := CompactSchema(in)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(crd.Constraints), "crd/constraints.json is stale: run make generate")
}

// violation is one constraint of the published schema and a config that breaks it.
type violation struct {
	path  string // field path the error must name
	steps []step // where the bad value goes
	value any    // nil: leave the required field out
}

type step struct {
	name  string   // property or map key; "" for the first list item
	index bool     // a list item
	req   []string // required fields of the object the name is in
}

// TestEveryCRDConstraintIsEnforced walks the CRD's openAPIV3Schema and, for each enum, minimum, maximum,
// pattern, length and required field, loads a config that breaks only that constraint and expects an error
// with its field path.
func TestEveryCRDConstraintIsEnforced(t *testing.T) {
	in, err := os.ReadFile(crdFile)
	require.NoError(t, err)
	root, err := crdSchema(in)
	require.NoError(t, err)
	var vs []violation
	walk(root.Properties["spec"], "spec", []step{{name: "spec"}}, &vs)
	require.Greater(t, len(vs), 30, "the walk found too few constraints")
	for _, v := range vs {
		t.Run(v.path+fmt.Sprintf("=%v", v.value), func(t *testing.T) {
			cfg := build(v.steps, v.value).(map[string]any)
			cfg["apiVersion"], cfg["kind"], cfg["metadata"] = APIVersion, Kind, map[string]any{"name": "mq"}
			data, err := json.Marshal(cfg)
			require.NoError(t, err)
			_, errs := Load(data)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				// A field refused as a whole (resources.claims) covers the constraints inside it.
				if e.Type == field.ErrorTypeForbidden && (strings.HasPrefix(v.path, e.Field+".") || strings.HasPrefix(v.path, e.Field+"[")) {
					fields = append(fields, v.path)
				}
			}
			assert.Contains(t, fields, v.path, "config: %s", data)
		})
	}
	t.Logf("%d constraints checked", len(vs))
}

func walk(s *Schema, path string, steps []step, out *[]violation) {
	if s == nil {
		return
	}
	add := func(v any) {
		*out = append(*out, violation{path: path, steps: steps, value: v})
	}
	if len(s.Enum) > 0 {
		add("not-" + fmt.Sprint(s.Enum[0]) + "-x")
	}
	if s.Minimum != nil {
		add(*s.Minimum - 1)
	}
	if s.Maximum != nil {
		add(*s.Maximum + 1)
	}
	if s.Pattern != "" {
		add("-Not Valid-")
	}
	if s.MaxLength != nil {
		add(strings.Repeat("a", *s.MaxLength+1))
	}
	if s.MinLength != nil && *s.MinLength > 0 {
		add("")
	}
	with := func(st step) []step { return append(slices.Clone(steps), st) }
	for _, r := range s.Required {
		*out = append(*out, violation{path: path + "." + r, steps: with(step{name: r, req: s.Required})})
	}
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		walk(s.Properties[k], path+"."+k, with(step{name: k, req: s.Required}), out)
	}
	walk(s.Items, path+"[0]", with(step{index: true}), out)
	walk(s.AdditionalProperties, path+"[cpu]", with(step{name: "cpu"}), out)
}

// build returns the value at steps[0]'s container: objects along the way hold their required fields (with a
// value valid for all of them), and the last step holds v, or is left out when v is nil.
func build(steps []step, v any) any {
	if len(steps) == 0 {
		return v
	}
	s := steps[0]
	if s.index {
		return []any{build(steps[1:], v)}
	}
	m := map[string]any{}
	for _, r := range s.req {
		m[r] = "a"
	}
	if len(steps) == 1 && v == nil {
		delete(m, s.name)
	} else {
		m[s.name] = build(steps[1:], v)
	}
	return m
}
