package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// cluster is one meta StatefulSet of three pods (ids 1-3 from the pod index) with the given server.toml.
func cluster(serverToml string, extra string) string {
	indented := "    " + strings.ReplaceAll(strings.TrimSpace(serverToml), "\n", "\n    ")
	return `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ns}
data:
  server.toml: |
` + indented + `
---
apiVersion: v1
kind: Service
metadata: {name: h, namespace: ns}
spec: {clusterIP: None, publishNotReadyAddresses: true, selector: {a: b}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mq, namespace: ns}
spec:
  replicas: 3
  ordinals: {start: 1}
  serviceName: h
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: x
          image: ghcr.io/robustmq/robustmq:v0.4.11
          args: [--conf=/e/server.toml]
          env:
            - name: ROBUST_MQ_SERVER_BROKER_ID
              valueFrom: {fieldRef: {fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']"}}
` + extra + `
          volumeMounts: [{name: c, mountPath: /e}, {name: data, mountPath: /robustmq/data}]
      volumes:
        - {name: c, configMap: {name: cfg}}
  volumeClaimTemplates:
    - metadata: {name: data}
`
}

const metaTOML = `
broker_id = 0
roles = ["meta", "broker", "engine"]
[meta_addrs]
1 = "mq-1.h:1228"
2 = "mq-2.h.ns.svc.cluster.local:1228"
3 = "mq-3.h.ns:%d"
[storage_runtime]
data_path = ["/robustmq/data/engine"]
%s
`

func check(t *testing.T, yaml string) map[string][]string {
	t.Helper()
	objs, err := fn.ParseKubeObjects([]byte(yaml))
	require.NoError(t, err)
	out := map[string][]string{}
	for _, f := range Check(inventory.Read(objs), Options{Version: "v0.4.11"}) {
		out[f.Rule] = append(out[f.Rule], f.Field+": "+f.Message)
	}
	return out
}

func TestMetaAddrs(t *testing.T) {
	good := check(t, cluster(fmt.Sprintf(metaTOML, 1228, "tcp_port = 1778"), ""))
	assert.Empty(t, good[MetaAddrs], "every DNS form of the three pods")
	assert.Empty(t, good[ConfigRequired])

	wrongPort := check(t, cluster(fmt.Sprintf(metaTOML, 1229, "tcp_port = 1778"), ""))
	require.Len(t, wrongPort[MetaAddrs], 1)
	assert.Contains(t, wrongPort[MetaAddrs][0], "has port 1229, but mq-3 listens for gRPC on grpc_port 1228")

	swapped := strings.Replace(fmt.Sprintf(metaTOML, 1228, "tcp_port = 1778"), `1 = "mq-1.h:1228"`, `1 = "mq-3.h:1228"`, 1)
	got := check(t, cluster(swapped, ""))
	assert.Contains(t, strings.Join(got[MetaAddrs], "\n"), "names pod mq-3, which runs broker_id 3")
	assert.Contains(t, strings.Join(got[MetaAddrs], "\n"), "no entry for meta pod mq-1 (broker_id 1)")

	ip := strings.Replace(fmt.Sprintf(metaTOML, 1228, "tcp_port = 1778"), `1 = "mq-1.h:1228"`, `1 = "10.0.0.7:1228"`, 1)
	assert.Contains(t, strings.Join(check(t, cluster(ip, ""))[MetaAddrs], "\n"), "is an IP address")
}

// storage_runtime.tcp_port defaults to 1779 once the section exists (docs/robustmq.md §2): a probe or port on 1778
// then misses, and config-required asks for the key.
func TestEnginePortDefault(t *testing.T) {
	probe := "          readinessProbe: {tcpSocket: {port: 1228}}\n          livenessProbe: {tcpSocket: {port: 1778}}\n"
	got := check(t, cluster(fmt.Sprintf(metaTOML, 1228, ""), probe))
	assert.Contains(t, strings.Join(got[ConfigRequired], "\n"), "storage_runtime.tcp_port")
	assert.Contains(t, strings.Join(got[Ports], "\n"), "port 1778 is not one server.toml listens on (1228, 58080, 1779,")

	fixed := check(t, cluster(fmt.Sprintf(metaTOML, 1228, "tcp_port = 1778"), probe))
	assert.Empty(t, fixed[Ports])
}

func TestProbes(t *testing.T) {
	toml := fmt.Sprintf(metaTOML, 1228, "tcp_port = 1778")
	for name, tc := range map[string]struct{ probe, rule, want string }{
		"grpc":         {"          readinessProbe: {grpc: {port: 1228}}\n", ProbeGRPC, "no gRPC health service"},
		"health noop":  {"          readinessProbe: {httpGet: {path: /health/ready, port: 58080}}\n", ProbeHTTPNoop, "checks nothing"},
		"kafka ready":  {"          readinessProbe: {tcpSocket: {port: 9092}}\n", ProbeDeadlock, "port 9092 opens only after meta quorum"},
		"startup mqtt": {"          startupProbe: {tcpSocket: {port: 1883}}\n", ProbeDeadlock, "port 1883 opens only after meta quorum"},
		"metrics ok":   {"          readinessProbe: {httpGet: {path: /metrics, port: 58080}}\n", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			got := check(t, cluster(toml, tc.probe))
			for _, r := range []string{ProbeGRPC, ProbeHTTP, ProbeHTTPNoop, ProbeQUIC, ProbeDeadlock, Ports} {
				if r == tc.rule {
					require.Len(t, got[r], 1, "%v", got)
					assert.Contains(t, got[r][0], tc.want)
				} else {
					assert.Empty(t, got[r], r)
				}
			}
		})
	}
}
