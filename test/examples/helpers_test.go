// Package examples tests examples/: every example that produces manifests is built by the real tool (kpt or
// kustomize v5 from hack/tools.sh), and the GitOps objects are decoded strictly against their Go types.
package examples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/test/e2e"

	"github.com/robustmq/robustmq-kpt/internal/yamldocs"
)

const (
	annotationLocalConfig = "config.kubernetes.io/local-config"
	annotationSubstitute  = "kustomize.toolkit.fluxcd.io/substitute"
	// monitoringDir is where the function writes the kinds that need the Prometheus Operator's CRDs.
	monitoringDir = "monitoring"
)

// crdProviders maps the API groups of CRD kinds the function generates to the name of the Flux Kustomization (or
// the component) that installs their CRDs in the examples.
var crdProviders = map[string]string{
	"monitoring.coreos.com":   "kube-prometheus-stack",
	"cert-manager.io":         "cert-manager",
	"grafana.integreatly.org": "grafana-operator",
}

// optionalCRDGroups are the CRD kinds the broker runs without: the function puts them under monitoring/, and the
// examples apply them as a unit of their own. cert-manager's Certificate is not optional: the pods mount its Secret.
var optionalCRDGroups = map[string]bool{"monitoring.coreos.com": true, "grafana.integreatly.org": true}

// builtinGroups are API groups every Kubernetes cluster serves.
var builtinGroups = map[string]bool{
	"": true, "apps": true, "policy": true, "networking.k8s.io": true, "rbac.authorization.k8s.io": true,
	"batch": true, "autoscaling": true,
}

func root(t *testing.T) string {
	t.Helper()
	r, err := e2e.Root()
	require.NoError(t, err)
	return r
}

// kustomize returns the path of kustomize v5 built by hack/tools.sh (built once, cached across runs).
func kustomize(t *testing.T) string {
	t.Helper()
	bins, err := repo.Tools("kustomize")
	require.NoError(t, err)
	return bins[0]
}

// kustomizeBuild runs `kustomize build` with extra flags and returns the parsed objects.
func kustomizeBuild(t *testing.T, dir string, flags ...string) []obj {
	t.Helper()
	args := append([]string{"build"}, flags...)
	args = append(args, dir)
	cmd := exec.Command(kustomize(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "kustomize build %s\n%s", dir, stderr.String())
	objs, err := parseDocs(stdout.Bytes())
	require.NoError(t, err)
	return objs
}

// render copies a kpt package to a temporary directory, optionally edits it, and renders it with the real kpt
// (hack/render.sh, function in exec mode). It returns the rendered copy.
func render(t *testing.T, pkg string, edit func(dir string)) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), filepath.Base(pkg))
	require.NoError(t, e2e.CopyDir(pkg, work))
	if edit != nil {
		edit(work)
	}
	out, err := e2e.Render(work)
	require.NoError(t, err, out)
	return work
}

// obj is one parsed Kubernetes object, with the file it came from when read from a package.
type obj struct {
	file string
	m    map[string]any
}

func (o obj) apiVersion() string { s, _ := o.m["apiVersion"].(string); return s }
func (o obj) kind() string       { s, _ := o.m["kind"].(string); return s }
func (o obj) meta() map[string]any {
	m, _ := o.m["metadata"].(map[string]any)
	return m
}
func (o obj) name() string      { s, _ := o.meta()["name"].(string); return s }
func (o obj) namespace() string { s, _ := o.meta()["namespace"].(string); return s }
func (o obj) group() string {
	if i := strings.LastIndex(o.apiVersion(), "/"); i >= 0 {
		return o.apiVersion()[:i]
	}
	return ""
}
func (o obj) annotations() map[string]string {
	out := map[string]string{}
	a, _ := o.meta()["annotations"].(map[string]any)
	for k, v := range a {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}
func (o obj) localConfig() bool { return o.annotations()[annotationLocalConfig] == "true" }

// id identifies an object the way kustomize and the API server do.
func (o obj) id() string { return o.group() + "/" + o.kind() + " " + o.namespace() + "/" + o.name() }

// yamlText is the object serialized, for substring checks.
func (o obj) yamlText(t *testing.T) string {
	b, err := yaml.Marshal(o.m)
	require.NoError(t, err)
	return string(b)
}

func parseDocs(b []byte) ([]obj, error) {
	maps, err := yamldocs.Objects(b)
	var out []obj
	for _, m := range maps {
		out = append(out, obj{m: m})
	}
	return out, err
}

// packageObjects reads every object of the .yaml files of a package (kustomization.yaml files excepted, they are
// kustomize's, not objects), with paths relative to the package.
func packageObjects(t *testing.T, dir string) []obj {
	t.Helper()
	files, err := e2e.YAMLFiles(dir)
	require.NoError(t, err)
	var out []obj
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		objs, err := parseDocs(b)
		require.NoError(t, err, f)
		rel, _ := filepath.Rel(dir, f)
		for _, o := range objs {
			o.file = filepath.ToSlash(rel)
			out = append(out, o)
		}
	}
	return out
}

// inMonitoringDir reports whether a package file lies in a monitoring/ directory of the render.
func inMonitoringDir(file string) bool {
	for _, p := range strings.Split(filepath.ToSlash(filepath.Dir(file)), "/") {
		if p == monitoringDir {
			return true
		}
	}
	return false
}

func byID(t *testing.T, objs []obj) map[string]obj {
	t.Helper()
	out := map[string]obj{}
	for _, o := range objs {
		_, dup := out[o.id()]
		require.False(t, dup, "object %s appears twice", o.id())
		out[o.id()] = o
	}
	return out
}

func ids(objs []obj) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.id())
	}
	sort.Strings(out)
	return out
}

// sameObjects asserts two object sets are equal as parsed objects, whatever their order.
func sameObjects(t *testing.T, want, got []obj, msg string) {
	t.Helper()
	require.Equal(t, ids(want), ids(got), "%s: object sets differ", msg)
	w, g := byID(t, want), byID(t, got)
	for id, o := range w {
		require.Equal(t, o.m, g[id].m, "%s: %s differs", msg, id)
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(b, into), path)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
