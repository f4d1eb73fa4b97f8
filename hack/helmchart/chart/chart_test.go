package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/internal/repo"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := repo.Root()
	require.NoError(t, err)
	return r
}

// The committed chart files are what the generator writes (make generate; make verify checks it too).
func TestUpToDate(t *testing.T) {
	require.NoError(t, Check(root(t)))
}

// values.yaml sets exactly the base package's spec: null and empty objects are "not set", as the chart's
// template treats them.
func TestValuesAreTheBasePackage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), Dir, "values.yaml"))
	require.NoError(t, err)
	var values map[string]any
	require.NoError(t, yaml.Unmarshal(b, &values))
	assert.Equal(t, []any{}, values[ApproveKey])
	delete(values, ApproveKey)
	want, err := packageSpec(filepath.Join(root(t), defaultsPkg))
	require.NoError(t, err)
	assert.Equal(t, want, prune(values))
}

// Every key of the spec schema appears in values.yaml, set or commented out.
func TestEveryKeyListed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), Dir, "values.yaml"))
	require.NoError(t, err)
	spec, err := specSchema(filepath.Join(root(t), crdFile))
	require.NoError(t, err)
	var walk func(s map[string]any, path string)
	walk = func(s map[string]any, path string) {
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			assert.Regexp(t, `(?m)^[ #]*(- )?`+k+`:`, string(b), path+"."+k)
			walk(v.(map[string]any), path+"."+k)
		}
		if items, ok := s["items"].(map[string]any); ok && strings.HasSuffix(path, "pools") {
			walk(items, path+"[]")
		}
	}
	walk(spec, "spec")
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if p := prune(x); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = prune(x)
		}
		return out
	}
	return v
}
