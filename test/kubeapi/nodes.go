package kubeapi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/yaml"
)

// Nodes asks Start for the simulated-node tier: kube-scheduler places pods on fake Nodes, and kwok (in its
// controller mode, against the same API server) plays their kubelets: it initialises and heartbeats the Nodes,
// moves pods scheduled there to Running and Ready after ReadyDelay, removes deleted pods at once, and provisions
// and binds a PersistentVolume for every claim of its default StorageClass "kwok-volume". Nothing runs in the
// pods; only objects and their status change, through the same API as on a real cluster.
//
// The scheduler is set up so that nothing but the pods' own constraints spreads them: its built-in soft spreading
// (PodTopologySpread's system default constraints) is off, and the first zone's Nodes are four times the size of
// the others (NodeCapacity), so its default LeastAllocated scoring prefers that zone. Pods without a zone spread
// constraint pile into the first zone; a test of spreading fails when the generated constraints are missing.
type Nodes struct {
	// Zones are the topology.kubernetes.io/zone values; default zone-a, zone-b, zone-c.
	Zones []string
	// PerZone is the number of Nodes in each zone; default 2.
	PerZone int
	// ReadyDelay is how long a scheduled pod stays Pending before kwok makes it Running and Ready (a container
	// start-up plus a readiness probe). With no delay a pod is Ready as soon as it is bound, and nothing is ever
	// observed to be unavailable.
	ReadyDelay time.Duration
}

const (
	// FakeNodeLabel marks the Nodes kwok manages (--manage-nodes-with-label-selector).
	FakeNodeLabel = "kwok.x-k8s.io/node"
	// ZoneLabel and HostnameLabel are the well-known topology labels the fake Nodes carry.
	ZoneLabel     = "topology.kubernetes.io/zone"
	HostnameLabel = "kubernetes.io/hostname"
	// kwokStorageClass is the default StorageClass of kwok's volume stages; claims without a class get it.
	kwokStorageClass = "kwok-volume"
)

// kwokStages are kwok's own stage files (paths in the sigs.k8s.io/kwok module), read from the module cache:
// the node stages of kwokctl's default set, the pod stages of the "fast" set, and the volume stages. The
// pod-ready stage gets Nodes.ReadyDelay.
var kwokStages = []string{
	"kustomize/stage/node/fast/node-initialize.yaml",
	"kustomize/stage/node/heartbeat/node-heartbeat.yaml",
	"kustomize/stage/pod/fast/pod-ready.yaml",
	"kustomize/stage/pod/fast/pod-complete.yaml",
	"kustomize/stage/pod/fast/pod-delete.yaml",
	"kustomize/stage/volume/fast/pvc-provision.yaml",
	"kustomize/stage/volume/fast/pv-bind.yaml",
	"kustomize/stage/volume/fast/pvc-delete.yaml",
	"kustomize/stage/volume/fast/pv-delete.yaml",
}

func (n *Nodes) withDefaults() Nodes {
	out := *n
	if len(out.Zones) == 0 {
		out.Zones = []string{"zone-a", "zone-b", "zone-c"}
	}
	if out.PerZone == 0 {
		out.PerZone = 2
	}
	return out
}

// NodeNames returns the fake Node names, zone by zone: <zone>-<i>.
func (n *Nodes) NodeNames() []string {
	d := n.withDefaults()
	var names []string
	for _, z := range d.Zones {
		for i := 1; i <= d.PerZone; i++ {
			names = append(names, fmt.Sprintf("%s-%d", z, i))
		}
	}
	return names
}

// startNodes runs kwok and kube-scheduler against the cluster, creates the fake Nodes and waits until kwok has
// made them all Ready and the NodeLifecycle controller has lifted their not-ready taint.
func (c *Cluster) startNodes(t testing.TB, opts Nodes, kwokBin, schedulerBin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mod := moduleDir(t, "sigs.k8s.io/kwok", "KWOK_VERSION")

	// kwok's default StorageClass, so that claims without a class are provisioned by its volume stages.
	sc, err := os.ReadFile(filepath.Join(mod, "kustomize", "stage", "volume", "fast", "storage-class.yaml"))
	if err != nil {
		t.Fatalf("kubeapi: kwok storage class: %v", err)
	}
	if _, err := c.ApplyYAML(ctx, "", sc); err != nil {
		t.Fatalf("kubeapi: apply kwok storage class: %v", err)
	}

	config := filepath.Join(c.Dir, "kwok-stages.yaml")
	writeFile(t, config, kwokConfig(t, mod, opts.ReadyDelay))
	// kwok reads ~/.kwok/kwok.yaml if it exists: a HOME of its own keeps a developer's config out.
	home := filepath.Join(c.Dir, "kwok-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	startProcessEnv(t, c.Dir, "kwok", kwokBin, []string{"HOME=" + home},
		"--kubeconfig="+c.Kubeconfig,
		"--config="+config,
		"--manage-nodes-with-label-selector="+FakeNodeLabel+"=fake",
		// Documentation ranges (TEST-NET-1): pod and node IPs are only data in status, never routed.
		"--cidr=192.0.2.0/24",
		"--node-ip=192.0.2.1",
	)

	schedulerConfig := filepath.Join(c.Dir, "kube-scheduler.yaml")
	writeFile(t, schedulerConfig, schedulerConfigYAML(t, c.Kubeconfig))
	startProcess(t, c.Dir, "kube-scheduler", schedulerBin,
		"--config="+schedulerConfig,
		"--secure-port=0",
	)

	for _, name := range opts.NodeNames() {
		zone := name[:strings.LastIndex(name, "-")]
		capacity := NodeCapacity
		if zone == opts.Zones[0] {
			capacity = bigNodeCapacity()
		}
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			FakeNodeLabel:                    "fake",
			ZoneLabel:                        zone,
			HostnameLabel:                    name,
			"kubernetes.io/os":               "linux",
			"kubernetes.io/arch":             "amd64",
			"node-role.kubernetes.io/worker": "",
		}}}
		if _, err := c.clientset.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("kubeapi: create node %s: %v", name, err)
		}
		if err := c.setNodeCapacity(ctx, name, capacity); err != nil {
			t.Fatalf("kubeapi: %v", err)
		}
	}
	c.WaitFor(t, time.Minute, "fake nodes ready", func(ctx context.Context) (bool, error) {
		nodes, err := c.clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: FakeNodeLabel + "=fake"})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && len(n.Spec.Taints) == 0 {
					ready++
				}
			}
		}
		return ready == len(opts.NodeNames()), nil
	})
}

// NodeCapacity is what every fake Node offers but those of the first zone, which offer four times as much. kwok's node-initialize stage keeps a capacity that is already set,
// and its default has no ephemeral-storage, so pods that request it (as the rendered ones do) would never fit.
var NodeCapacity = corev1.ResourceList{
	corev1.ResourceCPU:              resource.MustParse("32"),
	corev1.ResourceMemory:           resource.MustParse("128Gi"),
	corev1.ResourceEphemeralStorage: resource.MustParse("200Gi"),
	corev1.ResourcePods:             resource.MustParse("110"),
}

// bigNodeCapacity is NodeCapacity times four: LeastAllocated scores a Node by its free share after placing the
// pod, so among empty Nodes the bigger ones win.
func bigNodeCapacity() corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range NodeCapacity {
		if name == corev1.ResourcePods {
			out[name] = q
			continue
		}
		out[name] = *resource.NewQuantity(4*q.Value(), q.Format)
	}
	return out
}

// schedulerConfigYAML is a KubeSchedulerConfiguration for the test scheduler: the kubeconfig, no leader
// election, and PodTopologySpread with defaultingType List and no default constraints, which turns the built-in
// soft zone and host spreading off (kube-scheduler's config/v1 API).
func schedulerConfigYAML(t testing.TB, kubeconfig string) string {
	t.Helper()
	b, err := yaml.Marshal(map[string]any{
		"apiVersion":       "kubescheduler.config.k8s.io/v1",
		"kind":             "KubeSchedulerConfiguration",
		"clientConnection": map[string]any{"kubeconfig": kubeconfig},
		"leaderElection":   map[string]any{"leaderElect": false},
		"profiles": []any{map[string]any{
			"schedulerName": corev1.DefaultSchedulerName,
			"pluginConfig": []any{map[string]any{
				"name": "PodTopologySpread",
				"args": map[string]any{"defaultingType": "List"},
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// setNodeCapacity writes capacity into the Node's status, whether or not kwok has initialised it yet.
func (c *Cluster) setNodeCapacity(ctx context.Context, name string, capacity corev1.ResourceList) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := c.clientset.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		n.Status.Capacity, n.Status.Allocatable = capacity.DeepCopy(), capacity.DeepCopy()
		_, err = c.clientset.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
}

// kwokConfig joins kwok's stage files into one --config document stream, with delay on the pod-ready stage.
func kwokConfig(t testing.TB, mod string, delay time.Duration) string {
	t.Helper()
	var docs []string
	for _, f := range kwokStages {
		b, err := os.ReadFile(filepath.Join(mod, filepath.FromSlash(f)))
		if err != nil {
			t.Fatalf("kubeapi: kwok stage: %v", err)
		}
		if filepath.Base(f) == "pod-ready.yaml" && delay > 0 {
			var st unstructured.Unstructured
			if err := yaml.Unmarshal(b, &st.Object); err != nil {
				t.Fatalf("kubeapi: %s: %v", f, err)
			}
			if err := unstructured.SetNestedField(st.Object, delay.Milliseconds(), "spec", "delay", "durationMilliseconds"); err != nil {
				t.Fatal(err)
			}
			if b, err = yaml.Marshal(st.Object); err != nil {
				t.Fatal(err)
			}
		}
		docs = append(docs, string(b))
	}
	return strings.Join(docs, "\n---\n")
}

// SetPodReady sets the Ready and ContainersReady conditions of a running pod, as a kubelet does when a
// readiness probe starts failing or passes again. kwok leaves a running pod's conditions alone, so the value
// holds until set again.
func (c *Cluster) SetPodReady(ctx context.Context, namespace, name string, ready bool) error {
	pod, err := c.clientset.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get pod %s: %w", name, err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	now := metav1.Now()
	for i := range pod.Status.Conditions {
		cond := &pod.Status.Conditions[i]
		if (cond.Type == corev1.PodReady || cond.Type == corev1.ContainersReady) && cond.Status != status {
			cond.Status, cond.LastTransitionTime = status, now
		}
	}
	for i := range pod.Status.ContainerStatuses {
		pod.Status.ContainerStatuses[i].Ready = ready
	}
	if _, err := c.clientset.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set pod %s ready=%t: %w", name, ready, err)
	}
	return nil
}

// Evict asks the Eviction API (policy/v1) to evict a pod, as kubectl drain does. The API server refuses with
// 429 TooManyRequests when a PodDisruptionBudget does not allow the disruption.
func (c *Cluster) Evict(ctx context.Context, namespace, name string) error {
	return c.clientset.PolicyV1().Evictions(namespace).Evict(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
	})
}
