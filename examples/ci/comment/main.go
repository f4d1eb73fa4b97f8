// Command comment turns the results of `kpt fn render --results-dir` into a Markdown comment for a pull request:
// per package, what the render does to each running cluster (pools that roll, scale-ups, warnings) and the
// blocked changes with their approval ids. It exits 1 when any function reported an error, blocked changes
// included, so the CI job fails with the comment as its explanation.
//
// usage: comment RESULTS_DIR > comment.md   (RESULTS_DIR holds <package>/results.yaml, as the CI examples write it)
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Tags the robustmq-cluster function sets on its change results.
const (
	tagChange   = "robustmq.io/change"
	tagChangeID = "robustmq.io/change-id"
	tagCluster  = "robustmq.io/cluster"
	tagPool     = "robustmq.io/pool"
)

type result struct {
	Message  string            `json:"message"`
	Severity string            `json:"severity"`
	Tags     map[string]string `json:"tags"`
}

type resultList struct {
	Items []struct {
		Image   string   `json:"image"`
		Exec    string   `json:"exec"`
		Results []result `json:"results"`
	} `json:"items"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: comment RESULTS_DIR")
		os.Exit(2)
	}
	pkgs, err := read(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "comment:", err)
		os.Exit(2)
	}
	if failed := write(os.Stdout, pkgs); failed {
		os.Exit(1)
	}
}

// read returns the results of every package under dir, by package path.
func read(dir string) (map[string][]result, error) {
	out := map[string][]result{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "results.yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var list resultList
		if err := yaml.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		out[pkg] = []result{}
		for _, it := range list.Items {
			out[pkg] = append(out[pkg], it.Results...)
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no results.yaml under %s", dir)
	}
	return out, err
}

// write prints the comment and reports whether any package has an error result.
func write(w io.Writer, pkgs map[string][]result) (failed bool) {
	fmt.Fprintln(w, "## kpt render: what this change does to the running clusters")
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, pkg := range names {
		var blocked, errs, changes, warnings []result
		for _, r := range pkgs[pkg] {
			change := r.Tags[tagChange] != ""
			switch {
			case r.Severity == "error" && change:
				blocked = append(blocked, r)
			case r.Severity == "error":
				errs = append(errs, r)
			case change && r.Severity == "warning":
				warnings = append(warnings, r)
			case change:
				changes = append(changes, r)
			}
		}
		fmt.Fprintf(w, "\n### `%s`\n\n", pkg)
		if len(blocked)+len(errs)+len(changes)+len(warnings) == 0 {
			fmt.Fprintln(w, "No change to the running cluster.")
			continue
		}
		if len(blocked) > 0 {
			failed = true
			fmt.Fprintln(w, "**Blocked**: the render fails until each change is fixed, or approved by adding its id to the "+
				"annotation `robustmq.io/approve` of the RobustMQCluster (see docs/changes.md for the safe procedure).")
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| cluster | pool | change | approval id | what |")
			fmt.Fprintln(w, "|---|---|---|---|---|")
			for _, r := range blocked {
				id := "cannot be approved"
				if v := r.Tags[tagChangeID]; v != "" {
					id = "`" + v + "`"
				}
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.Tags[tagCluster], dash(r.Tags[tagPool]), r.Tags[tagChange], id, cell(r.Message))
			}
			fmt.Fprintln(w)
		}
		if len(errs) > 0 {
			failed = true
			fmt.Fprintln(w, "**Errors**:")
			fmt.Fprintln(w)
			for _, r := range errs {
				fmt.Fprintf(w, "- %s\n", cell(r.Message))
			}
			fmt.Fprintln(w)
		}
		if len(changes) > 0 {
			fmt.Fprintln(w, "**Changes** (per cluster and pool):")
			fmt.Fprintln(w)
			sort.SliceStable(changes, func(i, j int) bool {
				a, b := changes[i].Tags, changes[j].Tags
				return a[tagCluster]+"/"+a[tagPool] < b[tagCluster]+"/"+b[tagPool]
			})
			for _, r := range changes {
				fmt.Fprintf(w, "- %s / %s (%s): %s\n", r.Tags[tagCluster], dash(r.Tags[tagPool]), r.Tags[tagChange], cell(r.Message))
			}
			fmt.Fprintln(w)
		}
		if len(warnings) > 0 {
			fmt.Fprintln(w, "**Visible to clients**:")
			fmt.Fprintln(w)
			for _, r := range warnings {
				fmt.Fprintf(w, "- %s: %s\n", r.Tags[tagCluster], cell(r.Message))
			}
			fmt.Fprintln(w)
		}
	}
	return failed
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell keeps a message on one table line.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
