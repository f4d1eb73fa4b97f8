// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	if err := fn.AsMain(fn.ResourceListProcessorFunc(Process)); err != nil {
		os.Exit(1)
	}
}
