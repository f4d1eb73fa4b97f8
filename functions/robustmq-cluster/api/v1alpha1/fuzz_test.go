package v1alpha1

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad: no input makes Load panic; an accepted config validates clean and keeps its defaults on a second
// Default; every problem names a field (or the document) and stays short. Seeded with the golden configs.
// Run: go test ./functions/robustmq-cluster/api/v1alpha1 -run '^$' -fuzz FuzzLoad -fuzztime 10m
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/*/*.yaml")
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "_") {
			continue
		}
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, doc := range []string{
		`spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Exists, value: b}]}}]}`,
		`spec: {pools: [{name: node, resources: {requests: {cpu: "-1", example.com/gpu: 500m}}}]}`,
		`spec: {service: {type: NodePort, loadBalancerSourceRanges: [10.0.0.1/8]}, networkPolicy: {clients: [{cidr: 10.0.0.0/8, except: [10.0.0.0/7]}]}}`,
		`spec: {pools: [&a {name: x, replicas: 3}, {<<: *a, name: y}], extraConfig: {mqtt_runtime.schema.strategy: all}}`,
		`spec: {image: {registry: "https://x", tag: v0.4.9}, security: {runAsUser: 0}, logging: {level: .nan}}`,
	} {
		f.Add([]byte(loadHead + doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, errs := Load(data)
		if len(errs) == 0 {
			if c == nil {
				t.Fatal("no problem and no cluster")
			}
			if more := c.Validate(); len(more) > 0 {
				t.Fatalf("accepted, then invalid: %v", more)
			}
			return
		}
		if len(errs) > maxErrors+1 {
			t.Fatalf("%d problems reported", len(errs))
		}
		for _, e := range errs {
			if n := len(e.Error()); n > 4096 {
				t.Fatalf("a %d-byte message: %.200s", n, e.Error())
			}
		}
	})
}
