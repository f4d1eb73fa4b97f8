// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// version is set at build time (-X main.version=..., make/image.mk) from the VERSION file.
var version = "dev"

func main() {
	if len(os.Args) > 1 {
		os.Exit(flags(os.Args[1:], os.Stdout, os.Stderr))
	}
	if err := fn.AsMain(fn.ResourceListProcessorFunc(processAndReport(os.Stderr))); err != nil {
		os.Exit(1)
	}
}
