package v1alpha1

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const loadHead = "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: mq}\n"

func loadFields(t *testing.T, doc string) []string {
	t.Helper()
	c, errs := Load([]byte(doc))
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	if len(errs) == 0 {
		require.NotNil(t, c)
	}
	return out
}

// TestLoadRefuses lists mistakes that used to render (and then failed at apply time or in RobustMQ), each with
// the field path it must be reported at.
func TestLoadRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		// Kubernetes pass-through fields, by the API server's rules.
		"toleration operator":          {`spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Equals, value: b}]}}]}`, "spec.pools[0].scheduling.tolerations[0].operator"},
		"toleration exists with value": {`spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Exists, value: b}]}}]}`, "spec.pools[0].scheduling.tolerations[0].value"},
		"toleration seconds":           {`spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}]}}]}`, "spec.pools[0].scheduling.tolerations[0].effect"},
		"toleration effect typo":       {`spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Exists, effect: NoScheduled}]}}]}`, "spec.pools[0].scheduling.tolerations[0].effect"},
		"toleration empty key":         {`spec: {pools: [{name: node, scheduling: {tolerations: [{operator: Equal, value: b}]}}]}`, "spec.pools[0].scheduling.tolerations[0].operator"},
		"toleration key":               {`spec: {pools: [{name: node, scheduling: {tolerations: [{key: "a b", operator: Exists}]}}]}`, "spec.pools[0].scheduling.tolerations[0].key"},
		"node selector value":          {`spec: {pools: [{name: node, scheduling: {nodeSelector: {disk: "fast ssd"}}}]}`, "spec.pools[0].scheduling.nodeSelector"},
		"node selector key":            {`spec: {pools: [{name: node, scheduling: {nodeSelector: {"-disk": ssd}}}]}`, "spec.pools[0].scheduling.nodeSelector"},
		"priority class":               {`spec: {pools: [{name: node, scheduling: {priorityClassName: High_Priority}}]}`, "spec.pools[0].scheduling.priorityClassName"},
		"storage class":                {`spec: {pools: [{name: node, storage: {storageClassName: "fast ssd"}}]}`, "spec.pools[0].storage.storageClassName"},
		"negative cpu":                 {`spec: {pools: [{name: node, resources: {requests: {cpu: "-1"}}}]}`, "spec.pools[0].resources.requests[cpu]"},
		"resource name cpus":           {`spec: {pools: [{name: node, resources: {limits: {cpus: "1"}}}]}`, "spec.pools[0].resources.limits[cpus]"},
		"ephemeral request > limit":    {`spec: {pools: [{name: node, resources: {requests: {ephemeral-storage: 2Gi}, limits: {ephemeral-storage: 1Gi}}}]}`, "spec.pools[0].resources.requests[ephemeral-storage]"},
		"extended request != limit":    {`spec: {pools: [{name: node, resources: {requests: {example.com/gpu: "1"}, limits: {example.com/gpu: "2"}}}]}`, "spec.pools[0].resources.requests[example.com/gpu]"},
		"extended fraction":            {`spec: {pools: [{name: node, resources: {requests: {example.com/gpu: 500m}, limits: {example.com/gpu: 500m}}}]}`, "spec.pools[0].resources.limits[example.com/gpu]"},
		"resource claims":              {`spec: {pools: [{name: node, resources: {claims: [{name: gpu}]}}]}`, "spec.pools[0].resources.claims"},
		"run as user -1":               {`spec: {security: {runAsUser: -1}}`, "spec.security.runAsUser"},
		"run as user 0":                {`spec: {security: {runAsUser: 0}}`, "spec.security.runAsUser"},
		"fs group too big":             {`spec: {security: {fsGroup: 4294967296}}`, "spec.security.fsGroup"},
		"secret key with a space":      {`spec: {auth: {mqtt: {secretName: m, passwordKey: "pass word"}}}`, "spec.auth.mqtt.passwordKey"},
		"jwt key":                      {`spec: {auth: {jwtSecret: {name: j, key: "a/b"}}}`, "spec.auth.jwtSecret.key"},
		"tls secret name":              {`spec: {tls: {secretName: My_TLS}}`, "spec.tls.secretName"},
		"pull secret name":             {`spec: {image: {pullSecrets: [{name: "Reg Cred"}]}}`, "spec.image.pullSecrets[0].name"},
		"external traffic policy":      {`spec: {service: {type: NodePort, externalTrafficPolicy: Locale}}`, "spec.service.externalTrafficPolicy"},
		"external policy on ClusterIP": {`spec: {service: {externalTrafficPolicy: Local}}`, "spec.service.externalTrafficPolicy"},
		"source ranges on NodePort":    {`spec: {service: {type: NodePort, loadBalancerSourceRanges: [10.0.0.0/8]}}`, "spec.service.loadBalancerSourceRanges"},
		"source range host bits":       {`spec: {service: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.1/8]}}`, "spec.service.loadBalancerSourceRanges[0]"},
		"except outside cidr":          {`spec: {networkPolicy: {clients: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]}}`, "spec.networkPolicy.clients[0].except[0]"},
		"except equal to cidr":         {`spec: {networkPolicy: {clients: [{cidr: 10.0.0.0/8, except: [10.0.0.0/8]}]}}`, "spec.networkPolicy.clients[0].except[0]"},
		"except without cidr":          {`spec: {networkPolicy: {clients: [{podSelector: {}, except: [10.0.0.0/8]}]}}`, "spec.networkPolicy.clients[0].except"},
		"selector operator":            {`spec: {networkPolicy: {admin: [{podSelector: {matchExpressions: [{key: app, operator: Equals, values: [x]}]}}]}}`, "spec.networkPolicy.admin[0].podSelector.matchExpressions[0].operator"},
		"selector label value":         {`spec: {networkPolicy: {admin: [{namespaceSelector: {matchLabels: {team: "a b"}}}]}}`, "spec.networkPolicy.admin[0].namespaceSelector.matchLabels"},
		"grafana selector":             {`spec: {monitoring: {grafanaInstanceSelector: {matchExpressions: [{key: a, operator: In}]}}}`, "spec.monitoring.grafanaInstanceSelector.matchExpressions[0].values"},
		"no exposed port":              {`spec: {listeners: {mqtt: {tcp: {expose: false}, tls: {expose: false}, websocket: {expose: false}, websocketTLS: {expose: false}}}}`, "spec.listeners"},
		"service annotation key":       {`spec: {service: {annotations: {"a b": x}}}`, "spec.service.annotations"},
		"monitoring label value":       {`spec: {monitoring: {labels: {release: "kube prometheus"}}}`, "spec.monitoring.labels"},
		"cluster label":                {"metadata: {labels: {\"x/y/z\": a}}\n", "metadata.labels"},
		"cert duration":                {`spec: {tls: {certManager: {issuerRef: {name: ca}, duration: 10m}}}`, "spec.tls.certManager.duration"},
		"cert renewBefore":             {`spec: {tls: {certManager: {issuerRef: {name: ca}, duration: 24h, renewBefore: 48h}}}`, "spec.tls.certManager.renewBefore"},
		"issuer name":                  {`spec: {tls: {certManager: {issuerRef: {name: "My CA"}}}}`, "spec.tls.certManager.issuerRef.name"},

		// The CRD schema, on the input rather than the defaulted values.
		"port 0":           {`spec: {listeners: {mqtt: {tcp: {port: 0}}}}`, "spec.listeners.mqtt.tcp.port"},
		"dns port 0":       {`spec: {networkPolicy: {dns: {port: 0}}}`, "spec.networkPolicy.dns.port"},
		"log level":        {`spec: {logging: {level: verbose}}`, "spec.logging.level"},
		"log format":       {`spec: {logging: {format: yaml}}`, "spec.logging.format"},
		"issuer required":  {`spec: {tls: {certManager: {issuerRef: {kind: Issuer}}}}`, "spec.tls.certManager.issuerRef.name"},
		"replicas 0":       {`spec: {pools: [{name: node, replicas: 0}]}`, "spec.pools[0].replicas"},
		"min zones 0":      {`spec: {pools: [{name: node, scheduling: {zoneSpread: required, minZones: 0}}]}`, "spec.pools[0].scheduling.minZones"},
		"quantity pattern": {`spec: {pools: [{name: node, storage: {size: 10GB}}]}`, "spec.pools[0].storage.size"},

		// What RobustMQ would refuse at start-up, or the runtime when pulling.
		"reserved port":          {`spec: {listeners: {kafka: {port: 58080}}}`, "spec.listeners.kafka.port"},
		"u16 out of range":       {`spec: {extraConfig: {mqtt_runtime.system_monitor.os_cpu_check_interval_ms: -1}}`, "spec.extraConfig[mqtt_runtime.system_monitor.os_cpu_check_interval_ms]"},
		"enum case":              {`spec: {extraConfig: {llm_client.platform: Anthropic}}`, "spec.extraConfig[llm_client.platform]"},
		"tag vs version":         {`spec: {image: {tag: v0.4.9}}`, "spec.image.tag"},
		"tag characters":         {`spec: {image: {tag: "v0.4.11+build"}}`, "spec.image.tag"},
		"registry scheme":        {`spec: {image: {registry: "https://ghcr.io"}}`, "spec.image.registry"},
		"registry without a dot": {`spec: {image: {registry: myregistry}}`, "spec.image.registry"},
		"repository case":        {`spec: {image: {repository: RobustMQ/robustmq}}`, "spec.image.repository"},

		// Reserved metadata.
		"generated-by on the cluster":   {"metadata: {annotations: {robustmq.io/generated-by: robustmq-cluster}}\n", "metadata.annotations[robustmq.io/generated-by]"},
		"generated-by on the Service":   {`spec: {service: {annotations: {robustmq.io/generated-by: robustmq-cluster}}}`, "spec.service.annotations[robustmq.io/generated-by]"},
		"version stamp on the Service":  {`spec: {service: {annotations: {robustmq.io/generator-version: v9.9.9}}}`, "spec.service.annotations[robustmq.io/generator-version]"},
		"local-config on the Service":   {`spec: {service: {annotations: {config.kubernetes.io/local-config: "true"}}}`, "spec.service.annotations[config.kubernetes.io/local-config]"},
		"role label in monitoring":      {`spec: {monitoring: {labels: {robustmq.io/role-broker: "true"}}}`, "spec.monitoring.labels[robustmq.io/role-broker]"},
		"instance label in monitoring":  {`spec: {monitoring: {labels: {app.kubernetes.io/instance: other}}}`, "spec.monitoring.labels[app.kubernetes.io/instance]"},
		"reserved label on the cluster": {"metadata: {labels: {robustmq.io/cluster: x}}\n", "metadata.labels[robustmq.io/cluster]"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := loadHead + tc.doc
			if strings.HasPrefix(tc.doc, "metadata:") {
				doc = strings.Replace(loadHead, "metadata: {name: mq}\n", strings.Replace(tc.doc, "metadata: {", "metadata: {name: mq, ", 1), 1)
			}
			assert.Contains(t, loadFields(t, doc), tc.want)
		})
	}
}

// TestLoadAccepts holds valid configs close to the refused ones: they must load without a problem.
func TestLoadAccepts(t *testing.T) {
	for name, doc := range map[string]string{
		"approve annotation":     "metadata: {name: mq, annotations: {robustmq.io/approve: \"yes\"}}\n",
		"tolerate everything":    `spec: {pools: [{name: node, scheduling: {tolerations: [{operator: Exists}]}}]}`,
		"toleration seconds":     `spec: {pools: [{name: node, scheduling: {tolerations: [{key: a, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]}}]}`,
		"limit alone":            `spec: {pools: [{name: node, resources: {limits: {cpu: 50m, memory: 128Mi, ephemeral-storage: 1Gi}}}]}`,
		"hugepages":              `spec: {pools: [{name: node, resources: {requests: {hugepages-2Mi: 4Mi}, limits: {hugepages-2Mi: 4Mi}}}]}`,
		"gpu":                    `spec: {pools: [{name: node, resources: {requests: {example.com/gpu: "1"}, limits: {example.com/gpu: "1"}}}]}`,
		"source ranges on LB":    `spec: {service: {type: LoadBalancer, externalTrafficPolicy: Local, loadBalancerSourceRanges: [10.0.0.0/8, "2001:db8::/32"]}}`,
		"except inside":          `spec: {networkPolicy: {clients: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]}}`,
		"enum value":             `spec: {extraConfig: {llm_client.platform: anthropic}}`,
		"release tag suffix":     `spec: {image: {tag: v0.4.11-debug}}`,
		"mirror with port":       `spec: {image: {registry: "mirror.example.com:5000", repository: team/robustmq}}`,
		"explicit ports":         `spec: {listeners: {mqtt: {tcp: {port: 1}, tls: {port: 65535}}}}`,
		"monitoring labels":      `spec: {monitoring: {labels: {release: kube-prometheus-stack}}}`,
		"service annotations":    `spec: {service: {annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}}}`,
		"run as user 1000":       `spec: {security: {runAsUser: 1000, runAsGroup: 0, fsGroup: 0}}`,
		"cert-manager durations": `spec: {tls: {certManager: {issuerRef: {name: ca}, duration: 2160h, renewBefore: 360h}}}`,
		"storage class cleared":  `spec: {pools: [{name: node, storage: {storageClassName: ""}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.HasPrefix(doc, "metadata:") {
				doc = loadHead + doc
			} else {
				doc = strings.Replace(loadHead, "metadata: {name: mq}\n", doc, 1)
			}
			c, errs := Load([]byte(doc))
			require.Empty(t, errs)
			require.NotNil(t, c)
		})
	}
}

// Decode, schema and validation problems arrive together, one per path, and long values are cut.
func TestLoadReportsEverythingOnce(t *testing.T) {
	long := strings.Repeat("x", 300<<10) // over the 256 KiB of all annotations
	_, errs := Load([]byte(loadHead + `spec:
  environmnet: prod
  pools: [{name: node, replicas: "3"}]
  logging: {level: verbose}
  listeners: {mqtt: {tcp: {port: 0}}}
  service: {annotations: {a: "` + long + `"}}
  extraConfig: {admin.token_ttl_hours: -5}
`))
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
		assert.Less(t, len(e.Error()), 1200, e.Field)
	}
	assert.ElementsMatch(t, []string{
		"spec.environmnet", "spec.pools[0].replicas", "spec.logging.level", "spec.listeners.mqtt.tcp.port",
		"spec.service.annotations", "spec.extraConfig[admin.token_ttl_hours]",
	}, fields)
}

func TestReservedPortIsCalledReserved(t *testing.T) {
	_, errs := Load([]byte(loadHead + `spec: {listeners: {kafka: {port: 1228}}}`))
	require.Len(t, errs, 1)
	assert.Equal(t, `spec.listeners.kafka.port: Invalid value: 1228: reserved: RobustMQ's fixed inter-node grpc port, which every node listens on`, errs[0].Error())
}

func TestCaps(t *testing.T) {
	pools := func(n, replicas int, roles string) string {
		var b strings.Builder
		b.WriteString("spec: {pools: [")
		for i := range n {
			fmt.Fprintf(&b, "{name: p%d, roles: [%s], replicas: %d, brokerIdStart: %d},", i, roles, replicas, 1+i*100)
		}
		return strings.TrimSuffix(b.String(), ",") + "]"
	}
	for name, tc := range map[string]struct{ doc, want string }{
		"pools":             {pools(17, 1, "broker") + "}", "spec.pools: Too many: 17: must have at most 16 items"},
		"pods":              {pools(6, 99, "broker, engine") + "}", "spec.pools: Invalid value: 594: 594 pods in all pools; at most 500"},
		"certificate names": {pools(4, 99, "broker") + ", tls: {certManager: {issuerRef: {name: ca}}}}", "spec.tls.certManager: Invalid value: 1192: the certificate would list 1192 DNS names"},
		"extra names":       {"spec: {tls: {certManager: {issuerRef: {name: ca}, extraDNSNames: [" + strings.Repeat("a.example.com,", 100) + "b.example.com]}}}", "spec.tls.certManager.extraDNSNames: Too many: 101: must have at most 100 items"},
	} {
		t.Run(name, func(t *testing.T) {
			_, errs := Load([]byte(loadHead + tc.doc))
			assert.Contains(t, errs.ToAggregate().Error(), tc.want)
		})
	}
	// Many problems are cut to the first hundred and a count.
	_, errs := Load([]byte(loadHead + "spec: {extraConfig: {" + strings.Repeat("", 0) + func() string {
		var b strings.Builder
		for i := range 300 {
			fmt.Fprintf(&b, "k%d: 1,", i)
		}
		return strings.TrimSuffix(b.String(), ",")
	}() + "}}"))
	require.Len(t, errs, maxErrors+1)
	assert.Contains(t, errs[maxErrors].Error(), "and 200 more problems")
}
