package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/internal/testenv"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

const functionAnnotation = "config.kubernetes.io/function"

func generatorDir(t *testing.T, variant string) string {
	return filepath.Join(root(t), "examples", "kustomize-generator", variant)
}

// functionSpec is the part of config.kubernetes.io/function the examples use.
type functionSpec struct {
	Exec *struct {
		Path string `json:"path"`
	} `json:"exec,omitempty"`
	Container *struct {
		Image string `json:"image"`
	} `json:"container,omitempty"`
}

func readCluster(t *testing.T, file string) (map[string]any, functionSpec) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m))
	ann := obj{m: m}.annotations()
	var spec functionSpec
	require.NoError(t, yaml.UnmarshalStrict([]byte(ann[functionAnnotation]), &spec), "%s: %s", file, functionAnnotation)
	return m, spec
}

// kpt-internal and kustomize-internal annotations: none may reach what is applied.
var internalAnnotationPrefixes = []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "config.k8s.io/", "kustomize.config.k8s.io/"}

func assertGeneratorOutput(t *testing.T, built []obj) {
	t.Helper()
	got := ids(built)
	for _, want := range []string{
		"apps/StatefulSet messaging/robustmq-node",
		"/Service messaging/robustmq",
		"/Service messaging/robustmq-node-headless",
		"/ConfigMap messaging/robustmq-node-config",
		"/ServiceAccount messaging/robustmq",
		"policy/PodDisruptionBudget messaging/robustmq-node",
		"networking.k8s.io/NetworkPolicy messaging/robustmq-default-deny",
		"monitoring.coreos.com/ServiceMonitor messaging/robustmq",
	} {
		assert.Contains(t, got, want)
	}
	for _, o := range built {
		assert.NotEqual(t, "RobustMQCluster", o.kind(), "the function config is never output")
		assert.False(t, o.localConfig(), "%s: local-config object in the output", o.id())
		for k := range o.annotations() {
			for _, p := range internalAnnotationPrefixes {
				assert.False(t, strings.HasPrefix(k, p), "%s: internal annotation %s leaked into the output", o.id(), k)
			}
		}
	}
}

// The exec variant, built by the real kustomize v5 with the freshly built function. Its output is the kpt render of
// the same RobustMQCluster, less the local-config objects kustomize drops.
func TestKustomizeGeneratorExec(t *testing.T) {
	r := root(t)
	src := generatorDir(t, "exec")
	_, spec := readCluster(t, filepath.Join(src, "cluster.yaml"))
	require.NotNil(t, spec.Exec, "the exec variant runs a binary")
	// The checked-in path is relative to the kustomization and names what `make build` writes.
	assert.Equal(t, filepath.Join(r, "bin", "robustmq-cluster"), filepath.Join(src, spec.Exec.Path))
	makefile, err := os.ReadFile(filepath.Join(r, "Makefile"))
	require.NoError(t, err)
	assert.Contains(t, string(makefile), "FN_BIN := bin/robustmq-cluster", "make build writes the binary the example runs")

	// Run a copy against the binary this test built, not whatever bin/ holds.
	bin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	work := filepath.Join(t.TempDir(), "exec")
	require.NoError(t, e2e.CopyDir(src, work))
	cfg := filepath.Join(work, "cluster.yaml")
	b, err := os.ReadFile(cfg)
	require.NoError(t, err)
	replaced := strings.Replace(string(b), "path: "+spec.Exec.Path, "path: "+bin, 1)
	require.NotEqual(t, string(b), replaced)
	require.NoError(t, os.WriteFile(cfg, []byte(replaced), 0o644))

	built := kustomizeBuild(t, work, "--enable-alpha-plugins", "--enable-exec")
	assertGeneratorOutput(t, built)

	// The same cluster rendered by kpt in a package.
	pkg := filepath.Join(t.TempDir(), "pkg")
	require.NoError(t, os.MkdirAll(pkg, 0o755))
	kptfile, err := os.ReadFile(filepath.Join(r, "packages", "robustmq", "Kptfile"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "Kptfile"), kptfile, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "cluster.yaml"), b, 0o644))
	out, err := e2e.Render(pkg)
	require.NoError(t, err, out)
	var applied []obj
	for _, o := range packageObjects(t, pkg) {
		if !o.localConfig() {
			applied = append(applied, o)
		}
	}
	sameObjects(t, applied, built, "kustomize generator vs kpt render")
}

// The container variant is the exec one with the published image: same kustomization, same cluster. It is built
// with the image make image builds locally from this checkout.
func TestKustomizeGeneratorContainer(t *testing.T) {
	r := root(t)
	execCluster, execSpec := readCluster(t, filepath.Join(generatorDir(t, "exec"), "cluster.yaml"))
	contCluster, contSpec := readCluster(t, filepath.Join(generatorDir(t, "container"), "cluster.yaml"))
	require.NotNil(t, execSpec.Exec)
	require.NotNil(t, contSpec.Container, "the container variant runs an image")

	var kptfile struct {
		Pipeline struct {
			Mutators []struct {
				Image string `json:"image"`
			} `json:"mutators"`
		} `json:"pipeline"`
	}
	b, err := os.ReadFile(filepath.Join(r, "packages", "robustmq", "Kptfile"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &kptfile))
	require.Len(t, kptfile.Pipeline.Mutators, 1)
	assert.Equal(t, kptfile.Pipeline.Mutators[0].Image, contSpec.Container.Image, "the image is the one the base package runs")

	strip := func(m map[string]any) map[string]any {
		md := m["metadata"].(map[string]any)
		delete(md["annotations"].(map[string]any), functionAnnotation)
		return m
	}
	assert.Equal(t, strip(execCluster), strip(contCluster), "both variants expand the same cluster")
	var ke, kc map[string]any
	readYAML(t, filepath.Join(generatorDir(t, "exec"), "kustomization.yaml"), &ke)
	readYAML(t, filepath.Join(generatorDir(t, "container"), "kustomization.yaml"), &kc)
	assert.Equal(t, ke, kc)

	t.Run("build", func(t *testing.T) {
		testenv.Docker(t)
		// Always from this checkout: an image left in Docker by an earlier build may render older output.
		out, err := exec.Command("make", "-C", r, "-f", "make/image.mk", "image").CombinedOutput()
		require.NoError(t, err, "make image: %s", out)
		built := kustomizeBuild(t, generatorDir(t, "container"), "--enable-alpha-plugins")
		assertGeneratorOutput(t, built)
		bin, err := e2e.FunctionBinary()
		require.NoError(t, err)
		work := filepath.Join(t.TempDir(), "exec")
		require.NoError(t, e2e.CopyDir(generatorDir(t, "exec"), work))
		cfg := filepath.Join(work, "cluster.yaml")
		c, err := os.ReadFile(cfg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(c), "path: "+execSpec.Exec.Path, "path: "+bin, 1)), 0o644))
		sameObjects(t, kustomizeBuild(t, work, "--enable-alpha-plugins", "--enable-exec"), built, "container vs exec")
	})
}
