// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md. With the first argument `helm-post-render` it is a Helm post-renderer
// running the same Process (package helmpost).
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/helmpost"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == helmpost.Command {
		os.Exit(helmpost.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, Process))
	}
	if err := fn.AsMain(fn.ResourceListProcessorFunc(Process)); err != nil {
		os.Exit(1)
	}
}
