// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/runtimeconfig"
)

func main() {
	// The runtime-config Job runs this binary as its admin API client (runtimeconfig, docs/lifecycle.md).
	if len(os.Args) > 1 && os.Args[1] == runtimeconfig.Command {
		os.Exit(runtimeconfig.Main(os.Args[2:], os.Getenv, os.Stderr))
	}
	if err := fn.AsMain(fn.ResourceListProcessorFunc(Process)); err != nil {
		os.Exit(1)
	}
}
