package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fleetInput is a ResourceList of n copies of the prod split-pool cluster, cluster i named mq-i in namespace
// messaging-i: the input hack/bench-fleet.sh feeds the function.
func fleetInput(tb testing.TB, n int) []byte {
	tb.Helper()
	one, err := os.ReadFile(filepath.Join("testdata", "prod-split-pools", "cluster.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	name := regexp.MustCompile(`(?m)^  name: mq$`)
	ns := regexp.MustCompile(`(?m)^  namespace: messaging$`)
	indent := regexp.MustCompile(`(?m)^(.)`)
	for i := range n {
		doc := name.ReplaceAll(one, fmt.Appendf(nil, "  name: mq-%d", i))
		doc = ns.ReplaceAll(doc, fmt.Appendf(nil, "  namespace: messaging-%d", i))
		doc = indent.ReplaceAll(doc, []byte("  $1"))
		doc[0] = '-'
		b.Write(doc)
	}
	return b.Bytes()
}

// BenchmarkRun is the whole function as kpt runs it, parse to emit, for 1, 100 and 1000 clusters. The 1000 case
// takes seconds per op: run it alone with -benchtime=1x (`go test -run '^$' -bench 'Run/1000$' -benchtime=1x`).
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		in := fleetInput(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var out countWriter
			for b.Loop() {
				out = 0
				if err := run(bytes.NewReader(in), &out, Process); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out)/(1<<20), "MiB/op-out")
		})
	}
}

// countWriter counts what the function writes, to report the output size without keeping it.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)

// writeResourceList writes what the SDK's rl.ToYAML writes, byte for byte: for every golden case (items, results,
// functionConfig, errors) and for items the emitter treats specially at their end.
func TestWriteResourceListIsToYAML(t *testing.T) {
	lists := map[string]func() *fn.ResourceList{}
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		lists[c.Name()] = func() *fn.ResourceList {
			rl := goldenInput(t, filepath.Join("testdata", c.Name()))
			_, err := Process(rl)
			require.NoError(t, err)
			return rl
		}
	}
	odd := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
		"- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}, data: {keep: \"ends in breaks\\n\\n\\n\"}}\n" +
		"- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {long: \"" + strings.Repeat("folded words ", 20) + "\"}}\n" +
		"- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {x: \"- x\"}}\n" +
		"functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fc}, data: {k: \"v\\n\\n\"}}\n"
	lists["odd items"] = func() *fn.ResourceList {
		rl, err := fn.ParseResourceList([]byte(odd))
		require.NoError(t, err)
		return rl
	}
	lists["no items"] = func() *fn.ResourceList {
		return &fn.ResourceList{FunctionConfig: fn.NewEmptyKubeObject(), Results: fn.Results{fn.GeneralResult("hi", fn.Info)}}
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			want, err := list().ToYAML()
			require.NoError(t, err)
			var got bytes.Buffer
			require.NoError(t, writeResourceList(&got, list()))
			assert.Equal(t, string(want), got.String())
		})
	}
}

// tuneGC turns the collector off only for small renders, with a memory limit; larger ones collect at 150 %; and
// the settings are put back afterwards.
func TestTuneGC(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	before, limit := gcPercent(), debug.SetMemoryLimit(-1)
	list := func(n int) *fn.ResourceList {
		rl, err := fn.ParseResourceList(fleetInput(t, n))
		require.NoError(t, err)
		return rl
	}
	restore := tuneGC(10<<10, list(1))
	assert.Equal(t, -1, gcPercent(), "off for one cluster")
	assert.Equal(t, int64(smallRenderLimit), debug.SetMemoryLimit(-1), "with a memory limit")
	restore()
	assert.Equal(t, before, gcPercent())
	assert.Equal(t, limit, debug.SetMemoryLimit(-1))

	for name, tune := range map[string]func() func(){
		"many clusters": func() func() { return tuneGC(10<<10, list(smallRenderClusters+1)) },
		"large input":   func() func() { return tuneGC(smallRenderInput+1, list(1)) },
	} {
		restore := tune()
		assert.Equal(t, largeRenderGCPct, gcPercent(), name)
		assert.Equal(t, limit, debug.SetMemoryLimit(-1), name)
		restore()
		assert.Equal(t, before, gcPercent(), name)
	}
}
