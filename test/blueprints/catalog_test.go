// Package blueprints tests the blueprint catalog (blueprints/, hack/catalog) and the kpt variant workflow the
// blueprints document, with the real kpt and git. The rendered output of each blueprint is compared with the
// checked-in one by test/e2e (TestExpectedRenderedPackages).
package blueprints

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/hack/catalog/catalog"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// loadCatalog returns the blueprints that can be loaded; their completeness is TestCatalogInSync's job.
func loadCatalog(t *testing.T, root string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(root)
	var problems catalog.Problems
	if err != nil && !errors.As(err, &problems) {
		require.NoError(t, err)
	}
	require.NotEmpty(t, c.Blueprints)
	return c
}

// The index is what `go run ./hack/catalog` writes, and every blueprint is complete.
func TestCatalogInSync(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	require.NoError(t, catalog.Check(root), "run `go run ./hack/catalog` and read the diff")
}

// The brief promises at least five blueprints; the base package's image tag is the release in VERSION.
func TestCatalogShape(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	c := loadCatalog(t, root)
	assert.GreaterOrEqual(t, len(c.Blueprints), 5)
	for _, bp := range c.Blueprints {
		kf := read(t, filepath.Join(root, catalog.Dir, bp.Name, "Kptfile"))
		assert.Contains(t, kf, "robustmq-cluster:"+c.Version+"\n", "%s: the function image must be the release in VERSION", bp.Name)
	}
}

// -check fails, naming the cause, when the index is stale or a blueprint lacks one of its parts.
func TestCatalogCheckFailsOnIncompleteOrStale(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "catalog")
	build := exec.Command("go", "build", "-o", bin, "./hack/catalog")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	c := loadCatalog(t, root)
	bp := c.Blueprints[0]
	cases := map[string]struct {
		breakIt func(t *testing.T, repo string)
		want    string
	}{
		"in sync": {func(*testing.T, string) {}, ""},
		"stale index": {func(t *testing.T, repo string) {
			f := filepath.Join(repo, catalog.IndexFile)
			require.NoError(t, os.WriteFile(f, []byte(read(t, f)+"\nhand edit\n"), 0o644))
		}, "is stale"},
		"no index": {func(t *testing.T, repo string) {
			require.NoError(t, os.Remove(filepath.Join(repo, catalog.IndexFile)))
		}, "is stale"},
		"no README": {func(t *testing.T, repo string) {
			require.NoError(t, os.Remove(filepath.Join(repo, catalog.Dir, bp.Name, "README.md")))
		}, bp.Name + "/README.md: missing"},
		"no Kptfile": {func(t *testing.T, repo string) {
			require.NoError(t, os.Remove(filepath.Join(repo, catalog.Dir, bp.Name, "Kptfile")))
		}, bp.Name + "/Kptfile: missing"},
		"no cluster.yaml": {func(t *testing.T, repo string) {
			require.NoError(t, os.Remove(filepath.Join(repo, catalog.Dir, bp.Name, "cluster.yaml")))
		}, bp.Name + "/cluster.yaml: missing"},
		"no rendered output": {func(t *testing.T, repo string) {
			require.NoError(t, os.RemoveAll(filepath.Join(repo, catalog.Dir, bp.Name, bp.Cluster.Name)))
		}, "rendered output missing"},
		"README without its Secrets": {func(t *testing.T, repo string) {
			secrets := c.Blueprints[len(c.Blueprints)-1]
			for _, b := range c.Blueprints {
				if len(b.Secrets()) > 0 {
					secrets = b
				}
			}
			f := filepath.Join(repo, catalog.Dir, secrets.Name, "README.md")
			s := read(t, f)
			for _, sec := range secrets.Secrets() {
				s = strings.ReplaceAll(s, sec.Name, "some-secret")
			}
			require.NoError(t, os.WriteFile(f, []byte(s), 0o644))
		}, "does not mention"},
		"Kptfile without description": {func(t *testing.T, repo string) {
			f := filepath.Join(repo, catalog.Dir, bp.Name, "Kptfile")
			s := read(t, f)
			i := strings.Index(s, "  description:")
			require.Positive(t, i)
			j := strings.Index(s[i:], "\n")
			require.NoError(t, os.WriteFile(f, []byte(s[:i]+s[i+j+1:]), 0o644))
		}, "info.description is empty"},
		"other pipeline": {func(t *testing.T, repo string) {
			f := filepath.Join(repo, catalog.Dir, bp.Name, "Kptfile")
			require.NoError(t, os.WriteFile(f, []byte(strings.Replace(read(t, f), "robustmq-cluster:", "robustmq-cluster-old:", 1)), 0o644))
		}, "the pipeline must be the base package's"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			repo := t.TempDir()
			kf := filepath.Join(repo, catalog.ReferenceKptfile)
			require.NoError(t, os.MkdirAll(filepath.Dir(kf), 0o755))
			require.NoError(t, os.WriteFile(kf, []byte(read(t, filepath.Join(root, catalog.ReferenceKptfile))), 0o644))
			require.NoError(t, e2e.CopyDir(filepath.Join(root, catalog.Dir), filepath.Join(repo, catalog.Dir)))
			tc.breakIt(t, repo)

			cmd := exec.Command(bin, "-check", "-root", repo)
			out, err := cmd.CombinedOutput()
			if tc.want == "" {
				require.NoError(t, err, "%s", out)
				return
			}
			require.Error(t, err, "-check passed on a broken catalog")
			assert.Contains(t, string(out), tc.want)
		})
	}
}

// Blueprints render with no error result, and outside dev with no warning either: each one is a configuration we
// recommend as it stands. (The function's findings are errors in prod, so a prod blueprint could not even render
// with one.)
func TestBlueprintsRenderWithoutFindings(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	c := loadCatalog(t, root)
	for _, bp := range c.Blueprints {
		t.Run(bp.Name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), bp.Name)
			require.NoError(t, e2e.CopyDir(filepath.Join(root, catalog.Dir, bp.Name), work))
			out, err := e2e.Render(work)
			require.NoError(t, err, out)
			assert.NotContains(t, out, "[error]")
			if bp.Cluster.Spec.Environment != v1alpha1.Dev {
				// The one warning a blueprint may carry names an example value to replace (a digest, a
				// documentation CIDR) as a placeholder.
				for _, line := range strings.Split(out, "\n") {
					if strings.Contains(line, "[warning]") {
						assert.Contains(t, line, ": placeholder: ", "a finding in a recommended blueprint")
					}
				}
			}
		})
	}
}
