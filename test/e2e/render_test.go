package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

func packages(t *testing.T) []string {
	t.Helper()
	out, err := Packages()
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

// Each package is rendered by the real kpt twice on a copy: the first render must reproduce the checked-in
// output exactly (it is the expected output), the second must change nothing.
func TestExpectedRenderedPackages(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	for _, pkg := range packages(t) {
		rel, _ := filepath.Rel(root, pkg)
		t.Run(rel, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), filepath.Base(pkg))
			require.NoError(t, CopyDir(pkg, work))
			checkedIn, err := Snapshot(work)
			require.NoError(t, err)

			out, err := Render(work)
			require.NoError(t, err, out)
			first, err := Snapshot(work)
			require.NoError(t, err)

			out, err = Render(work)
			require.NoError(t, err, out)
			second, err := Snapshot(work)
			require.NoError(t, err)
			assert.Equal(t, first, second, "a second render changed the package")

			if os.Getenv("WRITE_GOLDEN_OUTPUT") != "" {
				require.NoError(t, os.RemoveAll(pkg))
				require.NoError(t, CopyDir(work, pkg))
				return
			}
			assert.Equal(t, checkedIn, first, "checked-in output of %s is stale: run make update-golden and read the diff", rel)
		})
	}
}

// Every rendered server.toml parses and uses only keys RobustMQ v0.4.11 reads.
func TestRenderedServerTOML(t *testing.T) {
	for _, pkg := range packages(t) {
		files, err := YAMLFiles(pkg)
		require.NoError(t, err)
		found := 0
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			if !strings.Contains(string(b), "server.toml:") {
				continue
			}
			var cm corev1.ConfigMap
			require.NoError(t, yaml.Unmarshal(b, &cm), f)
			var doc map[string]any
			require.NoError(t, toml.Unmarshal([]byte(cm.Data["server.toml"]), &doc), f)
			assert.Empty(t, configkeys.Unknown(doc), f)
			found++
		}
		assert.Positive(t, found, "%s has no rendered server.toml", pkg)
	}
}

// A malformed config fails the render with results naming the file and field, and leaves the package untouched.
func TestMalformedConfigFailsCleanly(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	cases := map[string]struct{ from, to, want string }{
		"unknown field":  {"  environment: staging", "  enviroment: staging", "spec.enviroment"},
		"plain password": {"    admin: {secretName: robustmq-admin}", "    admin: {secretName: robustmq-admin, password: hunter2}", "spec.auth.admin.password"},
		"even meta":      {"      replicas: 3", "      replicas: 4", "spec.pools[0].replicas"},
		"old version":    {"  version: v0.4.11", "  version: v0.4.9", "spec.version"},
		"size typo":      {"        size: 10Gi", "        size: 10Gb", "spec.pools[0].storage.size"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "robustmq")
			require.NoError(t, CopyDir(filepath.Join(root, "packages", "robustmq"), work))
			cfg := filepath.Join(work, "cluster.yaml")
			b, err := os.ReadFile(cfg)
			require.NoError(t, err)
			require.Contains(t, string(b), tc.from)
			require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), tc.from, tc.to, 1)), 0o644))
			before, err := Snapshot(work)
			require.NoError(t, err)

			out, err := Render(work)
			require.Error(t, err, out)
			assert.Contains(t, out, tc.want)
			assert.Contains(t, out, "cluster.yaml")
			assert.NotContains(t, out, "panic")
			after, err := Snapshot(work)
			require.NoError(t, err)
			assert.Equal(t, before, after, "a failed render must not change the package")
		})
	}
}
