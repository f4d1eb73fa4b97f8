// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md.
package main

import (
	"bufio"
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	// Like fn.AsMain, with an output written item by item (run.go).
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	err := run(os.Stdin, w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fn.Logf("failed to evaluate function: %v", err)
		os.Exit(1)
	}
}
