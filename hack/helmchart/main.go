// Command helmchart writes the generated files of charts/robustmq (values.yaml, values.schema.json, Chart.yaml)
// from the Go types, the CRD, the base package and VERSION. With -check it writes nothing and exits 1 when one
// is stale.
//
//	go run ./hack/helmchart          # regenerate (make generate)
//	go run ./hack/helmchart -check   # verify (make verify)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/robustmq/robustmq-kpt/hack/helmchart/chart"
	"github.com/robustmq/robustmq-kpt/internal/repo"
)

func main() {
	check := flag.Bool("check", false, "do not write; exit 1 if a generated file of "+chart.Dir+" is stale")
	flag.Parse()
	root, err := repo.Root()
	if err == nil {
		if *check {
			err = chart.Check(root)
		} else {
			err = chart.Write(root)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmchart:", err)
		os.Exit(1)
	}
}
