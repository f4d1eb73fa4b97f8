// Command robustmq-cluster is a KRM function: it expands RobustMQCluster resources into the Kubernetes manifests
// of a RobustMQ cluster. See README.md. With the first argument `helm-post-render` it is a Helm post-renderer
// running the same Process (package helmpost); with `runtime-config` it is the admin API client the
// runtime-config Job runs (package runtimeconfig, docs/lifecycle.md).
package main

import (
	"bufio"
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/helmpost"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/runtimeconfig"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case helmpost.Command:
			os.Exit(helmpost.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, Process))
		case runtimeconfig.Command:
			os.Exit(runtimeconfig.Main(os.Args[2:], os.Getenv, os.Stderr))
		}
		os.Exit(flags(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Like fn.AsMain, with the output written item by item (run.go).
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	err := run(os.Stdin, w, processAndReport(os.Stderr))
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fn.Logf("failed to evaluate function: %v", err)
		os.Exit(1)
	}
}
