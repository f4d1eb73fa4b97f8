package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/rules"
	"github.com/robustmq/robustmq-kpt/internal/golden"
	"github.com/robustmq/robustmq-kpt/internal/repo"
)

// outcome is what a golden file holds: whether the function passed and its results. The items are not in it:
// every test checks they come back byte-identical instead.
type outcome struct {
	OK bool `json:"ok"`
	// Nodes are the RobustMQ nodes the validator found, with roles and broker ids: a golden that passes says what
	// it checked.
	Nodes   []string   `json:"nodes,omitempty"`
	Results fn.Results `json:"results,omitempty"`
}

// run validates the items with the functionConfig and checks the items come back byte-identical.
func run(t *testing.T, items fn.KubeObjects, fnConfig *fn.KubeObject) outcome {
	t.Helper()
	if fnConfig == nil {
		fnConfig = fn.NewEmptyKubeObject()
	}
	rl := &fn.ResourceList{Items: items, FunctionConfig: fnConfig}
	before := itemsYAML(t, rl.Items)
	ok, err := Process(rl)
	require.NoError(t, err)
	assert.Equal(t, before, itemsYAML(t, rl.Items), "the validator changed an item")
	var nodes []string
	for _, n := range inventory.Read(rl.Items).Nodes {
		var pods []string
		for _, p := range n.Pods {
			id := "?"
			if p.IDKnown {
				id = fmt.Sprint(p.ID)
			}
			pods = append(pods, fmt.Sprintf("%s=%s", orDash(p.Name), id))
		}
		nodes = append(nodes, fmt.Sprintf("%s %s/%s container %s, roles %v, config %s, pods %s", n.Kind, n.Namespace, n.Name,
			n.Container.Name, n.Roles, n.ConfPath, strings.Join(pods, " ")))
	}
	return outcome{OK: ok, Nodes: nodes, Results: rl.Results}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func itemsYAML(t *testing.T, items fn.KubeObjects) string {
	t.Helper()
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.String())
		b.WriteString("---\n")
	}
	return b.String()
}

func compare(t *testing.T, path string, o outcome) {
	t.Helper()
	b, err := yaml.Marshal(o)
	require.NoError(t, err)
	golden.Compare(t, path, b)
}

// readDir reads the .yaml files of a directory (not those starting with _) as kpt does: each object with its
// path and index annotation. _fnconfig.yaml is the functionConfig.
func readDir(t *testing.T, dir string) (fn.KubeObjects, *fn.KubeObject) {
	t.Helper()
	var items fn.KubeObjects
	var cfg *fn.KubeObject
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		objs, err := fn.ParseKubeObjects(b)
		require.NoError(t, err, p)
		if filepath.Base(p) == "_fnconfig.yaml" {
			require.Len(t, objs, 1)
			cfg = objs[0]
			return nil
		}
		if strings.HasPrefix(filepath.Base(p), "_") || filepath.Base(p) == "kustomization.yaml" {
			return nil
		}
		for i, o := range objs {
			require.NoError(t, o.SetPathAnnotation(filepath.ToSlash(rel)))
			require.NoError(t, o.SetIndexAnnotation(i))
			items = append(items, o)
		}
		return nil
	})
	require.NoError(t, err)
	return items, cfg
}

// TestGoldenManifests validates the hand-written manifests of testdata/manifests/<case> and compares ok and the
// results with _expected.yaml. Refresh with `make update-golden` and read the diff.
func TestGoldenManifests(t *testing.T) {
	cases, err := os.ReadDir(filepath.Join("testdata", "manifests"))
	require.NoError(t, err)
	for _, c := range cases {
		dir := filepath.Join("testdata", "manifests", c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			items, cfg := readDir(t, dir)
			compare(t, filepath.Join(dir, "_expected.yaml"), run(t, items, cfg))
		})
	}
}

// TestGoldenOverlays builds each testdata/overlays/<case> with the real kustomize (patches of the repository's
// rendered packages, the way users change them), validates the output and compares ok and the results with
// _expected.yaml.
func TestGoldenOverlays(t *testing.T) {
	if testing.Short() {
		t.Skip("needs kustomize (hack/tools.sh); make test runs it")
	}
	bins, err := repo.Tools("kustomize")
	require.NoError(t, err)
	cases, err := os.ReadDir(filepath.Join("testdata", "overlays"))
	require.NoError(t, err)
	for _, c := range cases {
		if strings.HasPrefix(c.Name(), "_") {
			continue
		}
		dir := filepath.Join("testdata", "overlays", c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			// The cases patch files of blueprints/ and examples/ in place, outside their own folder.
			cmd := exec.Command(bins[0], "build", "--load-restrictor", "LoadRestrictionsNone", dir)
			out, err := cmd.Output()
			require.NoError(t, err, "kustomize build %s", dir)
			items, err := fn.ParseKubeObjects(out)
			require.NoError(t, err)
			var cfg *fn.KubeObject
			if b, err := os.ReadFile(filepath.Join(dir, "_fnconfig.yaml")); err == nil {
				cfg, err = fn.ParseKubeObject(b)
				require.NoError(t, err)
			}
			compare(t, filepath.Join(dir, "_expected.yaml"), run(t, items, cfg))
		})
	}
}

// Every rendered package of the repository passes: no error result, in the strictness its own cluster asks for,
// and RobustMQ nodes were found (a validator that finds nothing passes everything).
func TestRepositoryPackagesPass(t *testing.T) {
	root, err := repo.Root()
	require.NoError(t, err)
	pkgs, err := filepath.Glob(filepath.Join(root, "blueprints", "*", "Kptfile"))
	require.NoError(t, err)
	pkgs = append(pkgs, filepath.Join(root, "packages", "robustmq", "Kptfile"), filepath.Join(root, "examples", "kustomize-overlays", "base", "Kptfile"))
	for _, k := range pkgs {
		dir := filepath.Dir(k)
		rel, _ := filepath.Rel(root, dir)
		t.Run(rel, func(t *testing.T) {
			items, _ := readDir(t, dir)
			assert.NotEmpty(t, inventory.Read(items).Nodes, "no RobustMQ node found")
			o := run(t, items, nil)
			assert.True(t, o.OK, "results: %v", o.Results)
			for _, r := range o.Results {
				assert.NotEqual(t, fn.Error, r.Severity, r.Message)
			}
		})
	}
}

// The README documents every rule with its id and default severity, and nothing else.
func TestREADMEListsEveryRule(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(b), "\n## Rules\n")
	require.True(t, ok, "README has a ## Rules section")
	section, _, _ = strings.Cut(section, "\n## ")
	var ids []string
	for _, l := range strings.Split(section, "\n") {
		if f := strings.Split(l, "|"); len(f) > 3 && strings.HasPrefix(strings.TrimSpace(f[1]), "`") {
			id := strings.Trim(strings.TrimSpace(f[1]), "`")
			if rules.Known(id) {
				r := rules.Lookup(id)
				want := string(r.Default)
				if r.Hardening {
					want = "error in prod, else warning"
				}
				assert.Equal(t, want, strings.TrimSpace(f[2]), "README severity of %s", id)
			}
			ids = append(ids, id)
		}
	}
	var all []string
	for _, r := range rules.All {
		all = append(all, r.ID)
	}
	sort.Strings(ids)
	sort.Strings(all)
	assert.Equal(t, all, ids, "README rule table")
}
