// Package helm runs charts/robustmq with the real Helm 3 and Helm 4 (hack/tools.sh builds both), the function
// binary as post-renderer (Helm 3: --post-renderer; Helm 4: the robustmq plugin), a real kube-apiserver and a
// local OCI registry.
package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/internal/testenv"
	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// helm is one Helm major with its own config, cache, data and plugin directories.
type helm struct {
	name string // helm3 or helm4
	bin  string
	env  []string
	// postRender are the flags that run the function on install, upgrade and template.
	postRender []string
}

func chartDir(t *testing.T) string {
	t.Helper()
	root, err := e2e.Root()
	require.NoError(t, err)
	return filepath.Join(root, "charts", "robustmq")
}

// helms returns Helm 3 and Helm 4, set up for the function binary (Helm 4: the plugin installed from helm-plugin/).
func helms(t *testing.T, kubeconfig string) []*helm {
	t.Helper()
	bins, err := repo.Tools("helm3", "helm4")
	require.NoError(t, err)
	fnBin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	var out []*helm
	for i, name := range []string{"helm3", "helm4"} {
		home := t.TempDir()
		env := []string{
			"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
			"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
			"HELM_DATA_HOME=" + filepath.Join(home, "data"),
			// Plugins and the post-renderer's `helm get manifest` use this helm.
			"HELM_BIN=" + bins[i],
		}
		if kubeconfig != "" {
			env = append(env, "KUBECONFIG="+kubeconfig)
		}
		h := &helm{name: name, bin: bins[i], env: env}
		if name == "helm3" {
			h.postRender = []string{"--post-renderer", fnBin, "--post-renderer-args", "helm-post-render"}
		} else {
			installPlugin(t, h)
			h.postRender = []string{"--post-renderer", "robustmq"}
		}
		out = append(out, h)
	}
	return out
}

// installPlugin builds the plugin tarball with `make helm-plugin`, as released, and installs it (unsigned).
func installPlugin(t *testing.T, h *helm) {
	t.Helper()
	root, err := e2e.Root()
	require.NoError(t, err)
	out := t.TempDir()
	cmd := exec.Command(testenv.Command(t, "make", "install GNU make (Debian: apt-get install make)"), "helm-plugin", "OUT="+out)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "make helm-plugin:\n%s", b)
	version := strings.TrimPrefix(robustmqkpt.Version, "v")
	tgz := filepath.Join(out, "helm-plugin", fmt.Sprintf("robustmq-%s-%s-%s.tgz", version, runtime.GOOS, runtime.GOARCH))
	h.mustRun(t, "plugin", "install", tgz, "--verify=false")
	list := h.mustRun(t, "plugin", "list")
	// The plugin's version is VERSION's.
	require.Regexp(t, `(?m)^robustmq\s+`+regexp.QuoteMeta(version)+`\s+postrenderer/v1`, list)
}

// run runs helm from the repository root and returns stdout, stderr and the error.
func (h *helm) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root, err := e2e.Root()
	require.NoError(t, err)
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = root
	cmd.Env = append(cleanEnv(), h.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (h *helm) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := h.run(t, args...)
	require.NoError(t, err, "%s %s\nstdout:\n%s\nstderr:\n%s", h.name, strings.Join(args, " "), stdout, stderr)
	return stdout
}

// cleanEnv is the test's environment without the user's Helm and Kubernetes settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HELM_") && !strings.HasPrefix(kv, "KUBECONFIG=") {
			out = append(out, kv)
		}
	}
	return out
}

// objects decodes a manifest stream into objects keyed by apiVersion/kind/namespace/name.
func objects(t *testing.T, manifest string) map[string]map[string]any {
	t.Helper()
	objs, err := kubeapi.DecodeYAML([]byte(manifest))
	require.NoError(t, err)
	out := map[string]map[string]any{}
	for _, o := range objs {
		k := key(o)
		require.NotContains(t, out, k, "duplicate object")
		out[k] = o.Object
	}
	return out
}

func key(o unstructured.Unstructured) string {
	return fmt.Sprintf("%s/%s %s/%s", o.GetAPIVersion(), o.GetKind(), o.GetNamespace(), o.GetName())
}

// kptRender renders a copy of packages/robustmq with the real `kpt fn render` after edit changed its cluster.yaml,
// and returns the applyable objects (not the Kptfile, not local config).
func kptRender(t *testing.T, edit func(string) string) map[string]map[string]any {
	t.Helper()
	testenv.Kpt(t)
	root, err := e2e.Root()
	require.NoError(t, err)
	work := filepath.Join(t.TempDir(), "robustmq")
	// A fresh render of the edited config, as Helm's first install is.
	require.NoError(t, e2e.FreshCopy(filepath.Join(root, "packages", "robustmq"), work, "robustmq"))
	cluster := filepath.Join(work, "cluster.yaml")
	b, err := os.ReadFile(cluster)
	require.NoError(t, err)
	edited := edit(string(b))
	require.NotEqual(t, string(b), edited, "the edit changed nothing")
	require.NoError(t, os.WriteFile(cluster, []byte(edited), 0o644))
	out, err := e2e.Render(work)
	require.NoError(t, err, out)
	files, err := e2e.YAMLFiles(work)
	require.NoError(t, err)
	all := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for k, o := range objects(t, string(b)) {
			u := unstructured.Unstructured{Object: o}
			if u.GetKind() == "Kptfile" || u.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
				continue
			}
			all[k] = o
		}
	}
	return all
}

// inNamespace is the edit that puts the package's cluster into a namespace, as `helm -n` does.
func inNamespace(ns string) func(string) string {
	return func(s string) string {
		return strings.Replace(s, "\n  name: robustmq\n", "\n  name: robustmq\n  namespace: "+ns+"\n", 1)
	}
}

// TestOffline needs no cluster: lint, template, schema.
func TestOffline(t *testing.T) {
	for _, h := range helms(t, "") {
		t.Run(h.name, func(t *testing.T) {
			t.Run("Lint", func(t *testing.T) {
				out := h.mustRun(t, "lint", "--strict", chartDir(t))
				assert.Contains(t, out, "1 chart(s) linted, 0 chart(s) failed")
			})
			t.Run("TemplateEqualsKptRender", func(t *testing.T) {
				out := h.mustRun(t, append([]string{"template", "robustmq", chartDir(t), "--namespace", "mq"}, h.postRender...)...)
				got := objects(t, out)
				want := kptRender(t, inNamespace("mq"))
				require.NotEmpty(t, want)
				assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(got)))
				for k, w := range want {
					assert.Equal(t, w, got[k], k)
				}
			})
			t.Run("TemplateChangeEqualsKptRender", func(t *testing.T) {
				// A non-default value reaches the function like the same edit of cluster.yaml.
				out := h.mustRun(t, append([]string{"template", "robustmq", chartDir(t), "--namespace", "mq",
					"--set", "environment=prod", "--set", "logging.level=warn", "--set", "image.digest=sha256:" + strings.Repeat("a", 64)}, h.postRender...)...)
				want := kptRender(t, func(s string) string {
					s = inNamespace("mq")(s)
					s = strings.Replace(s, "environment: staging", "environment: prod\n  logging: {level: warn}\n  image: {digest: \"sha256:"+strings.Repeat("a", 64)+"\"}", 1)
					return s
				})
				assert.Equal(t, want, objects(t, out))
			})
			t.Run("SchemaRejectsBadValues", func(t *testing.T) {
				for _, c := range []struct{ set, want string }{
					{"environment=production", "at '/environment': value must be one of 'dev', 'staging', 'prod'"},
					{"pools[0].name=node,pools[0].replicas=0", "at '/pools/0/replicas': minimum: got 0, want 1"},
					{"listners.mqtt.tcp.port=1883", "at '': additional properties 'listners' not allowed"},
					{"service.typo=1", "at '/service': additional properties 'typo' not allowed"},
				} {
					_, stderr, err := h.run(t, "template", "robustmq", chartDir(t), "--set", c.set)
					require.Error(t, err, c.set)
					assert.Contains(t, stderr, "values don't meet the specifications of the schema", c.set)
					assert.Contains(t, stderr, c.want, c.set)
					stdout, _, err := h.run(t, "lint", chartDir(t), "--set", c.set)
					require.Error(t, err, "lint --set %s", c.set)
					assert.Contains(t, stdout, "[ERROR] values.yaml: - "+c.want, "lint --set %s", c.set)
				}
			})
			t.Run("FunctionErrorsReachTheUser", func(t *testing.T) {
				// Valid for the schema, refused by the function: its result names the field.
				_, stderr, err := h.run(t, append([]string{"template", "robustmq", chartDir(t), "--set", "pools[0].name=node,pools[0].roles={meta},pools[0].replicas=2"}, h.postRender...)...)
				require.Error(t, err)
				assert.Contains(t, stderr, "error while running post render")
				// Helm 3 prints the post-renderer's stderr; Helm 4.3 drops it, and the plugin's --report=parent
				// writes the results to Helm's stderr instead.
				assert.Contains(t, stderr, "odd number of replicas")
				assert.Contains(t, stderr, "field spec.pools[0].replicas (Helm value pools[0].replicas)")
			})
		})
	}
}

// history returns the release's revisions as (revision, status) in order.
func history(t *testing.T, h *helm, release, ns string) []string {
	t.Helper()
	out := h.mustRun(t, "history", release, "--namespace", ns, "--output", "json")
	var revs []struct {
		Revision    int    `json:"revision"`
		Status      string `json:"status"`
		Description string `json:"description"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &revs))
	var s []string
	for _, r := range revs {
		s = append(s, fmt.Sprintf("%d %s", r.Revision, r.Status))
	}
	return s
}

// TestCluster installs, upgrades, rolls back and uninstalls against a real kube-apiserver with the controller
// manager, in namespaces that enforce the restricted Pod Security Standard.
func TestCluster(t *testing.T) {
	c := kubeapi.Start(t, kubeapi.Options{ControllerManager: true})
	hs := helms(t, c.Kubeconfig)
	// Before any operator CRD is installed.
	t.Run("Prerequisites", func(t *testing.T) { prerequisites(t, c, hs) })
	c.InstallCRDs(t, kubeapi.PrometheusOperatorCRDs(t)...)
	c.InstallCRDs(t, kubeapi.CertManagerCRDs(t)...)
	for _, h := range hs {
		t.Run("Lifecycle/"+h.name, func(t *testing.T) { lifecycle(t, c, h) })
	}
	t.Run("OCI", func(t *testing.T) { oci(t, c, hs) })
}
