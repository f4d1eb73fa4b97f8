package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// prodBlueprint reads blueprints/prod-ha as kpt hands it to the function: the cluster and, with rendered, the
// output of the previous render (the baseline the change check compares with).
func prodBlueprint(tb testing.TB, rendered bool) *fn.ResourceList {
	tb.Helper()
	dir := filepath.Join("..", "..", "blueprints", "prod-ha")
	var items fn.KubeObjects
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !rendered && rel != "cluster.yaml" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, err := fn.ParseKubeObjects(b)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if err := o.SetPathAnnotation(filepath.ToSlash(rel)); err != nil {
				return err
			}
		}
		items = append(items, objs...)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &fn.ResourceList{Items: items, FunctionConfig: fn.NewEmptyKubeObject()}
}

// The change check on the prod blueprint: "first" renders with no previous output (nothing to compare), "again"
// re-renders over the checked-in output, so every pool is compared. The difference is what the check costs.
func BenchmarkRenderProdBlueprint(b *testing.B) {
	for _, tc := range []struct {
		name     string
		rendered bool
	}{{"first", false}, {"again", true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				rl := prodBlueprint(b, tc.rendered)
				b.StartTimer()
				if ok, err := Process(rl); err != nil || !ok {
					b.Fatalf("process: %v %v", ok, rl.Results)
				}
			}
		})
	}
}

// The comparison alone (checkChanges), on the prod blueprint re-rendered over its own output.
func BenchmarkCompareProdBlueprint(b *testing.B) {
	rl := prodBlueprint(b, true)
	sources := clusterSources(rl)
	var generated fn.KubeObjects
	for _, src := range sources {
		objs, results := render(src)
		if results.ExitCode() != 0 {
			b.Fatal(results)
		}
		generated = append(generated, objs...)
	}
	b.ReportAllocs()
	for b.Loop() {
		if results, safe := checkChanges(rl, sources, generated); !safe || len(results) != 0 {
			b.Fatalf("unchanged blueprint: %v", results)
		}
	}
}

// The digest that lets the check skip unchanged clusters ignores kpt's file annotations and nothing else.
func TestDigest(t *testing.T) {
	parse := func(s string) string {
		objs, err := fn.ParseKubeObjects([]byte(s))
		if err != nil || len(objs) != 1 {
			t.Fatal(err)
		}
		return digest(objs[0].CopyToResourceNode().YNode())
	}
	base := "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: a\n  annotations:\n    robustmq.io/cluster: mq\n%s" +
		"spec:\n  replicas: %d\n  template: {metadata: {annotations: {robustmq.io/config-hash: abc}}}\n"
	d := parse(fmt.Sprintf(base, "", 3))
	if d != parse(fmt.Sprintf(base, "    internal.config.kubernetes.io/path: x/y.yaml\n    config.kubernetes.io/index: '0'\n", 3)) {
		t.Error("kpt's path and index annotations changed the digest")
	}
	for name, other := range map[string]string{
		"replicas":   fmt.Sprintf(base, "", 5),
		"annotation": fmt.Sprintf(base, "    robustmq.io/approve: x\n", 3),
		"nested":     strings.Replace(fmt.Sprintf(base, "", 3), "config-hash: abc", "config-hash: abd", 1),
		"key":        strings.Replace(fmt.Sprintf(base, "", 3), "replicas: 3", "minReadySeconds: 3", 1),
	} {
		if parse(other) == d {
			t.Errorf("%s: a changed object has the same digest", name)
		}
	}
}
