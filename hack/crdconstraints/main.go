// Command crdconstraints writes functions/robustmq-cluster/crd/constraints.json from the generated CRD: the
// constraints of its schema, which the function embeds and enforces. `make generate` runs it.
package main

import (
	"log"
	"os"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

const dir = "functions/robustmq-cluster/crd/"

func main() {
	in, err := os.ReadFile(dir + "robustmq.io_robustmqclusters.yaml")
	if err != nil {
		log.Fatal(err)
	}
	out, err := v1alpha1.CompactSchema(in)
	if err != nil {
		log.Fatalf("crdconstraints: %v", err)
	}
	if err := os.WriteFile(dir+"constraints.json", out, 0o644); err != nil {
		log.Fatal(err)
	}
}
