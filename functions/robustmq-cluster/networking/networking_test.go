package networking

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// cluster decodes, defaults and validates a cluster "rmq" in namespace "mq" with the given spec (YAML flow style).
func cluster(t *testing.T, spec string) *topology.Cluster {
	t.Helper()
	return decode(t, "metadata: {name: rmq, namespace: mq}\nspec: "+spec)
}

func decode(t *testing.T, doc string) *topology.Cluster {
	t.Helper()
	c, errs := v1alpha1.Decode([]byte("apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\n" + doc))
	require.Empty(t, errs)
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}

const splitPools = `pools: [
  {name: meta, roles: [meta], replicas: 3, brokerIdStart: 1},
  {name: broker, roles: [broker], replicas: 2, brokerIdStart: 10},
  {name: engine, roles: [engine], replicas: 3, brokerIdStart: 20}]`

const allExposed = `listeners: {
  mqtt: {tcp: {expose: true}, tls: {expose: true}, websocket: {expose: true}, websocketTLS: {expose: true}, quic: {expose: true}},
  kafka: {expose: true}, amqp: {expose: true},
  nats: {tcp: {expose: true}, tls: {expose: true}, websocket: {expose: true}, websocketTLS: {expose: true}}}`

func policiesOf(objs []output.Object) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for _, o := range objs {
		if np, ok := o.Object.(*networkingv1.NetworkPolicy); ok {
			out = append(out, np)
		}
	}
	return out
}

type portKey struct {
	port  int32
	proto corev1.Protocol
}

func (k portKey) String() string { return fmt.Sprintf("%d/%s", k.port, k.proto) }

// tomlPorts reads every port key of a rendered server.toml, independently of the port model: keys named port or
// *_port; QUIC is the only UDP listener. peer marks the inter-node ports (grpc, http, engine).
func tomlPorts(t *testing.T, server string) (all, peer map[portKey]bool) {
	t.Helper()
	var doc map[string]any
	require.NoError(t, toml.Unmarshal([]byte(server), &doc))
	all, peer = map[portKey]bool{}, map[portKey]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			key := prefix + k
			if sub, ok := v.(map[string]any); ok {
				walk(key+".", sub)
				continue
			}
			if k != "port" && !strings.HasSuffix(k, "_port") {
				continue
			}
			n, ok := v.(int64)
			require.True(t, ok, "%s is not an integer", key)
			p := portKey{int32(n), corev1.ProtocolTCP}
			if strings.Contains(k, "quic") {
				p.proto = corev1.ProtocolUDP
			}
			all[p] = true
			if key == "grpc_port" || key == "http_port" || key == "storage_runtime.tcp_port" {
				peer[p] = true
			}
		}
	}
	walk("", doc)
	return all, peer
}

func selects(sel metav1.LabelSelector, labels map[string]string) bool {
	for k, v := range sel.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return len(sel.MatchExpressions) == 0
}

func addPorts(set map[portKey]bool, ports []networkingv1.NetworkPolicyPort) {
	for _, p := range ports {
		set[portKey{p.Port.IntVal, *p.Protocol}] = true
	}
}

func keys(m map[portKey]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k.String())
	}
	slices.Sort(out)
	return out
}

// TestPortsMatchServerTOML proves, per pool, that every port in the rendered server.toml is opened by an ingress
// policy selecting the pool's pods, or is a listener deliberately left closed (expose: false), and that no policy
// opens a port the pool does not listen on. Egress to each pool covers exactly its inter-node ports.
func TestPortsMatchServerTOML(t *testing.T) {
	for name, spec := range map[string]string{
		"all-in-one":         `{environment: staging}`,
		"all-in-one exposed": `{environment: staging, ` + allExposed + `}`,
		"split":              `{environment: prod, ` + splitPools + `}`,
		"split exposed":      `{environment: prod, ` + splitPools + `, ` + allExposed + `}`,
		"custom ports":       `{listeners: {mqtt: {tcp: {port: 11883}, quic: {port: 11883, expose: true}}, kafka: {port: 19092, expose: true}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := cluster(t, spec)
			objs, err := Build(c)
			require.NoError(t, err)
			policies := policiesOf(objs)
			require.NotEmpty(t, policies)
			for _, p := range c.Pools {
				cm, err := manifests.ConfigMap(c, p)
				require.NoError(t, err)
				want, wantPeer := tomlPorts(t, cm.Data[servertoml.ServerFile])

				ingress, egress := map[portKey]bool{}, map[portKey]bool{}
				for _, np := range policies {
					if selects(np.Spec.PodSelector, p.Labels()) {
						for _, r := range np.Spec.Ingress {
							addPorts(ingress, r.Ports)
						}
					}
					for _, r := range np.Spec.Egress {
						for _, to := range r.To {
							if to.NamespaceSelector == nil && to.IPBlock == nil && selects(*to.PodSelector, p.Labels()) {
								addPorts(egress, r.Ports)
							}
						}
					}
				}
				closed := map[portKey]bool{}
				for _, np := range c.Ports.Closed {
					if p.Has(np.Role) {
						closed[portKey{np.Port, np.Protocol}] = true
					}
				}
				got := maps.Clone(ingress)
				for k := range closed {
					assert.False(t, ingress[k], "pool %s: closed listener %s is opened by a policy", p.Name, k)
					got[k] = true
				}
				assert.Equal(t, keys(want), keys(got), "pool %s: server.toml ports vs policy ports + closed listeners", p.Name)
				assert.Equal(t, keys(wantPeer), keys(egress), "pool %s: server.toml peer ports vs egress to the pool", p.Name)
				if strings.HasSuffix(name, " exposed") {
					assert.Empty(t, closed)
					assert.Equal(t, keys(want), keys(ingress), "pool %s: with every listener exposed the policies open exactly server.toml", p.Name)
				}
			}
		})
	}
}

func TestPolicyInvariants(t *testing.T) {
	c := cluster(t, `{environment: prod, `+splitPools+`, networkPolicy: {clients: [{cidr: 10.0.0.0/8}]}}`)
	objs, err := Build(c)
	require.NoError(t, err)
	n := c.Names
	files, names := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		assert.False(t, files[o.File], "file %s written twice", o.File)
		files[o.File] = true
	}
	for _, np := range policiesOf(objs) {
		assert.False(t, names[np.Name], "policy %s twice", np.Name)
		names[np.Name] = true
		assert.Equal(t, "NetworkPolicy", np.Kind)
		assert.Equal(t, "networking.k8s.io/v1", np.APIVersion)
		assert.Equal(t, "mq", np.Namespace)
		assert.Equal(t, naming.FunctionName, np.Annotations[naming.AnnotationGenerated])
		for k, v := range n.Selector() {
			assert.Equal(t, v, np.Spec.PodSelector.MatchLabels[k], "%s selects beyond the cluster", np.Name)
		}
		// A rule without ports opens every port.
		for _, r := range np.Spec.Ingress {
			assert.NotEmpty(t, r.Ports, "%s has an ingress rule without ports", np.Name)
		}
		for _, r := range np.Spec.Egress {
			assert.NotEmpty(t, r.Ports, "%s has an egress rule without ports", np.Name)
			assert.NotEmpty(t, r.To, "%s has an egress rule to anywhere", np.Name)
		}
	}
	deny := policiesOf(objs)[0]
	assert.Equal(t, "rmq-default-deny", deny.Name)
	assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, deny.Spec.PolicyTypes)
	assert.Empty(t, deny.Spec.Ingress)
	assert.Empty(t, deny.Spec.Egress)
	var order []string
	for _, np := range policiesOf(objs) {
		order = append(order, np.Name)
	}
	assert.Equal(t, []string{"rmq-default-deny", "rmq-peers", "rmq-peers-engine", "rmq-clients-broker", "rmq-admin", "rmq-egress"}, order)
	assert.True(t, files["networkpolicy-default-deny.yaml"])
	assert.True(t, files["networkpolicy-clients-broker.yaml"])
}

func findPolicy(t *testing.T, objs []output.Object, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	for _, np := range policiesOf(objs) {
		if np.Name == name {
			return np
		}
	}
	require.Failf(t, "policy missing", "no NetworkPolicy %s", name)
	return nil
}

func TestPeersOnlyFromOwnPods(t *testing.T) {
	c := cluster(t, `{environment: prod, `+splitPools+`}`)
	objs, err := Build(c)
	require.NoError(t, err)
	n := c.Names
	own := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: n.Selector()}}}

	peers := findPolicy(t, objs, "rmq-peers")
	assert.Equal(t, n.Selector(), peers.Spec.PodSelector.MatchLabels)
	require.Len(t, peers.Spec.Ingress, 1)
	assert.Equal(t, own, peers.Spec.Ingress[0].From)
	assert.Equal(t, []string{"1228/TCP", "58080/TCP"}, portList(peers.Spec.Ingress[0].Ports))

	engine := findPolicy(t, objs, "rmq-peers-engine")
	assert.Equal(t, n.RoleSelector(v1alpha1.RoleEngine), engine.Spec.PodSelector.MatchLabels)
	require.Len(t, engine.Spec.Ingress, 1)
	assert.Equal(t, own, engine.Spec.Ingress[0].From)
	assert.Equal(t, []string{"1778/TCP"}, portList(engine.Spec.Ingress[0].Ports))
}

func portList(ports []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%s/%s", p.Port.String(), *p.Protocol))
	}
	return out
}

func TestClients(t *testing.T) {
	t.Run("empty means from anywhere", func(t *testing.T) {
		objs, err := Build(cluster(t, `{}`))
		require.NoError(t, err)
		p := findPolicy(t, objs, "rmq-clients-broker")
		require.Len(t, p.Spec.Ingress, 1)
		assert.Nil(t, p.Spec.Ingress[0].From, "no from admits every source")
		assert.Equal(t, []string{"1883/TCP", "1885/TCP", "8083/TCP", "8085/TCP"}, portList(p.Spec.Ingress[0].Ports))
	})
	t.Run("peers and QUIC over UDP", func(t *testing.T) {
		c := cluster(t, `{listeners: {mqtt: {tcp: {expose: false}, websocket: {expose: false}, quic: {expose: true}}},
  networkPolicy: {clients: [
    {cidr: 10.0.0.0/8, except: [10.1.0.0/16]},
    {namespaceSelector: {matchLabels: {team: iot}}},
    {namespaceSelector: {matchLabels: {team: web}}, podSelector: {matchLabels: {app: gw}}},
    {podSelector: {matchLabels: {app: local}}}]}}`)
		objs, err := Build(c)
		require.NoError(t, err)
		p := findPolicy(t, objs, "rmq-clients-broker")
		assert.Equal(t, c.Names.RoleSelector(v1alpha1.RoleBroker), p.Spec.PodSelector.MatchLabels)
		assert.Equal(t, []string{"1885/TCP", "8085/TCP", "9083/UDP"}, portList(p.Spec.Ingress[0].Ports))
		assert.Equal(t, []networkingv1.NetworkPolicyPeer{
			{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}},
			{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "iot"}}},
			{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "web"}},
				PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "gw"}}},
			{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "local"}}},
		}, p.Spec.Ingress[0].From)
	})
}

func TestAdmin(t *testing.T) {
	c := cluster(t, `{monitoring: {namespace: observability}, networkPolicy: {admin: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}, podSelector: {matchLabels: {app: toolbox}}}]}}`)
	objs, err := Build(c)
	require.NoError(t, err)
	p := findPolicy(t, objs, "rmq-admin")
	assert.Equal(t, c.Names.Selector(), p.Spec.PodSelector.MatchLabels)
	require.Len(t, p.Spec.Ingress, 1)
	assert.Equal(t, []string{"58080/TCP"}, portList(p.Spec.Ingress[0].Ports), "the admin policy opens the http port only")
	assert.Equal(t, []networkingv1.NetworkPolicyPeer{
		{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "observability"}}},
		{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ops"}},
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "toolbox"}}},
	}, p.Spec.Ingress[0].From)
	for _, np := range policiesOf(objs) {
		for _, r := range np.Spec.Ingress {
			if slices.Contains(portList(r.Ports), "58080/TCP") && np.Name != "rmq-admin" {
				assert.Equal(t, "rmq-peers", np.Name, "only peers and admin may reach the http port")
			}
		}
	}
}

func TestDNSEgress(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		to         []networkingv1.NetworkPolicyPeer
		ports      []string
	}{{
		name: "kube-dns",
		spec: `{}`,
		to: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
		}},
		ports: []string{"53/UDP", "53/TCP"},
	}, {
		name: "openshift",
		spec: `{security: {openshift: true}}`,
		to: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "openshift-dns"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"dns.operator.openshift.io/daemonset-dns": "default"}},
		}},
		ports: []string{"5353/UDP", "5353/TCP"},
	}, {
		name: "node-local dns override",
		spec: `{networkPolicy: {dns: {peers: [{cidr: 169.254.20.10/32}, {cidr: 10.96.0.10/32}]}}}`,
		to: []networkingv1.NetworkPolicyPeer{
			{IPBlock: &networkingv1.IPBlock{CIDR: "169.254.20.10/32"}},
			{IPBlock: &networkingv1.IPBlock{CIDR: "10.96.0.10/32"}},
		},
		ports: []string{"53/UDP", "53/TCP"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Build(cluster(t, tc.spec))
			require.NoError(t, err)
			p := findPolicy(t, objs, "rmq-egress")
			assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}, p.Spec.PolicyTypes)
			require.NotEmpty(t, p.Spec.Egress)
			assert.Equal(t, tc.to, p.Spec.Egress[0].To)
			assert.Equal(t, tc.ports, portList(p.Spec.Egress[0].Ports))
		})
	}
}

func TestDisabled(t *testing.T) {
	objs, err := Build(cluster(t, `{networkPolicy: {enabled: false}}`))
	require.NoError(t, err)
	assert.Empty(t, objs)

	objs, err = Build(cluster(t, `{networkPolicy: {enabled: false}, tls: {certManager: {issuerRef: {name: ca}}}}`))
	require.NoError(t, err)
	require.Len(t, objs, 1, "the Certificate does not depend on policies: the pods mount its Secret")
	assert.Equal(t, CertificateFile, objs[0].File)
}

func TestTable(t *testing.T) {
	c := cluster(t, `{environment: prod, `+splitPools+`, networkPolicy: {clients: [{cidr: 10.0.0.0/8}, {namespaceSelector: {matchLabels: {team: iot}}}]}}`)
	objs, err := Build(c)
	require.NoError(t, err)
	var cm *corev1.ConfigMap
	for _, o := range objs {
		if o.File == TableFile {
			cm = o.Object.(*corev1.ConfigMap)
		}
	}
	require.NotNil(t, cm, "the table is written to %s", TableFile)
	assert.Equal(t, "true", cm.Annotations[fn.KptLocalConfig])
	assert.Equal(t, "rmq-network", cm.Name)
	md := cm.Data[TableKey]
	for _, np := range policiesOf(objs) {
		assert.Contains(t, md, "| "+np.Name+" |")
	}
	assert.Contains(t, md, "/mcp")
	assert.Contains(t, md, "| cidr 10.0.0.0/8 | broker pods (pools: broker) | 1883 | TCP | mqtt (spec.listeners.mqtt.tcp) | rmq-clients-broker |")
	assert.Contains(t, md, "| all pods in namespaces team=iot | broker pods (pools: broker) | 1883 | TCP |")
	assert.Contains(t, md, "| pods of this cluster | engine pods (pools: engine) | 1778 | TCP |")
	assert.Contains(t, md, "| all pods in namespace monitoring | all pods (pools: meta, broker, engine) | 58080 | TCP |")
	assert.Contains(t, md, "| nobody (expose: false) | broker pods (pools: broker) | 9092 | TCP | kafka (spec.listeners.kafka) | rmq-default-deny |")
	assert.Contains(t, md, "| all pods (pools: meta, broker, engine) | pods k8s-app=kube-dns in namespace kube-system | 53 | UDP | DNS | rmq-egress |")
	// Block-style YAML needs lines without trailing blanks or tabs; otherwise the diff shows one quoted line.
	for _, line := range strings.Split(md, "\n") {
		assert.Equal(t, strings.TrimRight(line, " \t"), line)
		assert.NotContains(t, line, "\t")
	}

	// Every allowed (port, protocol) of every rule shows up as rows, one per source.
	ingress, egress := Rows(c, policiesOf(objs))
	var wantIn, wantEg int
	for _, np := range policiesOf(objs) {
		for _, r := range np.Spec.Ingress {
			wantIn += len(r.Ports) * max(1, len(r.From))
		}
		for _, r := range np.Spec.Egress {
			wantEg += len(r.Ports) * len(r.To)
		}
	}
	assert.Len(t, ingress, wantIn+len(c.Ports.Closed))
	assert.Len(t, egress, wantEg)
}

func TestCertificate(t *testing.T) {
	t.Run("absent without certManager", func(t *testing.T) {
		assert.Nil(t, TLSCertificate(cluster(t, `{tls: {secretName: own}}`)))
	})
	t.Run("split topology with namespace", func(t *testing.T) {
		c := cluster(t, `{environment: prod, `+splitPools+`, tls: {certManager: {
  issuerRef: {name: ca, kind: ClusterIssuer}, duration: 2160h, renewBefore: 360h,
  extraDNSNames: [mqtt.example.com, rmq.mq.svc, "*.mqtt.example.com"]}}}`)
		cert := TLSCertificate(c)
		require.NotNil(t, cert)
		assert.Equal(t, "cert-manager.io/v1", cert.APIVersion)
		assert.Equal(t, "Certificate", cert.Kind)
		assert.Equal(t, "rmq-tls", cert.Name)
		assert.Equal(t, "mq", cert.Namespace)
		assert.Equal(t, c.Names.TLSSecret(), cert.Spec.SecretName)
		assert.Equal(t, IssuerRef{Name: "ca", Kind: "ClusterIssuer", Group: "cert-manager.io"}, cert.Spec.IssuerRef)
		assert.Equal(t, 2160*time.Hour, cert.Spec.Duration.Duration)
		assert.Equal(t, 360*time.Hour, cert.Spec.RenewBefore.Duration)
		assert.Equal(t, "Always", cert.Spec.PrivateKey.RotationPolicy)
		assert.Equal(t, []string{
			"rmq-broker-10.rmq-broker-headless",
			"rmq-broker-10.rmq-broker-headless.mq.svc",
			"rmq-broker-10.rmq-broker-headless.mq.svc.cluster.local",
			"rmq-broker-11.rmq-broker-headless",
			"rmq-broker-11.rmq-broker-headless.mq.svc",
			"rmq-broker-11.rmq-broker-headless.mq.svc.cluster.local",
			"rmq", "rmq.mq", "rmq.mq.svc", "rmq.mq.svc.cluster.local",
			"mqtt.example.com", "*.mqtt.example.com",
		}, cert.Spec.DNSNames, "broker pods only (they alone have TLS listeners), the client Service, then extra names without duplicates")
	})
	t.Run("no namespace, relative names only", func(t *testing.T) {
		c := decode(t, `metadata: {name: rmq}
spec: {tls: {certManager: {issuerRef: {name: ca}}}}`)
		cert := TLSCertificate(c)
		assert.Equal(t, []string{"rmq-node-1.rmq-node-headless", "rmq"}, cert.Spec.DNSNames)
		assert.Equal(t, IssuerRef{Name: "ca", Kind: "Issuer", Group: "cert-manager.io"}, cert.Spec.IssuerRef)
		assert.Nil(t, cert.Spec.Duration)
		assert.Nil(t, cert.Spec.RenewBefore)
	})
	t.Run("converts like the processor does", func(t *testing.T) {
		c := cluster(t, `{tls: {certManager: {issuerRef: {name: ca}, duration: 2160h}}}`)
		cert := TLSCertificate(c)
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cert)
		require.NoError(t, err)
		spec := m["spec"].(map[string]any)
		assert.Equal(t, "2160h0m0s", spec["duration"])
		assert.Equal(t, "rmq-tls", spec["secretName"])
		assert.Equal(t, map[string]any{"rotationPolicy": "Always", "encoding": "PKCS8"}, spec["privateKey"])
		assert.Equal(t, "cert-manager.io/v1", m["apiVersion"])
	})
}

func TestDeterministic(t *testing.T) {
	render := func() string {
		c := cluster(t, `{environment: prod, `+splitPools+`, `+allExposed+`, tls: {certManager: {issuerRef: {name: ca}}},
  networkPolicy: {clients: [{cidr: 10.0.0.0/8}], admin: [{podSelector: {matchLabels: {app: toolbox}}}]}}`)
		objs, err := Build(c)
		require.NoError(t, err)
		var b strings.Builder
		for _, o := range objs {
			y, err := yaml.Marshal(o.Object)
			require.NoError(t, err)
			fmt.Fprintf(&b, "# %s\n%s---\n", o.File, y)
		}
		return b.String()
	}
	first := render()
	for range 5 {
		require.Equal(t, first, render())
	}
}
