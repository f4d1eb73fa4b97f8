package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/test/e2e"
)

type overlayEnvironment struct {
	Name  string         `json:"name"`
	Patch map[string]any `json:"patch"`
}

func overlaysDir(t *testing.T) string {
	return filepath.Join(root(t), "examples", "kustomize-overlays")
}

func overlayEnvironments(t *testing.T) []overlayEnvironment {
	t.Helper()
	var envs struct {
		Environments []overlayEnvironment `json:"environments"`
	}
	readYAML(t, filepath.Join(overlaysDir(t), "environments.yaml"), &envs)
	require.NotEmpty(t, envs.Environments)
	return envs.Environments
}

// renderEnvironment is the kpt side of the comparison: the base package with the environment's merge patch applied
// to cluster.yaml, rendered by the real kpt. It returns every object of the render, local-config ones included.
func renderEnvironment(t *testing.T, env overlayEnvironment) []obj {
	t.Helper()
	dir := render(t, filepath.Join(overlaysDir(t), "base"), func(dir string) {
		// kustomization.yaml files belong to the kustomize side; the render must not depend on them. The base's
		// render goes too: an environment is another cluster, not a change of the base's (as in ./generate).
		files, err := e2e.YAMLFiles(dir)
		require.NoError(t, err)
		for _, f := range files {
			if rel, _ := filepath.Rel(dir, f); filepath.Base(f) == "kustomization.yaml" || strings.ContainsRune(filepath.ToSlash(rel), '/') {
				require.NoError(t, os.Remove(f))
			}
		}
		cfg := filepath.Join(dir, "cluster.yaml")
		b, err := os.ReadFile(cfg)
		require.NoError(t, err)
		doc, err := yaml.YAMLToJSON(b)
		require.NoError(t, err)
		patch, err := json.Marshal(env.Patch)
		require.NoError(t, err)
		merged, err := jsonpatch.MergePatch(doc, patch)
		require.NoError(t, err)
		out, err := yaml.JSONToYAML(merged)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cfg, out, 0o644))
	})
	return packageObjects(t, dir)
}

// `kustomize build overlays/<env>` (and overlays/<env>/monitoring) equals the kpt render of the same environment,
// compared as parsed objects. The only intended difference: local-config objects (the RobustMQCluster, NETWORK.md)
// are in the render but never in a build, because they are not meant to be applied.
func TestOverlaysEqualKptRender(t *testing.T) {
	envs := overlayEnvironments(t)
	names := map[string]bool{}
	for _, env := range envs {
		names[env.Name] = true
		t.Run(env.Name, func(t *testing.T) {
			t.Parallel()
			rendered := renderEnvironment(t, env)
			var main, monitoring, local []obj
			for _, o := range rendered {
				switch {
				case o.localConfig():
					local = append(local, o)
				case inMonitoringDir(o.file):
					monitoring = append(monitoring, o)
				default:
					main = append(main, o)
				}
			}
			require.NotEmpty(t, main)
			assert.Contains(t, ids(local), "robustmq.io/RobustMQCluster messaging/robustmq", "the cluster config is local-config")

			ovl := filepath.Join(overlaysDir(t), "overlays", env.Name)
			built := kustomizeBuild(t, ovl)
			sameObjects(t, main, built, "kustomize build overlays/"+env.Name+" vs kpt render")
			for _, o := range built {
				assert.False(t, o.localConfig(), "%s: local-config object in a build", o.id())
				assert.False(t, optionalCRDGroups[o.group()], "%s: an optional CRD kind is in the broker unit", o.id())
			}

			monDir := filepath.Join(ovl, monitoringDir)
			if len(monitoring) == 0 {
				assert.NoDirExists(t, monDir, "the render of %s has no monitoring objects", env.Name)
				return
			}
			builtMon := kustomizeBuild(t, monDir)
			sameObjects(t, monitoring, builtMon, "kustomize build overlays/"+env.Name+"/monitoring vs kpt render")
			for _, o := range builtMon {
				assert.True(t, optionalCRDGroups[o.group()], "%s: the monitoring unit holds only the optional CRD kinds", o.id())
			}
		})
	}
	// Nothing in overlays/ that environments.yaml does not produce.
	entries, err := os.ReadDir(filepath.Join(overlaysDir(t), "overlays"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, names[e.Name()], "overlays/%s is not an environment of environments.yaml", e.Name())
	}
}

// The certificates of prod are in the broker unit: the generator would move them only if the function put them
// under monitoring/. This pins the reading of the real render the examples rely on.
func TestOverlayProdHasCertificateInBrokerUnit(t *testing.T) {
	built := kustomizeBuild(t, filepath.Join(overlaysDir(t), "overlays", "prod"))
	assert.Contains(t, ids(built), "cert-manager.io/Certificate messaging/robustmq-tls")
	dev := kustomizeBuild(t, filepath.Join(overlaysDir(t), "overlays", "dev"))
	assert.NotContains(t, ids(dev), "policy/PodDisruptionBudget messaging/robustmq-node", "dev deletes the base's PDB")
}

// The checked-in base/ and overlays/ are what the generator writes today.
func TestOverlaysUpToDate(t *testing.T) {
	bin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	vbin, err := e2e.ValidatorBinary()
	require.NoError(t, err)
	work := filepath.Join(t.TempDir(), "kustomize-overlays")
	require.NoError(t, e2e.CopyDir(overlaysDir(t), work))
	before, err := e2e.Snapshot(work)
	require.NoError(t, err)

	cmd := exec.Command("go", "run", "./examples/kustomize-overlays/generate", "-dir", work)
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "ROBUSTMQ_FN_BIN="+bin, "ROBUSTMQ_VALIDATE_BIN="+vbin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	after, err := e2e.Snapshot(work)
	require.NoError(t, err)
	assert.Equal(t, before, after,
		"examples/kustomize-overlays is stale: run `go run ./examples/kustomize-overlays/generate` and read the diff")
}

// base/ is a kpt package: rendered twice it changes nothing, and the first render is the checked-in output.
func TestOverlayBaseRendersStable(t *testing.T) {
	base := filepath.Join(overlaysDir(t), "base")
	checkedIn, err := e2e.Snapshot(base)
	require.NoError(t, err)
	work := render(t, base, nil)
	first, err := e2e.Snapshot(work)
	require.NoError(t, err)
	out, err := e2e.Render(work)
	require.NoError(t, err, out)
	second, err := e2e.Snapshot(work)
	require.NoError(t, err)
	assert.Equal(t, checkedIn, first, "base/ is not its own render")
	assert.Equal(t, first, second, "a second render changed base/")
}
