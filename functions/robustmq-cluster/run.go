package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// run is fn.AsMain's loop, stdin to stdout: parse the ResourceList, process it, write it back, also after a
// failure (the results are in it).
func run(r io.Reader, w io.Writer, process fn.ResourceListProcessorFunc) error {
	in, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("unable to read from stdin: %w", err)
	}
	rl, err := fn.ParseResourceList(in)
	if err != nil {
		return err
	}
	defer tuneGC(len(in), rl)()
	ok, err := process(rl)
	if werr := writeResourceList(w, rl); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("error: function failure")
	}
	return nil
}

// tuneGC sets the garbage collector for this render and returns what puts the previous settings back
// (docs/performance.md). A small render (a few clusters in a small package) allocates some tens of MB and lives for
// tens of milliseconds: collecting that garbage cost a third of a one-cluster render, so the collector is off, with
// a memory limit that starts it again should the heap still grow that far. A larger render holds every generated
// object until the emit: collecting at 150 % growth instead of 100 % takes about a tenth off its CPU time, for a
// peak memory still under half of what an identity function needs for the same output.
const (
	smallRenderClusters = 10
	smallRenderInput    = 2 << 20
	smallRenderLimit    = 512 << 20
	largeRenderGCPct    = 150
)

func tuneGC(inputBytes int, rl *fn.ResourceList) (restore func()) {
	clusters := 0
	for _, it := range rl.Items {
		if isCluster(it) {
			clusters++
		}
	}
	limit := debug.SetMemoryLimit(-1)
	percent := largeRenderGCPct
	if inputBytes <= smallRenderInput && clusters <= smallRenderClusters {
		debug.SetMemoryLimit(smallRenderLimit)
		percent = -1
	}
	percent = debug.SetGCPercent(percent)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// listHead is how rl.ToYAML starts every ResourceList; the items follow it, then functionConfig and results.
const listHead = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

// writeResourceList writes the bytes rl.ToYAML returns, but encodes the items one at a time and writes each one
// out before the next, instead of encoding the whole list as one document: go-yaml's emitter keeps every event of
// a document in one growing queue (emitterc.go yaml_emitter_emit never trims it), which made the emit of 1000
// clusters super-linear in time and memory. Each item is handed over (MoveToResourceNode) and dropped once
// written, so rl is empty of items afterwards.
func writeResourceList(w io.Writer, rl *fn.ResourceList) error {
	rl.Sort()
	// functionConfig and results come after the items, in the SDK's own encoding.
	tail, err := (&fn.ResourceList{FunctionConfig: rl.FunctionConfig, Results: rl.Results}).ToYAML()
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(tail, []byte(listHead)) {
		return fmt.Errorf("unexpected ResourceList head %q", tail[:min(len(tail), len(listHead))])
	}
	if _, err := io.WriteString(w, listHead); err != nil {
		return err
	}
	if len(rl.Items) > 0 {
		if _, err := io.WriteString(w, "items:\n"); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	for i, it := range rl.Items {
		buf.Reset()
		if err := encodeItem(&buf, it.MoveToResourceNode().YNode()); err != nil {
			return fmt.Errorf("encode item %d: %w", i, err)
		}
		rl.Items[i] = nil
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	rl.Items = nil
	_, err = w.Write(tail[len(listHead):])
	return err
}

// encodeItem writes one item as rl.ToYAML writes it below `items:`: a one-item sequence in its own document, with
// kyaml's encoder (indent 2, compact sequences), so the item starts at column 0 as in the list and long lines fold
// at the same places. A fresh encoder per item keeps the emitter's queue as small as one item.
func encodeItem(buf *bytes.Buffer, n *yaml.Node) error {
	e := yaml.NewEncoder(buf)
	if err := e.Encode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}); err != nil {
		return err
	}
	return e.Close()
}
