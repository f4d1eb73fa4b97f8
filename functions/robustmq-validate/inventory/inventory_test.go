package inventory

import (
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const configMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ns}
data:
  server.toml: |
    broker_id = 7
    roles = ["meta"]
  other.toml: |
    broker_id = 9
`

func read(t *testing.T, workload string) *Inventory {
	t.Helper()
	objs, err := fn.ParseKubeObjects([]byte(configMap + "---\n" + workload))
	require.NoError(t, err)
	return Read(objs)
}

func statefulSet(container, volumes string) string {
	return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mq, namespace: ns}
spec:
  replicas: 2
  ordinals: {start: 3}
  serviceName: mq-h
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
` + container + `
      volumes:
` + volumes
}

// The config file is found through --conf/-c, the working directory and the volume (subPath, items, projected).
func TestConfigResolution(t *testing.T) {
	cmVol := "        - {name: c, configMap: {name: cfg}}\n"
	for name, tc := range map[string]struct {
		container, volumes string
		conf, key          string
		fromImage          bool
	}{
		"image cmd, dir mount hides /robustmq/config": {
			"        - {name: x, image: ghcr.io/robustmq/robustmq:v0.4.11, volumeMounts: [{name: c, mountPath: /robustmq/config}]}\n",
			cmVol, "/robustmq/config/server.toml", "server.toml", false},
		"--conf=": {
			"        - {name: x, image: ghcr.io/robustmq/robustmq:v0.4.11, args: [--conf=/etc/mq/server.toml], volumeMounts: [{name: c, mountPath: /etc/mq}]}\n",
			cmVol, "/etc/mq/server.toml", "server.toml", false},
		"-c relative to workingDir, subPath": {
			"        - {name: x, image: robustmq/robustmq:v0.4.11, workingDir: /w, args: [-c, conf/s.toml], volumeMounts: [{name: c, mountPath: /w/conf/s.toml, subPath: other.toml}]}\n",
			cmVol, "/w/conf/s.toml", "other.toml", false},
		"items map a key to the path": {
			"        - {name: x, image: ghcr.io/robustmq/robustmq:v0.4.11, args: [--conf, /e/server.toml], volumeMounts: [{name: c, mountPath: /e}]}\n",
			"        - {name: c, configMap: {name: cfg, items: [{key: other.toml, path: server.toml}]}}\n", "/e/server.toml", "other.toml", false},
		"projected": {
			"        - {name: x, image: ghcr.io/robustmq/robustmq:v0.4.11, args: [--conf=/e/server.toml], volumeMounts: [{name: c, mountPath: /e}]}\n",
			"        - {name: c, projected: {sources: [{configMap: {name: cfg}}]}}\n", "/e/server.toml", "server.toml", false},
		"no mount: the image's file": {
			"        - {name: x, image: ghcr.io/robustmq/robustmq:v0.4.11}\n",
			"        - {name: c, emptyDir: {}}\n", "/robustmq/config/server.toml", "", true},
	} {
		t.Run(name, func(t *testing.T) {
			inv := read(t, statefulSet(tc.container, tc.volumes))
			require.Len(t, inv.Nodes, 1)
			n := inv.Nodes[0]
			assert.Equal(t, tc.conf, n.ConfPath)
			assert.Equal(t, tc.fromImage, n.FromImage)
			assert.Equal(t, tc.key, n.ConfigKey)
			if tc.key != "" {
				require.NotNil(t, n.Config)
			}
		})
	}
}

// Workloads are RobustMQ by image, by a mounted server.toml, or by label; the kpt function images are not.
func TestDetection(t *testing.T) {
	for image, want := range map[string]int{
		"ghcr.io/robustmq/robustmq:v0.4.11":               1,
		"robustmq/robustmq@sha256:0123":                   1,
		"ghcr.io/robustmq/kpt-fn/robustmq-cluster:v0.1.0": 0,
		"nginx": 0,
	} {
		inv := read(t, statefulSet("        - {name: x, image: \""+image+"\"}\n", "        - {name: c, emptyDir: {}}\n"))
		assert.Len(t, inv.Nodes, want, image)
	}
	inv := read(t, statefulSet("        - {name: x, image: my/broker, args: [--conf=/e/server.toml], volumeMounts: [{name: c, mountPath: /e}]}\n",
		"        - {name: c, configMap: {name: cfg}}\n"))
	assert.Len(t, inv.Nodes, 1, "a mounted server.toml makes any image a RobustMQ node")
}

// Broker ids: the pod-index override gives each pod its ordinal; without it every pod runs the literal id.
func TestBrokerIDs(t *testing.T) {
	base := "        - name: x\n          image: ghcr.io/robustmq/robustmq:v0.4.11\n          args: [--conf=/e/server.toml]\n" +
		"          volumeMounts: [{name: c, mountPath: /e}]\n"
	override := "          env:\n          - name: ROBUST_MQ_SERVER_BROKER_ID\n            valueFrom: {fieldRef: {fieldPath: \"metadata.labels['apps.kubernetes.io/pod-index']\"}}\n"
	vol := "        - {name: c, configMap: {name: cfg}}\n"

	n := read(t, statefulSet(base+override, vol)).Nodes[0]
	require.Len(t, n.Pods, 2)
	assert.Equal(t, []int64{3, 4}, []int64{n.Pods[0].ID, n.Pods[1].ID})
	assert.Equal(t, "mq-3", n.Pods[0].Name)
	assert.Equal(t, "mq-h", n.Pods[0].Subdomain)
	assert.Equal(t, "spec.ordinals.start", n.Pods[0].IDField)

	n = read(t, statefulSet(base, vol)).Nodes[0]
	assert.Equal(t, []int64{7, 7}, []int64{n.Pods[0].ID, n.Pods[1].ID})
	assert.Equal(t, "data[server.toml].broker_id", n.Pods[0].IDField)

	literal := "          env:\n          - {name: ROBUST_MQ_SERVER_BROKER_ID, value: \"5\"}\n"
	n = read(t, statefulSet(base+literal, vol)).Nodes[0]
	assert.Equal(t, int64(5), n.Pods[1].ID)
	assert.Equal(t, "spec.template.spec.containers[0].env[0]", n.Pods[1].IDField)

	script := "          command: [sh, -c, 'exec ./libs/broker-server --conf=/e/server.toml']\n"
	n = read(t, statefulSet(base+script, vol)).Nodes[0]
	assert.True(t, n.Script)
	assert.Equal(t, "/e/server.toml", n.ConfPath)
	assert.False(t, n.Pods[0].IDKnown, "a script may compute the id")
}
