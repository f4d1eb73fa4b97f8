package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/internal/fnflags"
)

const usage = `robustmq-cluster %s: a KRM function that expands RobustMQCluster (robustmq.io/v1alpha1) resources
into the manifests of a RobustMQ cluster. It reads a ResourceList on stdin and writes it to stdout (kpt fn render,
kpt fn eval --exec, a kustomize generator). On any error it changes nothing, reports every problem as a result and on
stderr, and exits 1.

  --help      this text
  --version   the function version (the VERSION file it was built from; stamped on every generated object)

Reference: https://github.com/robustmq/robustmq-kpt/tree/main/functions/robustmq-cluster
`

// flags handles the command-line flags; the function itself takes none.
func flags(args []string, stdout, stderr io.Writer) int {
	return fnflags.Handle(naming.FunctionName, usage, args, stdout, stderr)
}

// processAndReport runs Process and, when the run fails, prints its results to w as well, one line each:
// kustomize shows a failed generator's stderr but not the results in its output.
func processAndReport(w io.Writer) fn.ResourceListProcessorFunc {
	return func(rl *fn.ResourceList) (bool, error) {
		ok, err := Process(rl)
		if !ok || err != nil {
			for _, r := range rl.Results {
				fmt.Fprintln(w, compact(r))
			}
		}
		return ok, err
	}
}

// compact is one result on one line: severity, field path and message (which starts with the file).
func compact(r *fn.Result) string {
	var b strings.Builder
	b.WriteString(string(r.Severity))
	if r.ResourceRef != nil && r.ResourceRef.Name != "" {
		fmt.Fprintf(&b, " %s/%s", r.ResourceRef.Kind, r.ResourceRef.Name)
	}
	if r.Field != nil && r.Field.Path != "" {
		b.WriteString(" " + r.Field.Path)
	}
	b.WriteString(": " + strings.ReplaceAll(r.Message, "\n", " "))
	return b.String()
}
