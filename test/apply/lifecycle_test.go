package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// The day-2 blueprint against the real controllers: the HPA controller sets the replicas of the StatefulSet that
// carries none, a re-apply leaves the count to the HPA, and the Job controller creates the runtime-config pod,
// which the restricted Pod Security admission lets in. The Velero Schedule is admitted by Velero's CRD (the
// rendered-packages check applies it too, with every other blueprint object).
func day2ObjectsWithControllers(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	work := freshRender(t, filepath.Join(root, "blueprints", "day2-autoscaled"))
	objs := rendered(t, work)
	ns := "mq-day2" // the blueprint's namespace, written into every object
	cs := c.Clientset()
	// RenderedPackagesApplyStrictly may have created the namespaces (restricted) already.
	for _, name := range []string{ns, "velero"} {
		if _, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}); err != nil {
			c.RestrictedNamespace(t, name)
		}
	}
	_, err = c.Apply(ctx, ns, objs)
	require.NoError(t, err)

	c.WaitFor(t, 2*time.Minute, "the HPA scales mq-day2-broker to minReplicas", func(ctx context.Context) (bool, error) {
		sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "mq-day2-broker", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return sts.Spec.Replicas != nil && *sts.Spec.Replicas == 2, nil
	})
	hpa, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "mq-day2-broker", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(2), hpa.Status.DesiredReplicas, "the controller read the generated HPA")

	// A re-apply of the render must not reset the HPA's count.
	res, err := c.Apply(ctx, ns, rendered(t, work))
	require.NoError(t, err)
	for _, o := range res.Objects {
		assert.False(t, o.Changed, "re-apply changed %s %s/%s", o.GVK.Kind, o.Namespace, o.Name)
	}
	sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "mq-day2-broker", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(2), *sts.Spec.Replicas, "the apply left replicas to the HPA")

	c.WaitFor(t, time.Minute, "the Job controller creates the runtime-config pod", func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=robustmq-runtime-config"})
		if err != nil {
			return false, err
		}
		return len(pods.Items) == 1, nil
	})

	// A runtime config change, rendered and applied: a new Job, and no StatefulSet changes (no pod rolls).
	generations := map[string]int64{}
	for _, name := range []string{"mq-day2-core", "mq-day2-broker"} {
		sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		generations[name] = sts.Generation
	}
	jobs, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, jobs.Items, 1)
	cluster := filepath.Join(work, "cluster.yaml")
	b, err := os.ReadFile(cluster)
	require.NoError(t, err)
	edited := strings.Replace(string(b), "max_messages_num: 1000", "max_messages_num: 2000", 1)
	require.NotEqual(t, string(b), edited)
	require.NoError(t, os.WriteFile(cluster, []byte(edited), 0o644))
	out, err := e2e.Render(work)
	require.NoError(t, err, "%s", out)
	objs = rendered(t, work)
	var job string
	for _, o := range objs {
		if o.GetKind() == "Job" {
			job = o.GetName()
		}
	}
	require.NotEqual(t, jobs.Items[0].Name, job, "a new Job name")
	res, err = c.Apply(ctx, ns, objs)
	require.NoError(t, err)
	var changed []string
	for _, o := range res.Objects {
		if o.Changed {
			changed = append(changed, o.GVK.Kind+"/"+o.Name)
		}
	}
	jobs, err = cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, jobs.Items, 2, "the change runs as a new Job (the old one stays until a pruning apply removes it)")
	assert.ElementsMatch(t, []string{"ConfigMap/mq-day2-runtime-config", "Job/" + job}, changed)
	for name, gen := range generations {
		sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, gen, sts.Generation, "StatefulSet %s did not change: no pod rolls", name)
	}
}

// The KEDA variant of the blueprint's broker pool: KEDA's own CRD admits the ScaledObject (strict apply, no
// warning), and no HPA of ours is rendered next to it. KEDA itself does not run here.
func kedaScaledObjectAdmitted(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	work := filepath.Join(t.TempDir(), "day2-keda")
	// A variant in another namespace is a new cluster: a fresh copy, without the blueprint's never-applied render.
	require.NoError(t, e2e.FreshCopy(filepath.Join(root, "blueprints", "day2-autoscaled"), work, "mq-day2"))
	cluster := filepath.Join(work, "cluster.yaml")
	b, err := os.ReadFile(cluster)
	require.NoError(t, err)
	edited := strings.Replace(string(b), "        scaleDownStabilizationSeconds: 600\n",
		"        scaleDownStabilizationSeconds: 600\n        keda: {prometheusAddress: \"http://prometheus-operated.monitoring.svc:9090\", connectionsPerPod: 5000}\n", 1)
	edited = strings.Replace(edited, "  namespace: mq-day2\n", "  namespace: mq-day2-keda\n", 1)
	require.NotEqual(t, string(b), edited)
	require.NoError(t, os.WriteFile(cluster, []byte(edited), 0o644))
	out, err := e2e.Render(work)
	require.NoError(t, err, "%s", out)
	objs := rendered(t, work)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	require.Contains(t, kinds, "ScaledObject")
	require.NotContains(t, kinds, "HorizontalPodAutoscaler")
	cs := c.Clientset()
	for _, name := range []string{"mq-day2-keda", "velero"} {
		if _, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}); err != nil {
			c.RestrictedNamespace(t, name)
		}
	}
	res, err := c.Apply(ctx, "mq-day2-keda", objs)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
}

// Turning autoscaling on for a running pool (docs/changes.md#autoscaling-on), on the real API server: the apply
// removes spec.replicas and the pool falls below its count; after the documented handover (a second field
// manager claims replicas) it keeps its pods.
func autoscalingHandover(t *testing.T, c *kubeapi.Cluster) {
	ctx := context.Background()
	root, err := e2e.Root()
	require.NoError(t, err)
	cs := c.Clientset()
	work := filepath.Join(t.TempDir(), "handover")
	var autoscaling string
	variant := func(ns string, autoscaled bool) []unstructured.Unstructured {
		// One package per namespace, rendered twice: the second render is compared with the first, as in Git.
		if !autoscaled {
			require.NoError(t, os.RemoveAll(work))
			require.NoError(t, e2e.FreshCopy(filepath.Join(root, "blueprints", "day2-autoscaled"), work, "mq-day2"))
		}
		cluster := filepath.Join(work, "cluster.yaml")
		b, err := os.ReadFile(cluster)
		require.NoError(t, err)
		s := strings.Replace(string(b), "  namespace: mq-day2\n", "  namespace: "+ns+"\n", 1)
		if autoscaled {
			k := strings.LastIndex(s, "      replicas: 3\n") // the broker pool's, after the core pool's
			s = s[:k] + autoscaling + s[k+len("      replicas: 3\n"):]
		} else {
			i := strings.Index(s, "      autoscaling:\n")
			j := strings.Index(s, "        scaleDownStabilizationSeconds: 600\n") + len("        scaleDownStabilizationSeconds: 600\n")
			require.True(t, i > 0 && j > i)
			autoscaling = s[i:j]
			s = s[:i] + "      replicas: 3\n" + s[j:]
		}
		require.NoError(t, os.WriteFile(cluster, []byte(s), 0o644))
		out, err := e2e.Render(work)
		require.NoError(t, err, "%s", out)
		if autoscaled {
			assert.Contains(t, out, "hands its replicas to a HorizontalPodAutoscaler", "the change check warns")
		}
		return rendered(t, work)
	}
	brokerReplicas := func(ns string) int32 {
		sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "mq-day2-broker", metav1.GetOptions{})
		require.NoError(t, err)
		require.NotNil(t, sts.Spec.Replicas)
		return *sts.Spec.Replicas
	}
	for _, handover := range []bool{false, true} {
		ns := "t-handover-" + fmt.Sprint(handover)
		for _, n := range []string{ns, "velero"} {
			if _, err := cs.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{}); err != nil {
				c.RestrictedNamespace(t, n)
			}
		}
		_, err := c.Apply(ctx, ns, variant(ns, false))
		require.NoError(t, err)
		require.Equal(t, int32(3), brokerReplicas(ns))
		if handover {
			_, err := cs.AppsV1().StatefulSets(ns).Patch(ctx, "mq-day2-broker", types.ApplyPatchType,
				[]byte(`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"mq-day2-broker"},"spec":{"replicas":3}}`),
				metav1.PatchOptions{FieldManager: "handover-to-hpa"})
			require.NoError(t, err)
		}
		_, err = c.Apply(ctx, ns, variant(ns, true))
		require.NoError(t, err)
		if !handover {
			// Defaulted to 1 by the apply; the HPA may already have raised it to minReplicas (2).
			assert.Less(t, brokerReplicas(ns), int32(3), "without the handover the apply drops the count")
			continue
		}
		assert.Equal(t, int32(3), brokerReplicas(ns), "the handover keeps the count")
		time.Sleep(5 * time.Second) // the HPA has seen the new StatefulSet; 3 is within its bounds, it keeps 3
		assert.Equal(t, int32(3), brokerReplicas(ns))
	}
}
