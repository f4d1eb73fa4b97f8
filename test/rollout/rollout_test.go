// Package rollout deploys the rendered prod-ha blueprint on the simulated-node tier (kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok with fake Nodes in three zones) and watches the real
// StatefulSet, disruption and scheduling machinery start, roll, evict and scale its pools.
package rollout

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// readyDelay is how long kwok keeps a new pod Pending before it is Running and Ready: long enough that the
// controllers' waiting is observable, short enough for a quick suite.
const readyDelay = 2 * time.Second

// minReady is the rollout.minReadySeconds the suite sets on every pool, in place of the 30 s / 10 s defaults, to
// keep the suite short; the waiting it causes is what configChangeRolls measures.
const minReady = 3 * time.Second

var rolloutLine = fmt.Sprintf("      rollout: {minReadySeconds: %d}\n", int(minReady.Seconds()))

// Pools of the prod-ha blueprint: StatefulSet mq-prod-<pool>, ordinals from brokerIdStart.
const (
	metaStart, brokerStart, engineStart = 1, 101, 201
)

func TestRollouts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no control plane")
	}
	c := kubeapi.Start(t, kubeapi.Options{Nodes: &kubeapi.Nodes{ReadyDelay: readyDelay}})
	ns := "roll"
	p := deploy(t, c, ns)
	t.Run("MetaPoolComesUpOrderedReady", func(t *testing.T) { metaComesUpOrderedReady(t, p) })
	t.Run("PodsSpreadOverZones", func(t *testing.T) { podsSpreadOverZones(t, p) })
	t.Run("ConfigChangeRollsOneAtATimeFromTheTop", func(t *testing.T) { configChangeRolls(t, p) })
	t.Run("PartitionRollsOnlyTheCanaries", func(t *testing.T) { partitionRollsOnlyCanaries(t, p) })
	t.Run("PDBRefusesASecondMetaEviction", func(t *testing.T) { pdbRefusesSecondEviction(t, p) })
	t.Run("ScaleDownKeepsPVCs", func(t *testing.T) { scaleDownKeepsPVCs(t, p) })
	t.Run("BrokerPoolScalesUpAndDown", func(t *testing.T) { brokerScales(t, p) })
	t.Run("MaxUnavailableIsDroppedWithoutTheGate", func(t *testing.T) { maxUnavailableDropped(t, p) })
	t.Run("ThirdMetaPodWaitsForAThirdZone", func(t *testing.T) { thirdZoneRequired(t, c) })
}

var (
	brokerRollout           = "      brokerIdStart: 101\n" + rolloutLine
	brokerMaxUnavailableTwo = fmt.Sprintf("      brokerIdStart: 101\n      rollout: {minReadySeconds: %d, maxUnavailable: 2}\n", int(minReady.Seconds()))
)

// Without the MaxUnavailableStatefulSet feature gate (beta, off by default in v1.36) the API server drops
// rollout.maxUnavailable from the StatefulSet, as docs/operations.md says.
func maxUnavailableDropped(t *testing.T, p *pkg) {
	p.edit(t, brokerRollout, brokerMaxUnavailableTwo)
	p.apply(t)
	ru := p.sts(t, "broker").Spec.UpdateStrategy.RollingUpdate
	assert.True(t, ru == nil || ru.MaxUnavailable == nil, "maxUnavailable dropped without the gate: %+v", ru)
	p.edit(t, brokerMaxUnavailableTwo, brokerRollout)
	p.apply(t)
}

// With the MaxUnavailableStatefulSet gate on kube-apiserver and kube-controller-manager, a broker pool with
// rollout.maxUnavailable: 2 replaces two pods at a time; the meta pool still rolls one at a time.
func TestMaxUnavailableWithTheFeatureGate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no control plane")
	}
	gate := []string{"--feature-gates=MaxUnavailableStatefulSet=true"}
	c := kubeapi.Start(t, kubeapi.Options{Nodes: &kubeapi.Nodes{ReadyDelay: readyDelay},
		ExtraAPIServerArgs: gate, ExtraControllerManagerArgs: gate})
	p := deploy(t, c, "roll-gate",
		[2]string{brokerRollout, brokerMaxUnavailableTwo},
		[2]string{"      replicas: 2\n      brokerIdStart: 101\n", "      replicas: 4\n      brokerIdStart: 101\n"})
	ru := p.sts(t, "broker").Spec.UpdateStrategy.RollingUpdate
	require.True(t, ru != nil && ru.MaxUnavailable != nil, "the gate keeps maxUnavailable on the StatefulSet")
	require.Equal(t, "2", ru.MaxUnavailable.String())
	marks := map[string]int{"broker": p.pods["broker"].len(), "meta": p.pods["meta"].len()}
	p.edit(t, "    format: json\n", "    format: text\n")
	p.apply(t)
	p.waitRolledOut(t, "broker")
	p.waitRolledOut(t, "meta")
	broker := p.pods["broker"].since(marks["broker"])
	assert.Equal(t, 2, maxDown(broker, podNames("broker", ascending(4, brokerStart))), "two broker pods at a time:\n%s", dump(broker))
	meta := p.pods["meta"].since(marks["meta"])
	assert.Equal(t, 1, maxDown(meta, podNames("meta", ascending(3, metaStart))), "meta still one at a time:\n%s", dump(meta))
}

// pkg is a rendered copy of the prod-ha blueprint applied in one namespace, with a recorder per pool that
// started before the first apply.
type pkg struct {
	c    *kubeapi.Cluster
	ns   string
	dir  string // the copy; cluster.yaml is edited here
	pods map[string]*recorder
	t0   time.Time
}

// deploy applies the blueprint with rollout.minReadySeconds = minReady on every pool and the further cluster.yaml
// edits (from, to), and waits until every pool is rolled out.
func deploy(t *testing.T, c *kubeapi.Cluster, ns string, edits ...[2]string) *pkg {
	t.Helper()
	p := newPkg(t, c, ns)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("state of namespace %s:\n%s", ns, describe(c, ns))
		}
	})
	for _, start := range []int{metaStart, brokerStart, engineStart} {
		line := fmt.Sprintf("      brokerIdStart: %d\n", start)
		p.edit(t, line, line+rolloutLine)
	}
	for _, e := range edits {
		p.edit(t, e[0], e[1])
	}
	for _, pool := range []string{"meta", "broker", "engine"} {
		p.pods[pool] = watchPods(t, c.Clientset(), ns, "app.kubernetes.io/instance=mq-prod,app.kubernetes.io/component="+pool)
	}
	p.apply(t)
	for _, pool := range []string{"meta", "broker", "engine"} {
		p.waitRolledOut(t, pool)
	}
	t.Logf("prod-ha up in %s", time.Since(p.t0).Round(100*time.Millisecond))
	return p
}

// newPkg is a fresh copy of the prod-ha blueprint (e2e.FreshCopy) whose cluster is moved to the new restricted
// namespace ns.
func newPkg(t *testing.T, c *kubeapi.Cluster, ns string) *pkg {
	t.Helper()
	root, err := e2e.Root()
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "prod-ha")
	require.NoError(t, e2e.FreshCopy(filepath.Join(root, "blueprints", "prod-ha"), dir, "mq-prod"))
	c.RestrictedNamespace(t, ns)
	p := &pkg{c: c, ns: ns, dir: dir, pods: map[string]*recorder{}, t0: time.Now()}
	p.edit(t, "  namespace: robustmq\n", "  namespace: "+ns+"\n")
	return p
}

// edit replaces one occurrence of from in the package's cluster.yaml.
func (p *pkg) edit(t *testing.T, from, to string) {
	t.Helper()
	f := filepath.Join(p.dir, "cluster.yaml")
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	require.Contains(t, string(b), from)
	require.NoError(t, os.WriteFile(f, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
}

// approve renders the package, expects the render to block exactly one change of the given kind (an id prefix such
// as "engine-scale-down-"), and approves it in cluster.yaml as a user would after reading docs/changes.md.
func (p *pkg) approve(t *testing.T, kind string) {
	t.Helper()
	out, err := e2e.Render(p.dir)
	require.Error(t, err, "the render blocks the change:\n%s", out)
	ids := e2e.ChangeIDs(out)
	require.Len(t, ids, 1, out)
	require.True(t, strings.HasPrefix(ids[0], kind), "blocked %s, want %s*", ids[0], kind)
	require.NoError(t, e2e.Approve(filepath.Join(p.dir, "cluster.yaml"), ids[0]))
}

// apply renders the package with the real kpt and the function built from this tree, and applies what a
// cluster without the Prometheus Operator and cert-manager takes: the core, apps, policy and networking
// objects.
func (p *pkg) apply(t *testing.T) {
	t.Helper()
	out, err := e2e.Render(p.dir)
	require.NoError(t, err, "render:\n%s", out)
	all, err := e2e.Applyable(p.dir)
	require.NoError(t, err)
	objs := e2e.BuiltIn(all)
	require.NotEmpty(t, objs)
	// What pods need first, so the StatefulSet controller never backs off on a missing ServiceAccount.
	sort.SliceStable(objs, func(i, j int) bool {
		return objs[i].GetKind() == "ServiceAccount" && objs[j].GetKind() != "ServiceAccount"
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = p.c.Apply(ctx, p.ns, objs)
	require.NoError(t, err)
}

func (p *pkg) sts(t *testing.T, pool string) *appsv1.StatefulSet {
	t.Helper()
	s, err := p.c.Clientset().AppsV1().StatefulSets(p.ns).Get(context.Background(), "mq-prod-"+pool, metav1.GetOptions{})
	require.NoError(t, err)
	return s
}

// waitRolledOut waits until the pool's StatefulSet has all its replicas Ready on the update revision.
func (p *pkg) waitRolledOut(t *testing.T, pool string) *appsv1.StatefulSet {
	t.Helper()
	var sts *appsv1.StatefulSet
	p.c.WaitFor(t, 3*time.Minute, "statefulset mq-prod-"+pool+" rolled out", func(ctx context.Context) (bool, error) {
		var err error
		sts, err = p.c.Clientset().AppsV1().StatefulSets(p.ns).Get(ctx, "mq-prod-"+pool, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s, want := sts.Status, *sts.Spec.Replicas
		return s.ObservedGeneration >= sts.Generation && s.Replicas == want && s.ReadyReplicas == want &&
			s.AvailableReplicas == want && s.UpdatedReplicas == want && s.CurrentRevision == s.UpdateRevision, nil
	})
	return sts
}

func podNames(pool string, ords []int) []string {
	out := make([]string, 0, len(ords))
	for _, o := range ords {
		out = append(out, fmt.Sprintf("mq-prod-%s-%d", pool, o))
	}
	return out
}

// The meta pool (OrderedReady) creates pod n+1 only once pod n is Ready, lowest ordinal first, so no two meta
// pods ever start together and bootstrap separate Raft clusters. The broker pool (Parallel) is the contrast:
// its pods are created together, so the recorder does see pods start side by side when they do.
func metaComesUpOrderedReady(t *testing.T, p *pkg) {
	steps := p.pods["meta"].snapshot()
	created := filter(steps, "created")
	require.Equal(t, ascending(3, metaStart), ordinals(created), "meta pods are created lowest ordinal first:\n%s", dump(steps))
	for i, s := range steps {
		if s.what != "created" || s.ordinal == metaStart {
			continue
		}
		prev := fmt.Sprintf("mq-prod-meta-%d", s.ordinal-1)
		readyBefore := false
		for _, e := range steps[:i] {
			readyBefore = readyBefore || (e.pod == prev && e.what == "ready")
		}
		assert.True(t, readyBefore, "%s created before %s was Ready:\n%s", s.pod, prev, dump(steps))
	}
	// Each meta pod waited readyDelay, one after the other.
	first, last := created[0].at, filter(steps, "ready")[2].at
	assert.GreaterOrEqual(t, last.Sub(first), 3*readyDelay-500*time.Millisecond, "three sequential starts:\n%s", dump(steps))

	broker := p.pods["broker"].snapshot()
	bc, br := filter(broker, "created"), filter(broker, "ready")
	require.Len(t, bc, 2)
	require.NotEmpty(t, br)
	assert.True(t, bc[1].at.Before(br[0].at), "broker pods (Parallel) start together:\n%s", dump(broker))
}

// Every pool's pods are spread over the three fake zones with a skew of at most one, and no two pods of a pool
// share a node, as the required zone and host spread constraints demand. Nothing else spreads them: the test
// scheduler has no default spreading and prefers the first zone's bigger Nodes (kubeapi.Nodes).
func podsSpreadOverZones(t *testing.T, p *pkg) {
	ctx := context.Background()
	cs := p.c.Clientset()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: kubeapi.FakeNodeLabel})
	require.NoError(t, err)
	zoneOf := map[string]string{}
	for _, n := range nodes.Items {
		zoneOf[n.Name] = n.Labels[kubeapi.ZoneLabel]
	}
	for pool, n := range map[string]int{"meta": 3, "broker": 2, "engine": 3} {
		pods, err := cs.CoreV1().Pods(p.ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=" + pool})
		require.NoError(t, err)
		require.Len(t, pods.Items, n, pool)
		zones, hosts := map[string]int{"zone-a": 0, "zone-b": 0, "zone-c": 0}, map[string]int{}
		for _, pod := range pods.Items {
			require.NotEmpty(t, pod.Spec.NodeName, "%s scheduled", pod.Name)
			zones[zoneOf[pod.Spec.NodeName]]++
			hosts[pod.Spec.NodeName]++
		}
		lo, hi := n, 0
		for _, c := range zones {
			lo, hi = min(lo, c), max(hi, c)
		}
		assert.LessOrEqual(t, hi-lo, 1, "%s pods per zone: %v", pool, zones)
		assert.Len(t, hosts, n, "%s pods each on a node of their own: %v", pool, hosts)
		t.Logf("%s: zones %v", pool, zones)
	}
}

// A config change (a new logging level changes every pool's config hash) rolls each pool one pod at a time,
// highest ordinal first; the next pod goes only once the new one is Ready (and, with minReadySeconds, has
// stayed Ready that long).
func configChangeRolls(t *testing.T, p *pkg) {
	marks := map[string]int{}
	for pool, r := range p.pods {
		marks[pool] = r.len()
	}
	before := p.sts(t, "meta").Status.CurrentRevision
	p.edit(t, "    level: info\n", "    level: debug\n")
	p.apply(t)
	for pool, start := range map[string]int{"meta": metaStart, "broker": brokerStart, "engine": engineStart} {
		sts := p.waitRolledOut(t, pool)
		n := int(*sts.Spec.Replicas)
		steps := p.pods[pool].since(marks[pool])
		assert.Equal(t, descending(n, start), ordinals(deletedForRoll(steps, sts.Status.UpdateRevision)), "%s rolls from the highest ordinal:\n%s", pool, dump(steps))
		assert.Equal(t, 1, maxDown(steps, podNames(pool, ascending(n, start))), "%s: one pod down at a time:\n%s", pool, dump(steps))
		assert.NotEqual(t, before, sts.Status.CurrentRevision)
		assert.Equal(t, int32(minReady.Seconds()), sts.Spec.MinReadySeconds, "rollout.minReadySeconds reaches the StatefulSet")
		checkMinReady(t, steps, minReady)
	}
}

// checkMinReady asserts that after each replaced pod became Ready, the next pod was deleted no sooner than
// minReady later. The controller counts from the Ready condition's lastTransitionTime, which has one-second
// resolution, hence the slack.
func checkMinReady(t *testing.T, steps []step, minReady time.Duration) {
	t.Helper()
	var lastReady time.Time
	for _, s := range steps {
		switch s.what {
		case "ready":
			lastReady = s.at
		case "deleting":
			if !lastReady.IsZero() {
				assert.GreaterOrEqual(t, s.at.Sub(lastReady), minReady-time.Second,
					"%s deleted %s after the previous pod was Ready (minReadySeconds %s):\n%s", s.pod, s.at.Sub(lastReady), minReady, dump(steps))
			}
		}
	}
}

// With one meta pod not Ready, the PDB (minAvailable 2 of 3) allows no disruption: the Eviction API refuses to
// evict a second meta pod. Once the first is Ready again, the same eviction is allowed.
func pdbRefusesSecondEviction(t *testing.T, p *pkg) {
	ctx := context.Background()
	c := p.c
	pdbAllows := func(n int32) {
		c.WaitFor(t, time.Minute, fmt.Sprintf("pdb mq-prod-meta allows %d disruption(s)", n), func(ctx context.Context) (bool, error) {
			pdb, err := c.Clientset().PolicyV1().PodDisruptionBudgets(p.ns).Get(ctx, "mq-prod-meta", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == n, nil
		})
	}
	pdbAllows(1)
	require.NoError(t, c.SetPodReady(ctx, p.ns, "mq-prod-meta-2", false))
	pdbAllows(0)
	err := c.Evict(ctx, p.ns, "mq-prod-meta-3")
	require.Error(t, err, "a second meta pod must not be evicted while another is not Ready")
	assert.True(t, apierrors.IsTooManyRequests(err), "refused by the PDB (429): %v", err)
	t.Logf("eviction refused as expected: %v", err)
	pod, err := c.Clientset().CoreV1().Pods(p.ns).Get(ctx, "mq-prod-meta-3", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Nil(t, pod.DeletionTimestamp)

	require.NoError(t, c.SetPodReady(ctx, p.ns, "mq-prod-meta-2", true))
	pdbAllows(1)
	require.NoError(t, c.Evict(ctx, p.ns, "mq-prod-meta-3"), "with all meta pods Ready one eviction is allowed")
	p.c.WaitFor(t, time.Minute, "mq-prod-meta-3 replaced", func(ctx context.Context) (bool, error) {
		pod, err := c.Clientset().CoreV1().Pods(p.ns).Get(ctx, "mq-prod-meta-3", metav1.GetOptions{})
		return err == nil && pod.UID != "" && pod.DeletionTimestamp == nil && podReady(pod), err
	})
	p.waitRolledOut(t, "meta")
}

func (p *pkg) podOrdinals(t *testing.T, pool string) []string {
	t.Helper()
	pods, err := p.c.Clientset().CoreV1().Pods(p.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=" + pool})
	require.NoError(t, err)
	var names []string
	for _, pod := range pods.Items {
		if pod.DeletionTimestamp == nil {
			names = append(names, pod.Name)
		}
	}
	return sortedNames(names)
}

// Scaling the engine pool from 3 to 2 removes its highest ordinal (203) and keeps every data PVC: the
// StatefulSet's whenScaled: Retain, so a mistaken scale-down loses no segments.
func scaleDownKeepsPVCs(t *testing.T, p *pkg) {
	ctx := context.Background()
	p.edit(t, "      replicas: 3\n      brokerIdStart: 201\n", "      replicas: 2\n      brokerIdStart: 201\n")
	p.approve(t, "engine-scale-down-")
	p.apply(t)
	p.waitRolledOut(t, "engine")
	p.c.WaitFor(t, time.Minute, "mq-prod-engine-203 gone", func(ctx context.Context) (bool, error) {
		_, err := p.c.Clientset().CoreV1().Pods(p.ns).Get(ctx, "mq-prod-engine-203", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	assert.Equal(t, podNames("engine", []int{201, 202}), p.podOrdinals(t, "engine"))
	for _, o := range []int{201, 202, 203} {
		name := fmt.Sprintf("data-mq-prod-engine-%d", o)
		pvc, err := p.c.Clientset().CoreV1().PersistentVolumeClaims(p.ns).Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err, "PVC %s kept", name)
		assert.Nil(t, pvc.DeletionTimestamp, name)
		assert.Equal(t, corev1.ClaimBound, pvc.Status.Phase, name)
	}
}

// The broker pool (Parallel, no PVC) scales up to four pods (101-104) and down to one (101).
func brokerScales(t *testing.T, p *pkg) {
	p.edit(t, "      replicas: 2\n      brokerIdStart: 101\n", "      replicas: 4\n      brokerIdStart: 101\n")
	p.apply(t)
	p.waitRolledOut(t, "broker")
	assert.Equal(t, podNames("broker", ascending(4, brokerStart)), p.podOrdinals(t, "broker"))

	p.edit(t, "      replicas: 4\n      brokerIdStart: 101\n", "      replicas: 1\n      brokerIdStart: 101\n")
	p.apply(t)
	p.waitRolledOut(t, "broker")
	p.c.WaitFor(t, time.Minute, "broker pool down to one pod", func(ctx context.Context) (bool, error) {
		return len(p.podOrdinals(t, "broker")) == 1, nil
	})
	assert.Equal(t, podNames("broker", []int{101}), p.podOrdinals(t, "broker"))
}

// minZones: 3 with zoneSpread: required means a third meta voter never lands in a zone that already holds one:
// with zone-c cordoned, mq-prod-meta-3 stays Pending, reported Unschedulable by the scheduler.
func thirdZoneRequired(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	cs := c.Clientset()
	cordon := func(on bool) {
		for _, name := range []string{"zone-c-1", "zone-c-2"} {
			n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			require.NoError(t, err)
			n.Spec.Unschedulable = on
			_, err = cs.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
			require.NoError(t, err)
		}
	}
	cordon(true)
	t.Cleanup(func() { cordon(false) })

	ns := "roll-two-zones"
	p := newPkg(t, c, ns)
	p.edit(t, "      brokerIdStart: 1\n", "      brokerIdStart: 1\n"+rolloutLine)
	p.apply(t)
	c.WaitFor(t, 2*time.Minute, "mq-prod-meta-3 unschedulable", func(ctx context.Context) (bool, error) {
		pod, err := cs.CoreV1().Pods(ns).Get(ctx, "mq-prod-meta-3", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range pod.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable {
				t.Logf("mq-prod-meta-3: %s", cond.Message)
				return strings.Contains(cond.Message, "topology spread"), nil
			}
		}
		return false, nil
	})
	// It stays so: give the scheduler time to change its mind, then check again.
	time.Sleep(3 * time.Second)
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, "mq-prod-meta-3", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Empty(t, pod.Spec.NodeName, "mq-prod-meta-3 must not be placed in a zone that already holds a voter")
	for _, o := range []int{1, 2} {
		pod, err := cs.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("mq-prod-meta-%d", o), metav1.GetOptions{})
		require.NoError(t, err)
		assert.True(t, podReady(pod), pod.Name)
	}
}

// describe lists the namespace's pods (node, phase, conditions) and claims, for failure messages.
func describe(c *kubeapi.Cluster, ns string) string {
	ctx := context.Background()
	var b strings.Builder
	pods, err := c.Clientset().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	for _, pod := range pods.Items {
		fmt.Fprintf(&b, "pod %s node=%q phase=%s rev=%s deleting=%t\n", pod.Name, pod.Spec.NodeName, pod.Status.Phase,
			pod.Labels["controller-revision-hash"], pod.DeletionTimestamp != nil)
		for _, cond := range pod.Status.Conditions {
			fmt.Fprintf(&b, "  %s=%s %s %s\n", cond.Type, cond.Status, cond.Reason, cond.Message)
		}
	}
	pvcs, err := c.Clientset().CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err == nil {
		for _, pvc := range pvcs.Items {
			class := ""
			if pvc.Spec.StorageClassName != nil {
				class = *pvc.Spec.StorageClassName
			}
			fmt.Fprintf(&b, "pvc %s class=%q phase=%s volume=%q\n", pvc.Name, class, pvc.Status.Phase, pvc.Spec.VolumeName)
		}
	}
	return b.String()
}

// podRevisions maps each pod of the pool to its controller-revision-hash.
func (p *pkg) podRevisions(t *testing.T, pool string) map[string]string {
	t.Helper()
	pods, err := p.c.Clientset().CoreV1().Pods(p.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=" + pool})
	require.NoError(t, err)
	out := map[string]string{}
	for _, pod := range pods.Items {
		out[pod.Name] = pod.Labels[appsv1.ControllerRevisionHashLabelKey]
	}
	return out
}

// rollout.partition is a broker_id: with partition 3 on meta (1-3) only mq-prod-meta-3 takes a config change,
// with 202 on engine (201-203) only 202 and 203 do; the others keep the old revision, also after the canaries
// have been Ready for longer than a roll step, until the partition is removed. A partition written to the
// StatefulSet as the broker_id itself would hold every engine pod back.
func partitionRollsOnlyCanaries(t *testing.T, p *pkg) {
	withPartition := func(part int) string {
		return fmt.Sprintf("      rollout: {minReadySeconds: %d, partition: %d}\n", int(minReady.Seconds()), part)
	}
	metaAt, engineAt := "      brokerIdStart: 1\n", "      brokerIdStart: 201\n"
	p.edit(t, metaAt+rolloutLine, metaAt+withPartition(3))
	p.edit(t, engineAt+rolloutLine, engineAt+withPartition(202))
	p.edit(t, "    format: json\n", "    format: text\n")
	p.apply(t)

	held := func(pool string, updated int32) *appsv1.StatefulSet {
		var sts *appsv1.StatefulSet
		p.c.WaitFor(t, 2*time.Minute, fmt.Sprintf("%s: %d canary pod(s) updated and available", pool, updated), func(ctx context.Context) (bool, error) {
			var err error
			sts, err = p.c.Clientset().AppsV1().StatefulSets(p.ns).Get(ctx, "mq-prod-"+pool, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			s := sts.Status
			return s.ObservedGeneration >= sts.Generation && s.UpdateRevision != s.CurrentRevision &&
				s.UpdatedReplicas == updated && s.AvailableReplicas == *sts.Spec.Replicas, nil
		})
		return sts
	}
	check := func(sts *appsv1.StatefulSet, pool string, canaries map[string]bool) {
		t.Helper()
		for pod, rev := range p.podRevisions(t, pool) {
			want := sts.Status.CurrentRevision
			if canaries[pod] {
				want = sts.Status.UpdateRevision
			}
			assert.Equal(t, want, rev, "revision of %s", pod)
		}
	}
	meta, engine := held("meta", 1), held("engine", 2)
	require.Equal(t, int32(1), *engine.Spec.UpdateStrategy.RollingUpdate.Partition, "partition 202 counts from ordinals.start 201")
	metaCanaries := map[string]bool{"mq-prod-meta-3": true}
	engineCanaries := map[string]bool{"mq-prod-engine-202": true, "mq-prod-engine-203": true}
	check(meta, "meta", metaCanaries)
	check(engine, "engine", engineCanaries)
	// Longer than a roll step: a controller that ignored the partition would have replaced the next pod by now.
	time.Sleep(2 * (readyDelay + minReady))
	check(meta, "meta", metaCanaries)
	check(engine, "engine", engineCanaries)

	mark := p.pods["meta"].len()
	p.edit(t, metaAt+withPartition(3), metaAt+rolloutLine)
	p.edit(t, engineAt+withPartition(202), engineAt+rolloutLine)
	p.apply(t)
	meta = p.waitRolledOut(t, "meta")
	p.waitRolledOut(t, "engine")
	steps := p.pods["meta"].since(mark)
	assert.Equal(t, []int{2, 1}, ordinals(deletedForRoll(steps, meta.Status.UpdateRevision)), "the rest rolls once the partition is removed:\n%s", dump(steps))
}
