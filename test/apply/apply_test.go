// Package apply applies every rendered package of the repository to a real kube-apiserver (with
// kube-controller-manager) in namespaces that enforce the restricted Pod Security Standard.
package apply

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// TestAgainstAPIServer starts one control plane (etcd, kube-apiserver, kube-controller-manager) for every check
// below; each check uses namespaces of its own.
func TestAgainstAPIServer(t *testing.T) {
	c := start(t)
	t.Run("RenderedPackagesApplyStrictly", func(t *testing.T) { renderedPackagesApplyStrictly(t, c) })
	t.Run("KustomizeOverlaysApplyStrictly", func(t *testing.T) { kustomizeOverlaysApplyStrictly(t, c) })
	t.Run("FluxExamplesApplyStrictly", func(t *testing.T) { fluxExamplesApplyStrictly(t, c) })
	t.Run("ClusterConfigsMatchTheCRD", func(t *testing.T) { clusterConfigsMatchTheCRD(t, c) })
	t.Run("BrokenManifestsAreRejected", func(t *testing.T) { brokenManifestsAreRejected(t, c) })
	t.Run("UpgradesAndImmutableChanges", func(t *testing.T) { upgradesAndImmutableChanges(t, c) })
	t.Run("ControllersCreateAdmittedPods", func(t *testing.T) { controllersCreateAdmittedPods(t, c) })
	t.Run("Day2ObjectsWithControllers", func(t *testing.T) { day2ObjectsWithControllers(t, c) })
	t.Run("KEDAScaledObjectAdmitted", func(t *testing.T) { kedaScaledObjectAdmitted(t, c) })
	t.Run("AutoscalingHandover", func(t *testing.T) { autoscalingHandover(t, c) })
}

func start(t *testing.T) *kubeapi.Cluster {
	t.Helper()
	c := kubeapi.Start(t, kubeapi.Options{ControllerManager: true})
	v, err := c.Version()
	require.NoError(t, err)
	pinned, err := kubeapi.PinnedVersion("KUBERNETES_VERSION")
	require.NoError(t, err)
	require.Equal(t, pinned, v, "kube-apiserver reports the pinned version")
	t.Logf("kube-apiserver %s (pinned %s)", v, pinned)
	bins, err := kubeapi.FindTools("kube-controller-manager")
	require.NoError(t, err)
	out, err := exec.Command(bins[0], "--version").Output()
	require.NoError(t, err)
	require.Equal(t, "Kubernetes "+pinned, strings.TrimSpace(string(out)), "kube-controller-manager reports the pinned version")
	root, err := e2e.Root()
	require.NoError(t, err)
	c.InstallCRDs(t, kubeapi.PrometheusOperatorCRDs(t)...)
	c.InstallCRDs(t, kubeapi.CertManagerCRDs(t)...)
	c.InstallCRDs(t, kubeapi.FluxCRDs(t)...)
	c.InstallCRDs(t, kubeapi.VeleroCRDs(t)...)
	c.InstallCRDs(t, kubeapi.KEDACRDs(t)...)
	c.InstallCRDs(t, filepath.Join(root, "functions", "robustmq-cluster", "crd", "robustmq.io_robustmqclusters.yaml"))
	return c
}

// freshRender renders a copy of the package dir with the function as built from this tree (the real kpt, exec
// mode) and returns the copy. The checks apply what the generator makes now, not only what is checked in (the
// e2e test keeps the two equal), so a generator change that the API server refuses fails here by name.
func freshRender(t *testing.T, dir string) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), filepath.Base(dir))
	require.NoError(t, e2e.CopyDir(dir, work))
	out, err := e2e.Render(work)
	require.NoError(t, err, "render %s:\n%s", dir, out)
	return work
}

// rendered reads the applyable objects of a rendered package: everything but local config (the Kptfile, the
// RobustMQCluster, the access table).
func rendered(t *testing.T, dir string) []unstructured.Unstructured {
	t.Helper()
	out, err := e2e.Applyable(dir)
	require.NoError(t, err)
	require.NotEmpty(t, out, dir)
	return out
}

// namespaces creates a restricted namespace for every namespace the objects name, and one for those without.
func namespaces(t *testing.T, c *kubeapi.Cluster, fallback string, objs []unstructured.Unstructured) {
	t.Helper()
	seen := map[string]bool{fallback: true}
	c.RestrictedNamespace(t, fallback)
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !seen[ns] {
			seen[ns] = true
			c.RestrictedNamespace(t, ns)
		}
	}
}

func packageDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := e2e.Packages()
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	return dirs
}

func nsName(dir string) string {
	return "t-" + strings.ReplaceAll(filepath.Base(filepath.Dir(dir))+"-"+filepath.Base(dir), "_", "-")
}

// Every rendered package applies strictly, without a single warning, and re-applying it changes nothing.
func renderedPackagesApplyStrictly(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	for _, dir := range packageDirs(t) {
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			work := freshRender(t, dir)
			objs := rendered(t, work)
			ns := nsName(dir)
			namespaces(t, c, ns, objs)
			res, err := c.Apply(ctx, ns, objs)
			require.NoError(t, err, "apply %s", dir)
			assert.True(t, res.Changed)
			assert.Empty(t, res.Warnings)

			res, err = c.Apply(ctx, ns, rendered(t, work))
			require.NoError(t, err)
			for _, o := range res.Objects {
				assert.False(t, o.Changed, "re-apply changed %s %s/%s", o.GVK.Kind, o.Namespace, o.Name)
			}
		})
	}
}

// The kustomize overlays of examples/kustomize-overlays build with the real kustomize and apply strictly, each
// environment in a namespace of its own (renamed from the example's, which every environment shares).
func kustomizeOverlaysApplyStrictly(t *testing.T, c *kubeapi.Cluster) {
	root, err := e2e.Root()
	require.NoError(t, err)
	tools, err := kubeapi.FindTools("kustomize")
	require.NoError(t, err)
	ctx := context.Background()
	for _, env := range []string{"dev", "staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			ns := "t-overlay-" + env
			var objs []unstructured.Unstructured
			for _, dir := range []string{"overlays/" + env, "overlays/" + env + "/monitoring"} {
				path := filepath.Join(root, "examples", "kustomize-overlays", dir)
				if _, err := os.Stat(filepath.Join(path, "kustomization.yaml")); err != nil {
					continue
				}
				out, err := exec.Command(tools[0], "build", path).Output()
				require.NoError(t, err, "kustomize build %s", dir)
				built, err := kubeapi.DecodeYAML(out)
				require.NoError(t, err)
				objs = append(objs, built...)
			}
			require.NotEmpty(t, objs)
			for i := range objs {
				if objs[i].GetKind() == "Namespace" {
					objs[i].SetName(ns) // keeps the example's restricted enforcement label
				} else if objs[i].GetNamespace() != "" {
					objs[i].SetNamespace(ns)
				}
			}
			_, err := c.Apply(ctx, ns, objs)
			require.NoError(t, err)
		})
	}
}

// The Flux objects of examples/flux are admitted by Flux's own CRDs (schema and CEL rules, strict fields), each
// environment into a flux-system namespace of its own, and re-applying them changes nothing.
func fluxExamplesApplyStrictly(t *testing.T, c *kubeapi.Cluster) {
	root, err := e2e.Root()
	require.NoError(t, err)
	// The CRDs come from the same Flux releases as the API types test/examples decodes with (go.mod).
	for key, module := range map[string]string{
		"FLUX_SOURCE_CONTROLLER_VERSION":    "github.com/fluxcd/source-controller/api",
		"FLUX_KUSTOMIZE_CONTROLLER_VERSION": "github.com/fluxcd/kustomize-controller/api",
	} {
		pinned, err := kubeapi.PinnedVersion(key)
		require.NoError(t, err)
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module)
		cmd.Dir = root
		out, err := cmd.Output()
		require.NoError(t, err, "go list -m %s", module)
		assert.Equal(t, strings.TrimSpace(string(out)), pinned, "hack/versions.env %s vs go.mod %s", key, module)
	}
	files, err := filepath.Glob(filepath.Join(root, "examples", "flux", "clusters", "*", "robustmq.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 3, "examples/flux/clusters/{dev,staging,prod}")
	ctx := context.Background()
	for _, f := range files {
		env := filepath.Base(filepath.Dir(f))
		t.Run(env, func(t *testing.T) {
			ns := "t-flux-" + env
			c.RestrictedNamespace(t, ns)
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			objs, err := kubeapi.DecodeYAML(b)
			require.NoError(t, err)
			kinds := map[string]int{}
			for i := range objs {
				require.Equal(t, "flux-system", objs[i].GetNamespace(), "%s %s", objs[i].GetKind(), objs[i].GetName())
				objs[i].SetNamespace(ns)
				kinds[objs[i].GetKind()]++
			}
			assert.Equal(t, 1, kinds["GitRepository"])
			assert.NotZero(t, kinds["Kustomization"])
			assert.Len(t, kinds, 2, "only Flux kinds: %v", kinds)
			res, err := c.Apply(ctx, ns, objs)
			require.NoError(t, err, f)
			assert.True(t, res.Changed)
			res, err = c.Apply(ctx, ns, objs)
			require.NoError(t, err)
			assert.False(t, res.Changed, "re-applying %s changed something", f)
		})
	}
	// The CRDs are not a rubber stamp: a misspelt field and an interval that is not a duration are refused.
	c.RestrictedNamespace(t, "t-flux-bad")
	for spec, want := range map[string]string{
		"{sourceRef: {kind: GitRepository, name: x}, path: ./x, prunee: true, interval: 10m}": "spec.prunee",
		"{sourceRef: {kind: GitRepository, name: x}, path: ./x, prune: true, interval: soon}": "spec.interval",
	} {
		doc := "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n" +
			"metadata: {name: bad, namespace: t-flux-bad}\nspec: " + spec + "\n"
		_, err := c.ApplyYAML(ctx, "t-flux-bad", []byte(doc))
		require.Error(t, err, spec)
		assert.Contains(t, err.Error(), want)
	}
}

// The RobustMQCluster config itself validates against the generated CRD schema (dry run, strict).
func clusterConfigsMatchTheCRD(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	c.RestrictedNamespace(t, "t-crd")
	for _, dir := range packageDirs(t) {
		b, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
		require.NoError(t, err)
		objs, err := kubeapi.DecodeYAML(b)
		require.NoError(t, err)
		for i := range objs {
			objs[i].SetNamespace("t-crd")
		}
		_, err = c.Apply(ctx, "t-crd", objs)
		assert.NoError(t, err, dir)
	}
	// And the schema is not a rubber stamp: a typo and a wrong enum value are refused.
	for bad, want := range map[string]string{
		"spec: {replicaz: 3}":     "spec.replicaz",
		"spec: {environment: qa}": "spec.environment",
	} {
		doc := "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: bad, namespace: t-crd}\n" + bad + "\n"
		_, err := c.ApplyYAML(ctx, "t-crd", []byte(doc))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), want)
	}
}

// The suite can fail: a rendered StatefulSet made privileged, or given an unknown field, is refused.
func brokenManifestsAreRejected(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	objs := rendered(t, freshRender(t, filepath.Join(root, "packages", "robustmq")))
	sts := statefulSet(t, objs)
	c.RestrictedNamespace(t, "t-broken")

	privileged := sts.DeepCopy()
	containers, _, err := unstructured.NestedSlice(privileged.Object, "spec", "template", "spec", "containers")
	require.NoError(t, err)
	sc := containers[0].(map[string]any)["securityContext"].(map[string]any)
	sc["privileged"], sc["allowPrivilegeEscalation"] = true, true
	require.NoError(t, unstructured.SetNestedSlice(privileged.Object, containers, "spec", "template", "spec", "containers"))
	res, err := c.Apply(ctx, "t-broken", []unstructured.Unstructured{*privileged})
	require.Error(t, err, "a privileged template must produce a PodSecurity warning, treated as failure")
	assert.NotEmpty(t, res.Warnings)
	assert.Contains(t, strings.Join(res.Warnings, "\n"), "restricted")

	unknown := sts.DeepCopy()
	unknown.SetName("unknown-field")
	require.NoError(t, unstructured.SetNestedField(unknown.Object, int64(3), "spec", "replicaz"))
	_, err = c.Apply(ctx, "t-broken", []unstructured.Unstructured{*unknown})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "replicaz")
}

func statefulSet(t *testing.T, objs []unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	for i := range objs {
		if objs[i].GetKind() == "StatefulSet" {
			return &objs[i]
		}
	}
	t.Fatal("no StatefulSet")
	return nil
}

// A spec change (new image tag) applies; an immutable change (PVC size in volumeClaimTemplates) is refused by
// the API server, which is what change-impact checks must guard.
func upgradesAndImmutableChanges(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	work := freshRender(t, filepath.Join(root, "packages", "robustmq"))
	ns := "t-upgrade"
	c.RestrictedNamespace(t, ns)
	_, err = c.Apply(ctx, ns, rendered(t, work))
	require.NoError(t, err)

	edit(t, filepath.Join(work, "cluster.yaml"), "  version: v0.4.11", "  version: v0.4.10")
	out, err := e2e.Render(work)
	require.NoError(t, err, out)
	res, err := c.Apply(ctx, ns, rendered(t, work))
	require.NoError(t, err, "an image change is an ordinary rolling update")
	assert.True(t, res.Changed)

	edit(t, filepath.Join(work, "cluster.yaml"), "        size: 10Gi", "        size: 20Gi")
	out, err = e2e.Render(work)
	require.Error(t, err, "the render refuses a volumeClaimTemplates change until it is approved: %s", out)
	ids := e2e.ChangeIDs(out)
	require.Len(t, ids, 1, out)
	require.NoError(t, e2e.Approve(filepath.Join(work, "cluster.yaml"), ids...))
	out, err = e2e.Render(work)
	require.NoError(t, err, out)
	_, err = c.Apply(ctx, ns, rendered(t, work))
	require.Error(t, err, "volumeClaimTemplates are immutable")
	assert.Contains(t, err.Error(), "Forbidden: updates to statefulset spec for fields other than")
	t.Logf("immutable change refused as expected: %.300s", err)
}

func edit(t *testing.T, file, from, to string) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Contains(t, string(b), from)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
}

// With the StatefulSet, disruption and EndpointSlice controllers running, the base package's pods are created
// and admitted under the restricted standard with the broker_id ordinals, each gets its PVC, the PDB counts
// them, and both Services select them.
func controllersCreateAdmittedPods(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	ns := "t-controllers"
	c.RestrictedNamespace(t, ns)
	_, err = c.Apply(ctx, ns, rendered(t, freshRender(t, filepath.Join(root, "packages", "robustmq"))))
	require.NoError(t, err)

	sts := c.WaitForStatefulSet(t, ns, "robustmq-node", 2*time.Minute)
	assert.Equal(t, int32(3), sts.Status.ReadyReplicas)
	cs := c.Clientset()
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=robustmq"})
	require.NoError(t, err)
	var names, indexes []string
	for _, p := range pods.Items {
		names = append(names, p.Name)
		indexes = append(indexes, p.Labels["apps.kubernetes.io/pod-index"])
	}
	sort.Strings(names)
	sort.Strings(indexes)
	assert.Equal(t, []string{"robustmq-node-1", "robustmq-node-2", "robustmq-node-3"}, names, "ordinals start at brokerIdStart")
	assert.Equal(t, []string{"1", "2", "3"}, indexes, "pod-index feeds broker_id")

	for i := 1; i <= 3; i++ {
		pvc, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, fmt.Sprintf("data-robustmq-node-%d", i), metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "10Gi", pvc.Spec.Resources.Requests.Storage().String())
	}

	c.WaitFor(t, time.Minute, "pdb status", func(ctx context.Context) (bool, error) {
		pdb, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "robustmq-node", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := pdb.Status
		return s.ExpectedPods == 3 && s.CurrentHealthy == 3 && s.DesiredHealthy == 2 && s.DisruptionsAllowed == 1, nil
	})

	for _, svc := range []string{"robustmq-node-headless", "robustmq"} {
		c.WaitFor(t, time.Minute, "endpoints of "+svc, func(ctx context.Context) (bool, error) {
			slices, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
			if err != nil {
				return false, err
			}
			pods := map[string]bool{}
			for _, s := range slices.Items {
				for _, e := range s.Endpoints {
					if e.TargetRef != nil {
						pods[e.TargetRef.Name] = true
					}
				}
			}
			return len(pods) == 3, nil
		})
	}
}
