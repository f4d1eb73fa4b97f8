// Command identityfn is the floor for hack/bench-fleet.sh: a KRM function on the same SDK as robustmq-cluster that
// parses its ResourceList and writes it back unchanged (fn.AsMain with a processor that does nothing).
package main

import (
	"os"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	identity := func(*fn.ResourceList) (bool, error) { return true, nil }
	if err := fn.AsMain(fn.ResourceListProcessorFunc(identity)); err != nil {
		os.Exit(1)
	}
}
