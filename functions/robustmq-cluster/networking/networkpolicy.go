package networking

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// NetworkPolicies isolates the cluster's pods: everything is denied, then each policy opens one kind of traffic.
// Policies are additive, so each one stays readable on its own. Every port comes from the same model that
// writes server.toml (topology.Ports), so a port change can never leave a listener closed or a stale port open.
func NetworkPolicies(c *topology.Cluster) []Policy {
	out := []Policy{defaultDeny(c)}
	out = append(out, peerPolicies(c)...)
	out = append(out, clientPolicies(c)...)
	return append(out, adminPolicy(c), egressPolicy(c))
}

// Policy is a NetworkPolicy and its kind, the part of its name after the cluster's (naming.NetworkPolicy).
type Policy struct {
	*networkingv1.NetworkPolicy
	kind string
}

func objects(policies []Policy) []*networkingv1.NetworkPolicy {
	out := make([]*networkingv1.NetworkPolicy, len(policies))
	for i, p := range policies {
		out[i] = p.NetworkPolicy
	}
	return out
}

// defaultDeny selects every pod of the cluster for both directions without allowing anything, so a port no
// other policy names (a listener not exposed, a future one) stays closed.
func defaultDeny(c *topology.Cluster) Policy {
	n := c.Names
	return policy(n, kindDefaultDeny, n.Selector(), []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress})
}

// peerPolicies open the inter-node ports to the cluster's own pods only: gRPC (Raft and node calls) and http on
// every pod, since the admin API proxies requests such as config/get?broker_id to the other nodes' http_addr
// (docs/robustmq.md §11.6), and the engine port on engine pods. One policy per role keeps a port closed on pods that do
// not listen on it.
func peerPolicies(c *topology.Cluster) []Policy {
	n := c.Names
	var out []Policy
	for _, g := range byRole(c, c.Ports.Peer) {
		p := policy(n, suffix("peers", g.role), podsOf(n, g.role), []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
		p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
			From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: n.Selector()}}},
			Ports: policyPorts(g.ports),
		}}
		out = append(out, p)
	}
	return out
}

// clientPolicies open the exposed listeners to spec.networkPolicy.clients. Empty means from anywhere, so that
// turning policies on never silently cuts clients off. With no listener exposed there is no policy at all: a rule
// without ports would open every port.
func clientPolicies(c *topology.Cluster) []Policy {
	n := c.Names
	var out []Policy
	for _, g := range byRole(c, c.Ports.Exposed) {
		p := policy(n, suffix("clients", g.role), podsOf(n, g.role), []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
		p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
			From:  peers(c.Spec.NetworkPolicy.Clients),
			Ports: policyPorts(g.ports),
		}}
		out = append(out, p)
	}
	return out
}

// adminPolicy opens the http port to Prometheus and the admin peers only. The same port serves /metrics, the
// admin API (token, or none from loopback) and /mcp without any authentication (docs/robustmq.md §11.9), so it is
// never opened wider by default.
func adminPolicy(c *topology.Cluster) Policy {
	n := c.Names
	s := &c.Spec
	ports := []v1alpha1.NamedPort{c.Ports.Admin}
	p := policy(n, "admin", n.Selector(), []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
	from := []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
		MatchLabels: map[string]string{corev1.LabelMetadataName: s.Monitoring.Namespace},
	}}}
	p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  append(from, peers(s.NetworkPolicy.Admin)...),
		Ports: policyPorts(ports),
	}}
	return p
}

// egressPolicy lets the pods resolve names (meta_addrs are DNS names) and reach each other on the peer ports,
// nothing else: RobustMQ never calls the Kubernetes API, and connectors to outside systems need a policy of
// their own (docs/security.md).
func egressPolicy(c *topology.Cluster) Policy {
	n := c.Names
	dns := c.Spec.NetworkPolicy.DNS
	p := policy(n, "egress", n.Selector(), []networkingv1.PolicyType{networkingv1.PolicyTypeEgress})
	p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To: peers(dns.Peers),
		Ports: policyPorts([]v1alpha1.NamedPort{
			{Name: "dns", Port: *dns.Port, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", Port: *dns.Port, Protocol: corev1.ProtocolTCP},
		}),
	}}
	for _, g := range byRole(c, c.Ports.Peer) {
		p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: podsOf(n, g.role)}}},
			Ports: policyPorts(g.ports),
		})
	}
	return p
}

// portGroup is the ports one set of pods listens on: every pod (role "") or the pods of one role.
type portGroup struct {
	role  v1alpha1.Role
	ports []v1alpha1.NamedPort
}

// byRole groups ports by the role that listens on them, in the model's order, and leaves out roles no pool runs.
func byRole(c *topology.Cluster, ports []v1alpha1.NamedPort) []portGroup {
	var groups []portGroup
	index := map[v1alpha1.Role]int{}
	for _, np := range ports {
		if np.Role != "" && !c.Runs(np.Role) {
			continue
		}
		i, ok := index[np.Role]
		if !ok {
			i = len(groups)
			index[np.Role] = i
			groups = append(groups, portGroup{role: np.Role})
		}
		groups[i].ports = append(groups[i].ports, np)
	}
	return groups
}

// podsOf selects every pod of the cluster, or those of one role.
func podsOf(n naming.Cluster, r v1alpha1.Role) map[string]string {
	if r == "" {
		return n.Selector()
	}
	return n.RoleSelector(r)
}

func suffix(base string, r v1alpha1.Role) string {
	if r == "" {
		return base
	}
	return base + "-" + string(r)
}

// kindDefaultDeny is the policy that denies whatever no other policy opens; the table names it.
const kindDefaultDeny = "default-deny"

func policy(n naming.Cluster, kind string, pods map[string]string, types []networkingv1.PolicyType) Policy {
	return Policy{kind: kind, NetworkPolicy: &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: n.Meta(n.NetworkPolicy(kind), n.Labels()),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: pods},
			PolicyTypes: types,
		},
	}}
}

// policyPorts are numeric, not named: a number means the same thing to every CNI and to a reviewer.
func policyPorts(ports []v1alpha1.NamedPort) []networkingv1.NetworkPolicyPort {
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ports))
	for _, np := range ports {
		port := intstr.FromInt32(np.Port)
		proto := np.Protocol
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
	}
	return out
}

// peers converts API peers. nil stays nil: an ingress rule without from admits every source.
func peers(list []v1alpha1.Peer) []networkingv1.NetworkPolicyPeer {
	var out []networkingv1.NetworkPolicyPeer
	for _, p := range list {
		if p.CIDR != "" {
			out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: p.CIDR, Except: p.Except}})
			continue
		}
		out = append(out, networkingv1.NetworkPolicyPeer{
			NamespaceSelector: p.NamespaceSelector.DeepCopy(),
			PodSelector:       p.PodSelector.DeepCopy(),
		})
	}
	return out
}
