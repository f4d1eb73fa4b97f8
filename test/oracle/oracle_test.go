// Package oracle holds the function to the API server: configs generated from edge values of every field are
// rendered by the function, and whatever it accepts is applied (server-side dry run, strict field validation,
// restricted Pod Security) to a real kube-apiserver. Any output the server refuses, or warns about, is a config
// the function should have refused itself.
package oracle

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

const namespace = "oracle"

// TestAPIServerAcceptsWhatTheFunctionAccepts runs every single edge value once, then random combinations of
// them (seeded: the same configs every run). ROBUSTMQ_ORACLE_COMBINATIONS sets how many combinations.
func TestAPIServerAcceptsWhatTheFunctionAccepts(t *testing.T) {
	bin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	c := kubeapi.Start(t, kubeapi.Options{})
	c.InstallCRDs(t, kubeapi.PrometheusOperatorCRDs(t)...)
	c.InstallCRDs(t, kubeapi.CertManagerCRDs(t)...)
	c.RestrictedNamespace(t, namespace)
	dr := newDryRun(t, c.Config)

	combos := 60
	if v := os.Getenv("ROBUSTMQ_ORACLE_COMBINATIONS"); v != "" {
		combos, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	configs := generate(combos)
	var accepted, rejected, objects int
	skipped := map[string]bool{}
	for _, cfg := range configs {
		out, ok, results := render(t, bin, cfg.doc)
		if !ok {
			rejected++
			continue
		}
		accepted++
		for _, o := range out {
			err := dr.apply(o)
			if err == errNoKind {
				skipped[o.GetKind()] = true
				continue
			}
			objects++
			if err != nil {
				t.Errorf("the function accepted %s, the API server refuses its %s %s: %v\nconfig:\n%s\nresults:\n%s",
					cfg.name, o.GetKind(), o.GetName(), err, cfg.doc, results)
				break
			}
		}
	}
	t.Logf("%d configs: %d rejected by the function, %d accepted and dry-run applied (%d objects); kinds without a CRD here: %v",
		len(configs), rejected, accepted, objects, keys(skipped))
	require.Greater(t, accepted, 50, "too few accepted configs to say anything")
	require.Greater(t, rejected, 50, "too few rejected configs: are the edge values edgy?")
}

type config struct{ name, doc string }

// generate returns the base config with each edge value alone, then n combinations of two to four.
func generate(n int) []config {
	var out []config
	for _, e := range edges {
		for i, v := range e.values {
			out = append(out, build(fmt.Sprintf("%s=#%d", e.path, i), []setting{{e.path, v}}))
		}
	}
	r := rand.New(rand.NewPCG(12, 2026))
	for i := range n {
		var s []setting
		var names []string
		for range 2 + r.IntN(3) {
			e := edges[r.IntN(len(edges))]
			j := r.IntN(len(e.values))
			s = append(s, setting{e.path, e.values[j]})
			names = append(names, fmt.Sprintf("%s=#%d", e.path, j))
		}
		out = append(out, build(fmt.Sprintf("combination %d (%s)", i, strings.Join(names, ", ")), s))
	}
	return out
}

type setting struct {
	path  string
	value any
}

func build(name string, settings []setting) config {
	doc := map[string]any{
		"apiVersion": "robustmq.io/v1alpha1", "kind": "RobustMQCluster",
		"metadata": map[string]any{"name": "mq", "annotations": map[string]any{"config.kubernetes.io/local-config": "true"}},
		"spec":     map[string]any{},
	}
	for _, s := range settings {
		set(doc, strings.Split(s.path, "."), s.value)
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return config{name, string(b)}
}

// set puts v at the dotted path; "pools" is a one-pool list.
func set(m map[string]any, path []string, v any) {
	for i, k := range path[:len(path)-1] {
		if k == "pools" {
			l, _ := m[k].([]any)
			if len(l) == 0 {
				l = []any{map[string]any{"name": "node"}}
				m[k] = l
			}
			set(l[0].(map[string]any), path[i+1:], v)
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// render runs the function binary on a ResourceList holding the config, as kpt does, and returns the objects
// it generated (local config left out), whether it succeeded, and its results.
func render(t *testing.T, bin, doc string) ([]unstructured.Unstructured, bool, string) {
	t.Helper()
	item := strings.ReplaceAll(strings.TrimSpace(doc), "\n", "\n  ")
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + item + "\n"
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(rl)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var list struct {
		Items   []map[string]any `json:"items"`
		Results []any            `json:"results"`
	}
	require.NoError(t, yaml.Unmarshal(stdout.Bytes(), &list), "function output:\n%s\n%s", stdout.String(), stderr.String())
	results, _ := yaml.Marshal(list.Results)
	if runErr != nil {
		return nil, false, string(results)
	}
	var out []unstructured.Unstructured
	for _, it := range list.Items {
		u := unstructured.Unstructured{Object: it}
		if u.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
			continue
		}
		a := u.GetAnnotations()
		for k := range a {
			if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
				delete(a, k)
			}
		}
		u.SetAnnotations(a)
		out = append(out, u)
	}
	return out, true, string(results)
}

var errNoKind = fmt.Errorf("kind not served")

// dryRun server-side applies objects with dryRun=All and strict field validation; a warning is an error.
type dryRun struct {
	client   dynamic.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	warnings *warnings
}

type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(code int, _, text string) {
	if code == 299 && text != "" {
		w.mu.Lock()
		w.msgs = append(w.msgs, text)
		w.mu.Unlock()
	}
}

func newDryRun(t *testing.T, cfg *rest.Config) *dryRun {
	w := &warnings{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = w
	client, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	require.NoError(t, err)
	return &dryRun{client: client, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)), warnings: w}
}

func (d *dryRun) apply(o unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := d.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return errNoKind
	}
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = d.client.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if o.GetNamespace() == "" {
			o.SetNamespace(namespace)
		}
		ri = d.client.Resource(m.Resource).Namespace(o.GetNamespace())
	}
	data, err := o.MarshalJSON()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	force := true
	_, err = ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
		FieldManager: "robustmq-kpt-oracle", Force: &force, DryRun: []string{metav1.DryRunAll},
		FieldValidation: metav1.FieldValidationStrict,
	})
	d.warnings.mu.Lock()
	msgs := d.warnings.msgs
	d.warnings.msgs = nil
	d.warnings.mu.Unlock()
	if err != nil {
		if apierrors.IsNotFound(err) && o.GetNamespace() != namespace {
			return nil // a namespace of the config's own that does not exist here
		}
		return err
	}
	if len(msgs) > 0 {
		return fmt.Errorf("warnings: %s", strings.Join(msgs, "; "))
	}
	return nil
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
