package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// FuzzProcess: whatever the cluster document, Process never panics or fails internally, and a failed run
// leaves every item as it was. Seeded with the golden configs.
// Run: go test ./functions/robustmq-cluster -run '^$' -fuzz FuzzProcess -fuzztime 10m
func FuzzProcess(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/cluster.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := fn.ParseKubeObjects(data)
		if err != nil || len(objs) == 0 {
			return // not a KRM document: kpt refuses it before the function runs
		}
		rl := &fn.ResourceList{Items: objs, FunctionConfig: fn.NewEmptyKubeObject()}
		before := itemsYAML(rl)
		var ok bool
		done := make(chan struct{})
		go func() { ok, err = Process(rl); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no result after 10 s for %q", data)
		}
		if err != nil {
			t.Fatalf("internal error: %v", err)
		}
		if !ok && itemsYAML(rl) != before {
			t.Fatal("a failed run changed the items")
		}
	})
}
