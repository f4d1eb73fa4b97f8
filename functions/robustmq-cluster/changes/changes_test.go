package changes_test

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/changes"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// render builds the core objects of a cluster config with the function's own builders, as Compare sees them.
func render(t *testing.T, config string) []changes.Object {
	t.Helper()
	return renderBy(t, config, robustmqkpt.Version)
}

// renderBy renders as the given release of the function would: its version stamped on every object.
func renderBy(t *testing.T, config, generatorVersion string) []changes.Object {
	t.Helper()
	c, errs := v1alpha1.Decode([]byte(config))
	require.Empty(t, errs)
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	tc.Names.GeneratorVersion = generatorVersion
	objs, err := manifests.Build(tc)
	require.NoError(t, err)
	var out []changes.Object
	for _, o := range objs {
		m, err := meta.Accessor(o.Object)
		require.NoError(t, err)
		b, err := json.Marshal(o.Object)
		require.NoError(t, err)
		content := func() (map[string]any, error) {
			var m map[string]any
			return m, json.Unmarshal(b, &m)
		}
		kind := o.GVK().Kind
		out = append(out, changes.Object{
			Kind: kind, Name: m.GetName(), Namespace: m.GetNamespace(),
			Cluster: m.GetAnnotations()[naming.AnnotationCluster], Pool: m.GetLabels()[naming.LabelComponent],
			File: path.Join(c.Name, o.File),
			Map:  content,
		})
	}
	return out
}

const allInOne = `apiVersion: robustmq.io/v1alpha1
kind: RobustMQCluster
metadata: {name: mq, namespace: messaging}
spec:
  environment: staging
  pools:
    - name: node
      roles: [meta, broker, engine]
      replicas: 3
      storage: {size: 10Gi}
  auth:
    mqtt: {secretName: mq-mqtt}
`

const split = `apiVersion: robustmq.io/v1alpha1
kind: RobustMQCluster
metadata: {name: mq, namespace: messaging}
spec:
  environment: staging
  pools:
    - {name: meta, roles: [meta], replicas: 3, brokerIdStart: 1}
    - {name: broker, roles: [broker], replicas: 2, brokerIdStart: 101}
    - {name: engine, roles: [engine], replicas: 3, brokerIdStart: 201, storage: {size: 100Gi, storageClassName: fast}}
`

func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		require.Contains(t, s, pairs[i])
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

type want struct {
	change     string
	severity   changes.Severity
	approvable bool
	pool       string
	field      string
	text       string // part of the message
}

func TestCompare(t *testing.T) {
	cases := map[string]struct {
		before, after string
		want          []want
	}{
		"no change": {allInOne, allInOne, nil},
		"image": {allInOne, edit(t, allInOne, "  environment: staging\n", "  environment: staging\n  version: v0.4.10\n"), []want{
			{"rolls", changes.Info, false, "node", "", "image ghcr.io/robustmq/robustmq:v0.4.11 → ghcr.io/robustmq/robustmq:v0.4.10"},
		}},
		"server.toml key": {allInOne, edit(t, allInOne, "  auth:", "  extraConfig: {mqtt_runtime.keep_alive.max_time: 3600}\n  auth:"), []want{
			{"rolls", changes.Info, false, "node", "", "server.toml keys +mqtt_runtime.keep_alive.max_time"},
		}},
		"resources": {allInOne, edit(t, allInOne, "      replicas: 3\n", "      replicas: 3\n      resources: {limits: {memory: 3Gi}}\n"), []want{
			{"rolls", changes.Info, false, "node", "", "resources "},
		}},
		"storage grows": {allInOne, edit(t, allInOne, "10Gi", "20Gi"), []want{
			{"storage-size", changes.Error, true, "node", "storage.size", "API server refuses"},
		}},
		"storage shrinks": {allInOne, edit(t, allInOne, "10Gi", "5Gi"), []want{
			{"storage-shrink", changes.Error, false, "node", "storage.size", "cannot be approved"},
		}},
		"storage class": {split, edit(t, split, "storageClassName: fast", "storageClassName: slow"), []want{
			{"storage-class", changes.Error, true, "engine", "storage.storageClassName", `"fast" to "slow"`},
		}},
		"meta scale-up": {allInOne, edit(t, allInOne, "replicas: 3", "replicas: 5"), []want{
			{"meta-replicas", changes.Error, true, "node", "replicas", "mq-node-4, mq-node-5 join"},
			{"rolls", changes.Info, false, "node", "", "+meta_addrs.4, +meta_addrs.5"},
		}},
		"meta scale-down": {allInOne, edit(t, allInOne, "replicas: 3", "replicas: 1"), []want{
			{"meta-replicas", changes.Error, true, "node", "replicas", "pods mq-node-3, mq-node-2 (broker ids 2–3) must leave"},
			{"rolls", changes.Info, false, "node", "", "-meta_addrs.2, -meta_addrs.3"},
		}},
		"engine scale-down": {split, edit(t, split, "replicas: 3, brokerIdStart: 201", "replicas: 2, brokerIdStart: 201"), []want{
			{"engine-scale-down", changes.Error, true, "engine", "replicas", "mq-engine-203 (broker ids 203)"},
		}},
		"broker scale-up": {split, edit(t, split, "replicas: 2, brokerIdStart: 101", "replicas: 4, brokerIdStart: 101"), []want{
			{"scale-up", changes.Info, false, "broker", "replicas", "starts mq-broker-103, mq-broker-104"},
		}},
		"broker scale-down": {split, edit(t, split, "replicas: 2, brokerIdStart: 101", "replicas: 1, brokerIdStart: 101"), []want{
			{"scale-down", changes.Info, false, "broker", "replicas", "stops mq-broker-102"},
		}},
		"autoscaling on": {split, edit(t, split, "replicas: 2, brokerIdStart: 101}", "brokerIdStart: 101, autoscaling: {maxReplicas: 6}}"), []want{
			{"autoscaling-on", changes.Warning, false, "broker", "autoscaling", "falls from 2 to 1 pod until the HPA raises it"},
		}},
		"autoscaling off": {edit(t, split, "replicas: 2, brokerIdStart: 101}", "brokerIdStart: 101, autoscaling: {maxReplicas: 6}}"), split, []want{
			{"autoscaling-off", changes.Warning, false, "broker", "replicas", "is set to 2 pods, whatever the HPA runs now"},
		}},
		"autoscaled bounds": {edit(t, split, "replicas: 2, brokerIdStart: 101}", "brokerIdStart: 101, autoscaling: {maxReplicas: 6}}"),
			edit(t, split, "replicas: 2, brokerIdStart: 101}", "brokerIdStart: 101, autoscaling: {minReplicas: 3, maxReplicas: 9}}"), nil},
		"pool removed": {split, edit(t, split, "    - {name: broker, roles: [broker], replicas: 2, brokerIdStart: 101}\n", "", "  pools:", "  pools:\n    - {name: edge, roles: [broker], replicas: 1, brokerIdStart: 301}"), []want{
			{"pool-removed", changes.Error, true, "broker", "spec.pools", "pruning deletes StatefulSet mq-broker and its 2 pods (broker ids 101–102) (renamed to edge?)"},
			{"pool-added", changes.Info, false, "edge", "spec.pools", "new pool edge starts 1 pods (mq-edge-301, broker ids 301)"},
		}},
		"pool renamed, same ids": {split, edit(t, split, "{name: broker,", "{name: front,"), []want{
			{"pool-removed", changes.Error, true, "broker", "spec.pools", "renamed to front?"},
			{"pool-added", changes.Info, false, "front", "spec.pools", "mq-front-101"},
			{"id-collision", changes.Error, false, "front", "brokerIdStart", "broker ids 101, 102 that pool broker used before"},
		}},
		"roles": {split, edit(t, split, "{name: broker, roles: [broker]", "{name: broker, roles: [broker, engine]"), []want{
			{"roles", changes.Error, false, "broker", "roles", "from [broker] to [broker, engine]"},
		}},
		"brokerIdStart": {split, edit(t, split, "brokerIdStart: 101", "brokerIdStart: 111"), []want{
			{"broker-id-start", changes.Error, false, "broker", "brokerIdStart", "from 101 to 111"},
		}},
		"service type": {allInOne, edit(t, allInOne, "  auth:", "  service: {type: LoadBalancer}\n  auth:"), []want{
			{"service-type", changes.Warning, false, "", "spec.service.type", "from ClusterIP to LoadBalancer"},
		}},
		"ports": {allInOne, edit(t, allInOne, "  auth:", "  listeners: {kafka: {expose: true}}\n  auth:"), []want{
			{"ports", changes.Warning, false, "", "spec.listeners", "kafka 9092/TCP"},
		}},
		"tls secret": {allInOne, edit(t, allInOne, "  auth:", "  tls: {secretName: mq-tls}\n  auth:"), []want{
			{"rolls", changes.Info, false, "node", "", "pod volumes"},
			{"secrets", changes.Warning, false, "", "spec", "[mq-mqtt] → [mq-mqtt, mq-tls]"},
		}},
		"pdb off": {allInOne, edit(t, allInOne, "  auth:", "  podDisruptionBudgets: false\n  auth:"), []want{
			{"objects", changes.Warning, false, "", "spec", "cluster mq: deletes PodDisruptionBudget mq-node"},
		}},
		"namespace move": {allInOne, edit(t, allInOne, "namespace: messaging", "namespace: mqtt"), []want{
			{"namespace", changes.Error, true, "", "metadata.namespace", `from namespace "messaging" to "mqtt"`},
		}},
		"rename": {allInOne, edit(t, allInOne, "name: mq,", "name: mq2,"), []want{
			{"rename", changes.Error, true, "", "metadata.name", "cluster mq is renamed to mq2"},
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := changes.Compare(render(t, tc.before), render(t, tc.after))
			require.NoError(t, err)
			require.Len(t, got, len(tc.want), "%v", got)
			for i, w := range tc.want {
				f := got[i]
				assert.Equal(t, w.change, f.Change, f.Message)
				assert.Equal(t, w.severity, f.Severity, f.Message)
				assert.Equal(t, w.approvable, f.Approvable(), f.Message)
				assert.Equal(t, w.pool, f.Pool, f.Message)
				assert.Equal(t, w.field, f.Field, f.Message)
				assert.Contains(t, f.Message, w.text)
				if w.approvable {
					assert.Contains(t, f.Message, "approve with annotation robustmq.io/approve: "+f.ID)
					assert.Regexp(t, `^`+w.change+`-[0-9a-f]{8}$`, f.ID)
				} else {
					assert.Empty(t, f.ID)
				}
			}
		})
	}
}

// A function upgrade changes only the version stamp on the objects' metadata: one info finding that says so, no
// roll and nothing blocked. With other changes of the new release, those are reported as ever.
func TestGeneratorUpgrade(t *testing.T) {
	for name, tc := range map[string]struct {
		before, after []changes.Object
		want          []string
	}{
		"upgrade":        {renderBy(t, split, "v0.0.9"), render(t, split), []string{"generator-version"}},
		"downgrade":      {render(t, split), renderBy(t, split, "v0.0.9"), []string{"generator-version"}},
		"without stamp":  {renderBy(t, split, ""), render(t, split), []string{"generator-version"}},
		"same release":   {render(t, split), render(t, split), nil},
		"upgrade + roll": {renderBy(t, allInOne, "v0.0.9"), render(t, edit(t, allInOne, "10Gi", "20Gi")), []string{"storage-size", "generator-version"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := changes.Compare(tc.before, tc.after)
			require.NoError(t, err)
			var kinds []string
			for _, f := range got {
				kinds = append(kinds, f.Change)
				if f.Change == "generator-version" {
					assert.Equal(t, changes.Info, f.Severity)
					assert.False(t, f.Approvable())
					assert.Empty(t, f.Pool)
					assert.Contains(t, f.Message, "restarts no pod")
				}
			}
			assert.Equal(t, tc.want, kinds)
		})
	}
	got, err := changes.Compare(renderBy(t, split, "v0.0.9"), render(t, split))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "cluster mq: generated by robustmq-cluster v0.0.9 before, by robustmq-cluster "+robustmqkpt.Version+" now; the "+
		"robustmq.io/generator-version annotation on the objects' metadata restarts no pod", got[0].Message)
	got, err = changes.Compare(renderBy(t, split, ""), render(t, split))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Message, "generated by a robustmq-cluster release without a version stamp before,")
}

// Everything of a cluster is gone: an error that points at one of its objects and says how to proceed.
func TestClusterRemoved(t *testing.T) {
	got, err := changes.Compare(render(t, allInOne), nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	f := got[0]
	assert.Equal(t, "cluster-removed", f.Change)
	assert.True(t, f.Gone)
	assert.True(t, f.Blocking())
	require.NotNil(t, f.Object)
	assert.Equal(t, "StatefulSet", f.Object.Kind)
	assert.Contains(t, f.Message, "delete the folder mq/ in the same commit")
}

// The id depends on every value: the approval of 10Gi → 20Gi does not approve 10Gi → 30Gi, nor the same change of
// another cluster; and it is the same on every render.
func TestIDsAndApprovals(t *testing.T) {
	compare := func(before, after string) []changes.Finding {
		got, err := changes.Compare(render(t, before), render(t, after))
		require.NoError(t, err)
		return got
	}
	to20 := compare(allInOne, edit(t, allInOne, "10Gi", "20Gi"))
	again := compare(allInOne, edit(t, allInOne, "10Gi", "20Gi"))
	to30 := compare(allInOne, edit(t, allInOne, "10Gi", "30Gi"))
	other := compare(edit(t, allInOne, "name: mq,", "name: mq2,"), edit(t, allInOne, "name: mq,", "name: mq2,", "10Gi", "20Gi"))
	require.Len(t, to20, 1)
	assert.Equal(t, to20[0].ID, again[0].ID)
	assert.NotEqual(t, to20[0].ID, to30[0].ID)
	assert.NotEqual(t, to20[0].ID, other[0].ID)

	stale := changes.Approve(to30, []string{to20[0].ID})
	assert.Equal(t, []string{to20[0].ID}, stale, "an approval of other values approves nothing")
	assert.True(t, to30[0].Blocking())

	stale = changes.Approve(to20, []string{"meta-replicas-00000000", to20[0].ID})
	assert.Equal(t, []string{"meta-replicas-00000000"}, stale)
	assert.False(t, to20[0].Blocking())
	assert.Equal(t, changes.Info, to20[0].Severity)
	assert.True(t, strings.HasPrefix(to20[0].Message, "approved ("+to20[0].ID+"): "), to20[0].Message)
	assert.NotContains(t, to20[0].Message, "approve with annotation")

	never := compare(allInOne, edit(t, allInOne, "10Gi", "5Gi"))
	changes.Approve(never, []string{never[0].ID, "storage-shrink-00000000"})
	assert.True(t, never[0].Blocking(), "a never-approvable change stays blocked")
}

func TestParseApprovals(t *testing.T) {
	assert.Equal(t, []string{"a-1", "b-2"}, changes.ParseApprovals(" a-1, ,b-2 "))
	assert.Empty(t, changes.ParseApprovals(""))
}

// Every procedure a message points to exists in docs/changes.md.
func TestDocAnchors(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "changes.md"))
	require.NoError(t, err)
	var anchors []string
	for _, f := range []string{"changes.go", "pool.go", "autoscaling.go"} {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile(`docs/changes\.md#([a-z-]+)`).FindAllStringSubmatch(string(src), -1) {
			anchors = append(anchors, m[1])
		}
	}
	// The refused-update messages build their anchor from the change kind.
	anchors = append(anchors, "storage-size", "storage-class", "access-modes", "volume-claim-templates", "selector",
		"service-name", "pod-management-policy", "statefulset-spec")
	require.NotEmpty(t, anchors)
	for _, a := range anchors {
		assert.Contains(t, string(doc), `<a id="`+a+`"></a>`, "docs/changes.md has no anchor %s", a)
	}
}
