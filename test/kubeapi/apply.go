package kubeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager used by Apply.
const FieldManager = "robustmq-kpt-test"

// ApplyResult describes one Apply call.
type ApplyResult struct {
	// Changed is true if any object was created or changed (see AppliedObject.Changed).
	Changed bool
	// Objects holds one entry per applied object, in input order.
	Objects []AppliedObject
	// Warnings are all warning headers the server sent (Apply fails if any).
	Warnings []string
}

// AppliedObject is the outcome for one object.
type AppliedObject struct {
	GVK             schema.GroupVersionKind
	Namespace, Name string
	// Changed is true if the object was created or anything but its status and
	// bookkeeping (resourceVersion, managedFields) changed. Controllers write status
	// at any moment, so a moved resourceVersion alone says nothing about the apply.
	Changed bool
	// Object is the server's response to the apply.
	Object *unstructured.Unstructured
}

// ApplyYAML decodes a multi-document YAML (or JSON) stream and calls Apply.
func (c *Cluster) ApplyYAML(ctx context.Context, namespace string, data []byte) (ApplyResult, error) {
	objs, err := DecodeYAML(data)
	if err != nil {
		return ApplyResult{}, err
	}
	return c.Apply(ctx, namespace, objs)
}

// Apply server-side applies objs (field manager FieldManager, force, strict
// field validation) in order. Namespaced objects without a namespace go to
// namespace. Any warning header from the server makes Apply return an error
// that lists the warnings; the result is still filled in.
func (c *Cluster) Apply(ctx context.Context, namespace string, objs []unstructured.Unstructured) (ApplyResult, error) {
	var res ApplyResult
	// A client of its own per call, so warnings are attributed to this call.
	warnings := &warningCollector{}
	cfg := rest.CopyConfig(c.Config)
	cfg.WarningHandler = warnings
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return res, fmt.Errorf("dynamic client: %w", err)
	}
	for i := range objs {
		obj := objs[i].DeepCopy()
		out, changed, err := c.applyOne(ctx, client, namespace, obj)
		desc := fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
		res.Warnings = warnings.take(res.Warnings, desc)
		if err != nil {
			return res, fmt.Errorf("apply %s: %w", desc, err)
		}
		res.Changed = res.Changed || changed
		res.Objects = append(res.Objects, AppliedObject{
			GVK: obj.GroupVersionKind(), Namespace: out.GetNamespace(), Name: out.GetName(),
			Changed: changed, Object: out,
		})
	}
	if len(res.Warnings) > 0 {
		return res, fmt.Errorf("apply produced %d warning(s):\n  %s", len(res.Warnings), strings.Join(res.Warnings, "\n  "))
	}
	return res, nil
}

func (c *Cluster) applyOne(ctx context.Context, client dynamic.Interface, namespace string, obj *unstructured.Unstructured) (*unstructured.Unstructured, bool, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := c.mapper.mapping(gvk)
	if err != nil {
		return nil, false, err
	}
	var ri dynamic.ResourceInterface = client.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace(namespace)
		}
		ri = client.Resource(mapping.Resource).Namespace(obj.GetNamespace())
	}
	before, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		before = nil
	case err != nil:
		return nil, false, fmt.Errorf("get: %w", err)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, false, err
	}
	force := true
	out, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
		FieldManager:    FieldManager,
		Force:           &force,
		FieldValidation: metav1.FieldValidationStrict,
	})
	if err != nil {
		return nil, false, err
	}
	return out, before == nil || !equality.Semantic.DeepEqual(userContent(before), userContent(out)), nil
}

// userContent is obj without what the server and controllers write on their own.
func userContent(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "status")
	unstructured.RemoveNestedField(c.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(c.Object, "metadata", "managedFields")
	return c.Object
}

// warningCollector is a rest.WarningHandler that records every warning header.
type warningCollector struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningCollector) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// take moves collected warnings to dst, prefixed with the object they concern.
func (w *warningCollector) take(dst []string, desc string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		dst = append(dst, desc+": "+m)
	}
	w.msgs = nil
	return dst
}

// DecodeYAML splits a multi-document YAML or JSON stream into objects,
// skipping empty documents.
func DecodeYAML(data []byte) ([]unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decode yaml document %d: %w", len(objs)+1, err)
		}
		if len(m) == 0 {
			continue
		}
		u := unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("yaml document %d has no apiVersion/kind", len(objs)+1)
		}
		objs = append(objs, u)
	}
}

// mapper maps kinds to resources, refreshing discovery when a kind is unknown
// (e.g. right after a CRD was installed).
type mapper struct {
	mu     sync.Mutex
	cache  discovery.CachedDiscoveryInterface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func newMapper(d discovery.DiscoveryInterface) *mapper {
	cache := memory.NewMemCacheClient(d)
	return &mapper{cache: cache, mapper: restmapper.NewDeferredDiscoveryRESTMapper(cache)}
}

func (m *mapper) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mp, err := m.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		m.mapper.Reset()
		mp, err = m.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", gvk, err)
	}
	return mp, nil
}

// InstallCRDs applies the CRDs in paths (files, or directories whose *.yaml /
// *.yml files are read) and waits until every CRD is Established.
func (c *Cluster) InstallCRDs(t testing.TB, paths ...string) {
	t.Helper()
	var objs []unstructured.Unstructured
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files, _ = filepath.Glob(filepath.Join(p, "*.y*ml"))
			sort.Strings(files)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatalf("kubeapi: read crd: %v", err)
			}
			docs, err := DecodeYAML(data)
			if err != nil {
				t.Fatalf("kubeapi: %s: %v", f, err)
			}
			objs = append(objs, docs...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Apply(ctx, "", objs); err != nil {
		t.Fatalf("kubeapi: install crds: %v", err)
	}
	crds := c.dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	for _, o := range objs {
		name := o.GetName()
		err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			crd, err := crds.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			t.Fatalf("kubeapi: crd %s not established: %v", name, err)
		}
	}
}

// PrometheusOperatorCRDs returns the ServiceMonitor, PodMonitor and
// PrometheusRule CRD files of prometheus-operator PROMETHEUS_OPERATOR_VERSION,
// taken from the Go module cache (downloaded through the module proxy).
func PrometheusOperatorCRDs(t testing.TB) []string {
	t.Helper()
	dir := moduleDir(t, "github.com/prometheus-operator/prometheus-operator", "PROMETHEUS_OPERATOR_VERSION")
	var files []string
	for _, n := range []string{"servicemonitors", "podmonitors", "prometheusrules"} {
		files = append(files, filepath.Join(dir, "example", "prometheus-operator-crd", "monitoring.coreos.com_"+n+".yaml"))
	}
	return files
}

// CertManagerCRDs returns the directory of cert-manager CERT_MANAGER_VERSION's
// CRDs (Certificate, Issuer, ClusterIssuer, ...), deploy/crds in its Go module.
func CertManagerCRDs(t testing.TB) []string {
	t.Helper()
	dir := moduleDir(t, "github.com/cert-manager/cert-manager", "CERT_MANAGER_VERSION")
	files, _ := filepath.Glob(filepath.Join(dir, "deploy", "crds", "*.yaml"))
	if len(files) == 0 {
		t.Fatalf("kubeapi: no CRDs in %s/deploy/crds", dir)
	}
	sort.Strings(files)
	return files
}

// VeleroCRDs returns Velero VELERO_VERSION's Schedule and Backup CRDs, config/crd/v1/bases in its Go module.
func VeleroCRDs(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join(moduleDir(t, "github.com/vmware-tanzu/velero", "VELERO_VERSION"), "config", "crd", "v1", "bases")
	return []string{filepath.Join(dir, "velero.io_schedules.yaml"), filepath.Join(dir, "velero.io_backups.yaml")}
}

// KEDACRDs returns KEDA KEDA_VERSION's ScaledObject CRD, config/crd/bases in its Go module.
func KEDACRDs(t testing.TB) []string {
	t.Helper()
	return []string{filepath.Join(moduleDir(t, "github.com/kedacore/keda/v2", "KEDA_VERSION"), "config", "crd", "bases", "keda.sh_scaledobjects.yaml")}
}

// FluxCRDs returns the GitRepository and Kustomization CRD files of Flux's source-controller and
// kustomize-controller (FLUX_SOURCE_CONTROLLER_VERSION, FLUX_KUSTOMIZE_CONTROLLER_VERSION), config/crd/bases in
// their Go modules.
func FluxCRDs(t testing.TB) []string {
	t.Helper()
	source := moduleDir(t, "github.com/fluxcd/source-controller", "FLUX_SOURCE_CONTROLLER_VERSION")
	kustomize := moduleDir(t, "github.com/fluxcd/kustomize-controller", "FLUX_KUSTOMIZE_CONTROLLER_VERSION")
	return []string{
		filepath.Join(source, "config", "crd", "bases", "source.toolkit.fluxcd.io_gitrepositories.yaml"),
		filepath.Join(kustomize, "config", "crd", "bases", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
	}
}

// moduleDir downloads module@<pinned version> into the module cache and
// returns its directory. It runs outside the repo so go.mod is never touched.
func moduleDir(t testing.TB, module, versionKey string) string {
	t.Helper()
	v, err := PinnedVersion(versionKey)
	if err != nil {
		t.Fatalf("kubeapi: %v", err)
	}
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+v)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(out, &info)
	if err != nil || info.Dir == "" {
		t.Fatalf("kubeapi: go mod download %s@%s: %v %s", module, v, err, info.Error)
	}
	return info.Dir
}
