// Command robustmq-validate is a KRM function (a kpt validator): it checks any manifests that run RobustMQ
// against RobustMQ's own rules and reports every finding as a result. It never changes an object. See README.md.
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
