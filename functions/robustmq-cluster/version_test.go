package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// The function's version is stamped on the metadata of every object it writes and nowhere else: with only the stamp
// changed, every config renders the same but for that one annotation, so pod templates, config hashes and the
// runtime-config Job's name stay as they were and the stamp rolls no pod. (A real upgrade also changes the Job's
// default image, the function's own release, and so makes a new Job: docs/lifecycle.md.)
func TestGeneratorVersionOnlyOnObjectMetadata(t *testing.T) {
	const other = "v0.0.0-other"
	require.NotEqual(t, other, robustmqkpt.Version)
	kinds := map[string]int{}
	podTemplates := 0
	for _, file := range valid(t) {
		t.Run(file, func(t *testing.T) {
			now, then := buildAs(t, file, robustmqkpt.Version), buildAs(t, file, other)
			require.Len(t, then, len(now))
			for i := range now {
				a, b := now[i], then[i]
				id := fmt.Sprintf("%s %s", a["kind"], a["metadata"].(map[string]any)["name"])
				kinds[a["kind"].(string)]++
				assert.Equal(t, []string{"metadata.annotations"}, stampPaths(a, ""), "%s: where the version stamp is", id)
				assert.Equal(t, robustmqkpt.Version, annotations(a)[naming.AnnotationGeneratorVersion], id)
				assert.Equal(t, other, annotations(b)[naming.AnnotationGeneratorVersion], id)
				// spec.template: the pod template of StatefulSets and Jobs, the Backup template of a Velero Schedule.
				if spec, ok := a["spec"].(map[string]any); ok && spec["template"] != nil {
					if k := a["kind"]; k == "StatefulSet" || k == "Job" {
						podTemplates++
					}
					assert.Equal(t, spec["template"], b["spec"].(map[string]any)["template"], "%s: spec.template", id)
				}
				delete(annotations(a), naming.AnnotationGeneratorVersion)
				delete(annotations(b), naming.AnnotationGeneratorVersion)
				assert.True(t, reflect.DeepEqual(a, b), "%s differs in more than the version stamp", id)
			}
		})
	}
	// The configs cover every kind with a pod template.
	assert.Positive(t, kinds["StatefulSet"])
	assert.Positive(t, kinds["Job"])
	assert.Equal(t, kinds["StatefulSet"]+kinds["Job"], podTemplates)
}

// valid are the cluster files of the golden cases, the blueprints and the base package that render.
func valid(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*/*.yaml", "../../blueprints/*/cluster.yaml", "../../packages/*/cluster.yaml"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	var out []string
	for _, f := range files {
		if _, ok := cluster(t, f); ok {
			out = append(out, f)
		}
	}
	require.GreaterOrEqual(t, len(out), 10)
	return out
}

// cluster loads the first valid RobustMQCluster of a file.
func cluster(t *testing.T, file string) (*v1alpha1.RobustMQCluster, bool) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	objs, err := fn.ParseKubeObjects(b)
	if err != nil {
		return nil, false
	}
	for _, o := range objs {
		if !isCluster(o) {
			continue
		}
		if c, errs := v1alpha1.Load([]byte(o.String())); len(errs) == 0 {
			return c, true
		}
	}
	return nil, false
}

// buildAs builds a cluster's objects as the given release of the function would, as unstructured maps.
func buildAs(t *testing.T, file, generatorVersion string) []map[string]any {
	t.Helper()
	c, _ := cluster(t, file)
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	tc.Names.GeneratorVersion = generatorVersion
	objs, err := build(tc)
	require.NoError(t, err)
	var out []map[string]any
	for _, o := range objs {
		m, err := toUnstructured(o.Object)
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func annotations(m map[string]any) map[string]any {
	a, _ := m["metadata"].(map[string]any)["annotations"].(map[string]any)
	return a
}

// stampPaths are the paths of every map that holds the version stamp key.
func stampPaths(v any, path string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t[naming.AnnotationGeneratorVersion]; ok {
			out = append(out, path)
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, stampPaths(t[k], p)...)
		}
	case []any:
		for i, x := range t {
			out = append(out, stampPaths(x, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}
