// Command robustmq-validate is a KRM function (a kpt validator): it checks any manifests that run RobustMQ
// against RobustMQ's own rules and reports every finding as a result. It never changes an object. See README.md.
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/internal/fnflags"
)

const usage = `robustmq-validate %s: a KRM function (a kpt validator) that checks any manifests running RobustMQ against
RobustMQ's own rules. It reads a ResourceList on stdin and writes it to stdout with every finding as a result; it
never changes an object, and exits 1 when a finding is an error.

  --help      this text
  --version   the function version (the VERSION file it was built from)

Reference: https://github.com/robustmq/robustmq-kpt/tree/main/functions/robustmq-validate
`

func main() {
	if len(os.Args) > 1 {
		os.Exit(fnflags.Handle("robustmq-validate", usage, os.Args[1:], os.Stdout, os.Stderr))
	}
	if err := fn.AsMain(fn.ResourceListProcessorFunc(Process)); err != nil {
		os.Exit(1)
	}
}
