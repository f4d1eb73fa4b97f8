// Package changes tests the render's change check end to end: real `kpt fn render` sequences on committed
// packages, and a real kube-apiserver that decides whether the check tells the truth about StatefulSet updates.
package changes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/changes"
	"github.com/robustmq/robustmq-kpt/test/e2e"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// refusedChanges are the kinds of change the function says the API server refuses.
var refusedChanges = map[string]bool{
	"storage-size": true, "storage-class": true, "access-modes": true, "volume-claim-templates": true,
	"selector": true, "service-name": true, "pod-management-policy": true, "statefulset-spec": true,
}

const splitPools = `  pools:
    - {name: meta, roles: [meta], replicas: 3, brokerIdStart: 1, storage: {size: 10Gi}}
    - {name: broker, roles: [broker], replicas: 2, brokerIdStart: 101}
    - {name: engine, roles: [engine], replicas: 3, brokerIdStart: 201, storage: {size: 10Gi}}
`

const basePools = `  pools:
    - name: node
      roles: [meta, broker, engine]
      replicas: 3
      storage:
        size: 10Gi
`

type matrixCase struct {
	name          string
	before, after []string // pairs of (from, to) edits of packages/robustmq/cluster.yaml
	// refused is what the function must say; the API server then has to agree.
	refused bool
}

func matrix() []matrixCase {
	split := []string{basePools, splitPools}
	return []matrixCase{
		{name: "image", after: []string{"  version: v0.4.11", "  version: v0.4.10"}},
		{name: "resources", after: []string{"      replicas: 3\n", "      replicas: 3\n      resources: {limits: {memory: 3Gi}}\n"}},
		{name: "server.toml key", after: []string{"  listeners:", "  extraConfig: {mqtt_runtime.keep_alive.max_time: 3600}\n  listeners:"}},
		{name: "log level", after: []string{"  listeners:", "  logging: {level: warn}\n  listeners:"}},
		{name: "environment dev", after: []string{"  environment: staging", "  environment: dev"}},
		{name: "storage grows", after: []string{"size: 10Gi", "size: 20Gi"}, refused: true},
		{name: "storage class", after: []string{"        size: 10Gi\n", "        size: 10Gi\n        storageClassName: fast\n"}, refused: true},
		{name: "meta scale-up", after: []string{"replicas: 3", "replicas: 5"}},
		{name: "meta scale-down", after: []string{"replicas: 3", "replicas: 1"}},
		{name: "service LoadBalancer", after: []string{"    type: ClusterIP", "    type: LoadBalancer"}},
		{name: "service NodePort to ClusterIP", before: []string{"    type: ClusterIP", "    type: NodePort"}, after: []string{"    type: NodePort", "    type: ClusterIP"}},
		{name: "expose kafka", after: []string{"  listeners:\n", "  listeners:\n    kafka: {expose: true}\n"}},
		{name: "unexpose websocket", after: []string{"      websocket: {port: 8083}", "      websocket: {port: 8083, expose: false}"}},
		{name: "tls secret", after: []string{"secretName: robustmq-tls", "secretName: robustmq-tls-2"}},
		{name: "auth secret", after: []string{"mqtt: {secretName: robustmq-mqtt}", "mqtt: {secretName: mqtt-users}"}},
		{name: "no pdb", after: []string{"  service:", "  podDisruptionBudgets: false\n  service:"}},
		{name: "rename", after: []string{"  name: robustmq\n", "  name: broker\n"}},
		{name: "namespace move", after: []string{"  name: robustmq\n", "  name: robustmq\n  namespace: t-moved\n"}},
		{name: "broker scale-up", before: split, after: []string{"replicas: 2, brokerIdStart: 101", "replicas: 4, brokerIdStart: 101"}},
		{name: "broker scale-down", before: split, after: []string{"replicas: 2, brokerIdStart: 101", "replicas: 1, brokerIdStart: 101"}},
		{name: "engine scale-down", before: split, after: []string{"replicas: 3, brokerIdStart: 201", "replicas: 2, brokerIdStart: 201"}},
		{name: "engine storage grows", before: split, after: []string{"brokerIdStart: 201, storage: {size: 10Gi}", "brokerIdStart: 201, storage: {size: 30Gi}"}, refused: true},
		{name: "pool removed", before: split, after: []string{"    - {name: broker, roles: [broker], replicas: 2, brokerIdStart: 101}\n",
			"    - {name: front, roles: [broker], replicas: 2, brokerIdStart: 111}\n"}},
	}
}

// The real API server decides. For each (before, after) pair: apply the before render (server-side, strict), then
// render the after config. What renders without approval must be accepted by the API server; a change the
// function says the API server refuses must be refused; approved changes that are not such refusals (meta
// replicas, removed pools, renames) are accepted too, since the approval is about RobustMQ, not the API.
func TestAPIServerAgrees(t *testing.T) {
	c := kubeapi.Start(t, kubeapi.Options{})
	t.Run("ConfigMatrix", func(t *testing.T) { configMatrix(t, c) })
	t.Run("StatefulSetFields", func(t *testing.T) { statefulSetFields(t, c) })
	t.Run("FunctionUpgrade", func(t *testing.T) { functionUpgrade(t, c) })
}

// A function upgrade on a running cluster: over the objects of an older release (another version stamp), the API
// server takes the current render as a metadata-only update. No workload's spec changes (metadata.generation
// stays, and a Job's immutable pod template is accepted as it is), so no pod rolls.
func functionUpgrade(t *testing.T, c *kubeapi.Cluster) {
	root, err := e2e.Root()
	require.NoError(t, err)
	const stamp = "robustmq.io/generator-version"
	for _, tc := range []struct{ pkg, ns string }{{"packages/robustmq", "t-upgrade"}, {"blueprints/day2-autoscaled", "mq-day2"}} {
		t.Run(tc.pkg, func(t *testing.T) {
			ctx := context.Background()
			c.RestrictedNamespace(t, tc.ns)
			objs, err := e2e.Applyable(filepath.Join(root, tc.pkg))
			require.NoError(t, err)
			current := e2e.BuiltIn(objs)
			for _, o := range objs {
				if o.GetAPIVersion() == "batch/v1" {
					current = append(current, o)
				}
			}
			var older []unstructured.Unstructured
			for _, o := range current {
				require.Equal(t, robustmqkpt.Version, o.GetAnnotations()[stamp], "%s %s", o.GetKind(), o.GetName())
				o = *o.DeepCopy()
				a := o.GetAnnotations()
				a[stamp] = "v0.0.9"
				o.SetAnnotations(a)
				older = append(older, o)
			}
			was, err := c.Apply(ctx, tc.ns, older)
			require.NoError(t, err, "apply the older release's render")
			is, err := c.Apply(ctx, tc.ns, current)
			require.NoError(t, err, "apply this release's render over it")
			workloads := map[string]int{}
			for i, o := range is.Objects {
				id := o.GVK.Kind + " " + o.Name
				assert.True(t, o.Changed, "%s: the stamp is updated", id)
				assert.Equal(t, robustmqkpt.Version, o.Object.GetAnnotations()[stamp], id)
				if k := o.GVK.Kind; k == "StatefulSet" || k == "Job" {
					workloads[k]++
					assert.Equal(t, was.Objects[i].Object.GetGeneration(), o.Object.GetGeneration(), "%s: the spec changed", id)
				}
			}
			assert.Positive(t, workloads["StatefulSet"])
			if tc.ns == "mq-day2" {
				assert.Equal(t, 1, workloads["Job"], "the runtime-config Job")
			}
		})
	}
}

func configMatrix(t *testing.T, c *kubeapi.Cluster) {
	root, err := e2e.Root()
	require.NoError(t, err)
	claimedRefusals, accepted := 0, 0
	for i, tc := range matrix() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ns := fmt.Sprintf("t-matrix-%d", i)
			c.RestrictedNamespace(t, ns)
			work := filepath.Join(t.TempDir(), "robustmq")
			require.NoError(t, e2e.CopyDir(filepath.Join(root, "packages", "robustmq"), work))
			cfg := filepath.Join(work, "cluster.yaml")
			if len(tc.before) > 0 {
				editFile(t, cfg, tc.before...)
				require.NoError(t, os.RemoveAll(filepath.Join(work, "robustmq")), "a fresh cluster, no baseline")
				out, err := e2e.Render(work)
				require.NoError(t, err, out)
			}
			_, err := c.Apply(ctx, ns, applyable(t, work))
			require.NoError(t, err, "apply the before render")

			editFile(t, cfg, tc.after...)
			out, results, err := e2e.RenderResults(work)
			blocked := err != nil
			refusal := false
			for _, r := range results {
				refusal = refusal || refusedChanges[r.Tags["robustmq.io/change"]]
				require.False(t, r.Severity == "error" && r.Tags["robustmq.io/change"] != "" && r.Tags["robustmq.io/change-id"] == "",
					"the matrix holds approvable changes only: %s", r.Message)
			}
			assert.Equal(t, tc.refused, refusal, "what the function says the API server refuses:\n%s", out)
			if blocked {
				ids := e2e.ChangeIDs(out)
				require.NotEmpty(t, ids, out)
				require.NoError(t, e2e.Approve(cfg, ids...))
				out, err = e2e.Render(work)
				require.NoError(t, err, "an approved change renders:\n%s", out)
			}
			if strings.Contains(tc.name, "namespace") {
				c.RestrictedNamespace(t, "t-moved")
			}
			_, err = c.Apply(ctx, ns, applyable(t, work))
			if refusal {
				claimedRefusals++
				require.Error(t, err, "the function said the API server refuses this update:\n%s", out)
				assert.Contains(t, err.Error(), "Forbidden: updates to statefulset spec for fields other than")
				return
			}
			accepted++
			require.NoError(t, err, "the function let this through (blocked: %v), the API server must accept it", blocked)
		})
	}
	// The matrix itself must exercise both sides.
	assert.Positive(t, claimedRefusals)
	assert.Positive(t, accepted)
}

func editFile(t *testing.T, file string, pairs ...string) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	s := string(b)
	for i := 0; i+1 < len(pairs); i += 2 {
		require.Contains(t, s, pairs[i])
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	require.NoError(t, os.WriteFile(file, []byte(s), 0o644))
}

// applyable reads the objects of a rendered package that a plain API server knows: no local config, no CRD kinds.
func applyable(t *testing.T, dir string) []unstructured.Unstructured {
	t.Helper()
	objs, err := e2e.Applyable(dir)
	require.NoError(t, err)
	out := e2e.BuiltIn(objs)
	require.NotEmpty(t, out, dir)
	return out
}

// Field by field, on a rendered StatefulSet: the classifier's verdict (refused or not) is the API server's. This
// covers the fields no config edit reaches (selector, serviceName, podManagementPolicy, accessModes, the fields
// apps/v1 lets change).
func statefulSetFields(t *testing.T, c *kubeapi.Cluster) {
	root, err := e2e.Root()
	require.NoError(t, err)
	var base *unstructured.Unstructured
	for _, o := range applyable(t, filepath.Join(root, "packages", "robustmq")) {
		if o.GetKind() == "StatefulSet" {
			base = o.DeepCopy()
		}
	}
	require.NotNil(t, base)
	set := func(v any, path ...string) func(m map[string]any) {
		return func(m map[string]any) { require.NoError(t, unstructured.SetNestedField(m, v, path...)) }
	}
	claim := func(v any, path ...string) func(m map[string]any) {
		return func(m map[string]any) {
			vcts, _, _ := unstructured.NestedSlice(m, "spec", "volumeClaimTemplates")
			require.Len(t, vcts, 1)
			vct := vcts[0].(map[string]any)
			require.NoError(t, unstructured.SetNestedField(vct, v, path...))
			require.NoError(t, unstructured.SetNestedSlice(m, vcts, "spec", "volumeClaimTemplates"))
		}
	}
	cases := map[string]struct {
		edit    func(m map[string]any)
		refused bool
	}{
		"replicas":             {set(int64(4), "spec", "replicas"), false},
		"ordinals":             {set(int64(2), "spec", "ordinals", "start"), false},
		"template image":       {func(m map[string]any) { setContainer(t, m, "image", "ghcr.io/robustmq/robustmq:v0.4.10") }, false},
		"updateStrategy":       {set(map[string]any{"type": "OnDelete"}, "spec", "updateStrategy"), false},
		"minReadySeconds":      {set(int64(10), "spec", "minReadySeconds"), false},
		"revisionHistoryLimit": {set(int64(5), "spec", "revisionHistoryLimit"), false},
		"pvc retention":        {set("Delete", "spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"), false},
		"selector": {func(m map[string]any) {
			set("x", "spec", "selector", "matchLabels", "extra")(m)
			set("x", "spec", "template", "metadata", "labels", "extra")(m)
		}, true},
		"serviceName":         {set("other-headless", "spec", "serviceName"), true},
		"podManagementPolicy": {set("Parallel", "spec", "podManagementPolicy"), true},
		"claim size":          {claim("20Gi", "spec", "resources", "requests", "storage"), true},
		"claim class":         {claim("fast", "spec", "storageClassName"), true},
		"claim accessModes":   {claim([]any{"ReadWriteOncePod"}, "spec", "accessModes"), true},
		"claim labels":        {claim("x", "metadata", "labels", "extra"), true},
	}
	i := 0
	for name, tc := range cases {
		i++
		ns := fmt.Sprintf("t-fields-%d", i)
		t.Run(name, func(t *testing.T) {
			after := base.DeepCopy()
			tc.edit(after.Object)
			findings, err := changes.Compare([]changes.Object{object(base)}, []changes.Object{object(after)})
			require.NoError(t, err)
			refused := false
			for _, f := range findings {
				refused = refused || refusedChanges[f.Change]
			}
			assert.Equal(t, tc.refused, refused, "the classifier's verdict: %v", findings)

			c.RestrictedNamespace(t, ns)
			ctx := context.Background()
			_, err = c.Apply(ctx, ns, []unstructured.Unstructured{*base.DeepCopy()})
			require.NoError(t, err)
			_, err = c.Apply(ctx, ns, []unstructured.Unstructured{*after})
			if refused {
				require.Error(t, err, "the classifier says the API server refuses this")
				assert.Contains(t, err.Error(), "Forbidden: updates to statefulset spec for fields other than")
			} else {
				require.NoError(t, err, "the classifier lets this through")
			}
		})
	}
}

func setContainer(t *testing.T, m map[string]any, field string, v any) {
	cs, _, _ := unstructured.NestedSlice(m, "spec", "template", "spec", "containers")
	require.NotEmpty(t, cs)
	cs[0].(map[string]any)[field] = v
	require.NoError(t, unstructured.SetNestedSlice(m, cs, "spec", "template", "spec", "containers"))
}

// object is a rendered object as the classifier reads it.
func object(u *unstructured.Unstructured) changes.Object {
	return changes.Object{
		Kind: u.GetKind(), Name: u.GetName(), Namespace: u.GetNamespace(),
		Cluster: u.GetAnnotations()["robustmq.io/cluster"], Pool: u.GetLabels()["app.kubernetes.io/component"],
		File: "robustmq/pool-" + u.GetLabels()["app.kubernetes.io/component"] + "-statefulset.yaml",
		Map:  func() (map[string]any, error) { return u.DeepCopy().Object, nil },
	}
}
