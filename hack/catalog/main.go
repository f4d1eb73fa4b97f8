// Command catalog writes blueprints/README.md, the index of the blueprints, from each blueprint's Kptfile (info)
// and cluster.yaml. With -check it writes nothing and exits 1 when the index is stale or a blueprint is
// incomplete (no Kptfile, cluster.yaml, README.md or rendered output).
//
//	go run ./hack/catalog          # regenerate
//	go run ./hack/catalog -check   # verify (CI)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/robustmq/robustmq-kpt/hack/catalog/catalog"
	"github.com/robustmq/robustmq-kpt/internal/repo"
)

func main() {
	check := flag.Bool("check", false, "do not write; exit 1 if "+catalog.IndexFile+" is stale or a blueprint is incomplete")
	root := flag.String("root", "", "repository root (default: the directory holding go.mod, from the working directory up)")
	flag.Parse()

	dir := *root
	if dir == "" {
		var err error
		if dir, err = repo.Root(); err != nil {
			fail(err)
		}
	}
	if *check {
		if err := catalog.Check(dir); err != nil {
			fail(err)
		}
		return
	}
	if err := catalog.Write(dir); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "catalog:", err)
	os.Exit(1)
}
