package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/robustmq/robustmq-kpt/internal/golden"
)

// TestGolden renders every case in testdata/ (its files in name order, _fnconfig.yaml as the functionConfig) and
// compares the whole ResourceList, results included, with _expected.yaml. Refresh with `make update-golden` and
// read the diff.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		dir := filepath.Join("testdata", c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			rl := goldenInput(t, dir)
			_, err := Process(rl)
			require.NoError(t, err)
			out, err := rl.ToYAML()
			require.NoError(t, err)
			golden.Compare(t, filepath.Join(dir, "_expected.yaml"), out)
		})
	}
}

func goldenInput(t *testing.T, dir string) *fn.ResourceList {
	t.Helper()
	parse := func(name string) fn.KubeObjects {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		objs, err := fn.ParseKubeObjects(b)
		require.NoError(t, err, name)
		return objs
	}
	rl := &fn.ResourceList{FunctionConfig: fn.NewEmptyKubeObject()}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		switch name := e.Name(); {
		case name == "_fnconfig.yaml":
			if cfg := parse(name); len(cfg) == 1 {
				rl.FunctionConfig = cfg[0]
			} else {
				require.Empty(t, cfg, "one functionConfig at most")
			}
		case name[0] != '_' && filepath.Ext(name) == ".yaml":
			rl.Items = append(rl.Items, parse(name)...)
		}
	}
	return rl
}

func readList(t *testing.T, dir string) *fn.ResourceList {
	t.Helper()
	var items fn.KubeObjects
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name()[0] == '_' || filepath.Ext(e.Name()) != ".yaml" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		objs, err := fn.ParseKubeObjects(b)
		require.NoError(t, err)
		for _, o := range objs {
			require.NoError(t, o.SetPathAnnotation(e.Name()))
		}
		items = append(items, objs...)
	}
	return &fn.ResourceList{Items: items, FunctionConfig: fn.NewEmptyKubeObject()}
}

func processed(t *testing.T, rl *fn.ResourceList) ([]byte, bool) {
	t.Helper()
	ok, err := Process(rl)
	require.NoError(t, err)
	out, err := rl.ToYAML()
	require.NoError(t, err)
	return out, ok
}

// Same input, byte-identical output; and rendering the output again changes nothing.
func TestDeterministicAndIdempotent(t *testing.T) {
	for _, dir := range []string{"dev-single-node", "staging-all-in-one", "prod-split-pools", "prune-and-keep"} {
		t.Run(dir, func(t *testing.T) {
			first, ok := processed(t, readList(t, filepath.Join("testdata", dir)))
			require.True(t, ok)
			for range 5 {
				again, _ := processed(t, readList(t, filepath.Join("testdata", dir)))
				require.Equal(t, string(first), string(again))
			}
			rl, err := fn.ParseResourceList(first)
			require.NoError(t, err)
			rl.Results = nil
			second, ok := processed(t, rl)
			require.True(t, ok)
			assert.Equal(t, string(first), string(second), "re-render of rendered output")
		})
	}
}

// An invalid config leaves every item exactly as it was, and fails with error results.
func TestErrorsChangeNothing(t *testing.T) {
	for _, dir := range []string{"invalid-unknown-and-plaintext", "invalid-many-problems"} {
		t.Run(dir, func(t *testing.T) {
			rl := readList(t, filepath.Join("testdata", dir))
			before := itemsYAML(rl)
			ok, err := Process(rl)
			require.NoError(t, err)
			assert.False(t, ok)
			assert.Equal(t, before, itemsYAML(rl))
			require.NotEmpty(t, rl.Results)
			for _, r := range rl.Results {
				assert.Equal(t, fn.Error, r.Severity)
				require.NotNil(t, r.File, r.Message)
				assert.Equal(t, "cluster.yaml", r.File.Path)
				require.NotNil(t, r.ResourceRef)
				assert.Equal(t, "mq", r.ResourceRef.Name)
			}
		})
	}
}

func TestPrunesOnlyWhatItGenerated(t *testing.T) {
	out, ok := processed(t, readList(t, filepath.Join("testdata", "prune-and-keep")))
	require.True(t, ok)
	assert.NotContains(t, string(out), "mq-old", "stale generated object pruned")
	assert.Contains(t, string(out), "my-settings", "user object kept")
	assert.Contains(t, string(out), "keep me")
}

func itemsYAML(rl *fn.ResourceList) string {
	var s string
	for _, it := range rl.Items {
		s += it.String() + "---\n"
	}
	return s
}

// BenchmarkProcess measures one render of the prod split-pool case (decode, default, validate, build, policy).
func BenchmarkProcess(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "prod-split-pools", "cluster.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		objs, err := fn.ParseKubeObjects(data)
		if err != nil {
			b.Fatal(err)
		}
		rl := &fn.ResourceList{Items: objs, FunctionConfig: fn.NewEmptyKubeObject()}
		if ok, err := Process(rl); err != nil || !ok {
			b.Fatalf("process: %v %v", ok, rl.Results)
		}
	}
}

// Odd but parseable inputs end in error results (or, for nulls, in defaults), never a panic.
func TestOddInputsDoNotPanic(t *testing.T) {
	head := "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: mq}\n"
	for name, doc := range map[string]string{
		"null pool":          head + "spec: {pools: [null]}\n",
		"bad quantity":       head + "spec: {pools: [{name: a, resources: {limits: {memory: lots}}}]}\n",
		"bad storage":        head + "spec: {pools: [{name: a, storage: {size: -1Gi}}]}\n",
		"no name":            "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nspec: {}\n",
		"list spec":          head + "spec: [1, 2]\n",
		"huge replicas":      head + "spec: {pools: [{name: a, replicas: 99999999999}]}\n",
		"extra config types": head + "spec: {extraConfig: {mqtt_runtime.keep_alive.max_time: [1], runtime.pprof_enable: null}}\n",
		"duplicate clusters": head + "---\n" + head,
	} {
		t.Run(name, func(t *testing.T) {
			objs, err := fn.ParseKubeObjects([]byte(doc))
			require.NoError(t, err)
			rl := &fn.ResourceList{Items: objs, FunctionConfig: fn.NewEmptyKubeObject()}
			ok, err := Process(rl)
			require.NoError(t, err)
			assert.False(t, ok)
			assert.NotEmpty(t, rl.Results)
			assert.Equal(t, len(objs), len(rl.Items), "nothing added or removed")
		})
	}
	for name, doc := range map[string]string{
		"null spec":     head + "spec: null\n",
		"null listener": head + "spec: {listeners: {mqtt: {tcp: null}}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			objs, err := fn.ParseKubeObjects([]byte(doc))
			require.NoError(t, err)
			ok, err := Process(&fn.ResourceList{Items: objs, FunctionConfig: fn.NewEmptyKubeObject()})
			require.NoError(t, err)
			assert.True(t, ok, "nulls mean defaults")
		})
	}
}
