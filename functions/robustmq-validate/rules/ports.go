package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// Listener is one port a node listens on, from its server.toml.
type Listener struct {
	Key      string
	Port     int32
	Protocol corev1.Protocol
}

// listenerKeys are the port keys of server.toml and their code defaults, by role; "" is every node
// (docs/robustmq.md §1, §2). QUIC is the only UDP listener.
var listenerKeys = []struct {
	role, key string
	def       int32
	proto     corev1.Protocol
}{
	{"", "grpc_port", 1228, corev1.ProtocolTCP},
	{"", "http_port", 58080, corev1.ProtocolTCP},
	{"engine", "storage_runtime.tcp_port", 1778, corev1.ProtocolTCP},
	{"broker", "mqtt_runtime.server.tcp_port", 1883, corev1.ProtocolTCP},
	{"broker", "mqtt_runtime.server.tls_port", 1885, corev1.ProtocolTCP},
	{"broker", "mqtt_runtime.server.websocket_port", 8083, corev1.ProtocolTCP},
	{"broker", "mqtt_runtime.server.websockets_port", 8085, corev1.ProtocolTCP},
	{"broker", "mqtt_runtime.server.quic_port", 9083, corev1.ProtocolUDP},
	{"broker", "kafka_runtime.tcp_port", 9092, corev1.ProtocolTCP},
	{"broker", "amqp_runtime.tcp_port", 5672, corev1.ProtocolTCP},
	{"broker", "nats_runtime.tcp_port", 4222, corev1.ProtocolTCP},
	{"broker", "nats_runtime.tls_port", 4223, corev1.ProtocolTCP},
	{"broker", "nats_runtime.ws_port", 4080, corev1.ProtocolTCP},
	{"broker", "nats_runtime.wss_port", 4443, corev1.ProtocolTCP},
}

// Listeners are the ports a node listens on. storage_runtime.tcp_port defaults to 1779 when the section exists
// without the key (docs/robustmq.md §2).
func Listeners(n *inventory.Node) []Listener {
	var out []Listener
	for _, l := range listenerKeys {
		if l.role != "" && !n.Has(l.role) {
			continue
		}
		def := l.def
		if l.key == "storage_runtime.tcp_port" {
			if _, ok := n.Lookup("storage_runtime"); ok {
				def = 1779
			}
		}
		out = append(out, Listener{l.key, int32(n.Int(l.key, int64(def))), l.proto})
	}
	return out
}

// sidecarPort reports whether another container of the pod declares the port: traffic for a sidecar is not
// RobustMQ's.
func sidecarPort(n *inventory.Node, port int32, proto corev1.Protocol) bool {
	for _, c := range n.Spec.Containers {
		if c.Name == n.Container.Name {
			continue
		}
		for _, cp := range c.Ports {
			if cp.ContainerPort == port && protocol(cp.Protocol) == proto {
				return true
			}
		}
	}
	return false
}

func listenerOf(n *inventory.Node, port int32, proto corev1.Protocol) (Listener, bool) {
	for _, l := range Listeners(n) {
		if l.Port == port && l.Protocol == proto {
			return l, true
		}
	}
	return Listener{}, false
}

func describe(n *inventory.Node) string {
	var s []string
	for _, l := range Listeners(n) {
		p := fmt.Sprint(l.Port)
		if l.Protocol != corev1.ProtocolTCP {
			p += "/" + string(l.Protocol)
		}
		s = append(s, p)
	}
	return strings.Join(s, ", ")
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// containerPort resolves a port of the node's container by number or name. Names are looked up in every container
// of the pod; ok is false when no container declares the name.
func containerPort(n *inventory.Node, p intstr.IntOrString, proto corev1.Protocol) (int32, corev1.Protocol, bool, bool) {
	if p.Type == intstr.Int {
		return p.IntVal, protocol(proto), true, true
	}
	for _, cp := range n.Container.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort, protocol(cp.Protocol), true, true
		}
	}
	for _, c := range n.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == p.StrVal {
				return cp.ContainerPort, protocol(cp.Protocol), false, true // another container's port
			}
		}
	}
	return 0, "", false, false
}

// ports: every port that points at a RobustMQ container (its declared container ports, Service target ports,
// NetworkPolicy ports) is one its server.toml listens on, with the same protocol. A mismatch is a Service without
// endpoints, a policy that blocks the real port, or a stale port after a config patch.
func ports(inv *inventory.Inventory) []Finding {
	var out []Finding
	for _, n := range inv.Nodes {
		if n.Config == nil {
			continue
		}
		for i, cp := range n.Container.Ports {
			if _, ok := listenerOf(n, cp.ContainerPort, protocol(cp.Protocol)); !ok {
				out = append(out, Finding{Rule: Ports, Object: n.Object, Field: fmt.Sprintf("%s.ports[%d]", n.ContainerPath, i),
					Message: fmt.Sprintf("container %s declares port %d/%s (%s), but its server.toml listens on %s", n.Container.Name,
						cp.ContainerPort, protocol(cp.Protocol), cp.Name, describe(n))})
			}
		}
	}
	for _, s := range inv.Services {
		out = append(out, servicePorts(inv, s)...)
	}
	for _, np := range inv.NetworkPolicies {
		out = append(out, policyPorts(inv, np)...)
	}
	return out
}

func servicePorts(inv *inventory.Inventory, s *inventory.Service) []Finding {
	sel := s.Svc.Spec.Selector
	if len(sel) == 0 {
		return nil
	}
	var out []Finding
	for _, n := range inv.Nodes {
		if n.Config == nil || n.Namespace != s.KO.GetNamespace() || !labels.SelectorFromSet(sel).Matches(labels.Set(n.PodLabels)) {
			continue
		}
		for i, sp := range s.Svc.Spec.Ports {
			target := sp.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(sp.Port)
			}
			port, _, own, ok := containerPort(n, target, sp.Protocol)
			field := fmt.Sprintf("spec.ports[%d]", i)
			switch {
			case !ok:
				out = append(out, Finding{Rule: Ports, Object: s.Object, Field: field + ".targetPort", Message: fmt.Sprintf(
					"targetPort %s is not a port of %s %s: its pods are no endpoints of this port", target.StrVal, n.Kind, n.Name)})
			case !own, sidecarPort(n, port, protocol(sp.Protocol)):
			default:
				if _, ok := listenerOf(n, port, protocol(sp.Protocol)); !ok {
					out = append(out, Finding{Rule: Ports, Object: s.Object, Field: field, Message: fmt.Sprintf(
						"port %s sends to %d/%s on the pods of %s %s, whose server.toml listens on %s", portName(sp), port,
						protocol(sp.Protocol), n.Kind, n.Name, describe(n))})
				}
			}
		}
	}
	return out
}

func portName(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return fmt.Sprint(sp.Port)
}

func selects(sel *metav1.LabelSelector, podLabels map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(podLabels))
}

// policyPorts: the ports a NetworkPolicy opens into RobustMQ pods (ingress of the pods it selects, egress to
// RobustMQ pods of its namespace) must be ports at least one of those pods listens on.
func policyPorts(inv *inventory.Inventory, np *inventory.NetworkPolicy) []Finding {
	ns := np.KO.GetNamespace()
	nodesMatching := func(sel *metav1.LabelSelector) []*inventory.Node {
		var out []*inventory.Node
		for _, n := range inv.Nodes {
			if n.Config != nil && n.Namespace == ns && selects(sel, n.PodLabels) {
				out = append(out, n)
			}
		}
		return out
	}
	var out []Finding
	check := func(field string, targets []*inventory.Node, p networkingPort) {
		if p.port == nil || p.endPort != nil {
			return
		}
		for _, n := range targets {
			port, proto, own, ok := containerPort(n, *p.port, p.proto)
			if ok {
				if _, ok := listenerOf(n, port, proto); ok || !own || sidecarPort(n, port, proto) {
					return
				}
			}
		}
		var names []string
		for _, n := range targets {
			names = append(names, fmt.Sprintf("%s %s (%s)", n.Kind, n.Name, describe(n)))
		}
		out = append(out, Finding{Rule: Ports, Object: np.Object, Field: field, Message: fmt.Sprintf(
			"opens port %s/%s, which none of the RobustMQ pods it applies to listens on: %s", p.port.String(), protocol(p.proto),
			strings.Join(names, "; "))})
	}
	if targets := nodesMatching(&np.NP.Spec.PodSelector); len(targets) > 0 {
		for i, r := range np.NP.Spec.Ingress {
			for j, p := range r.Ports {
				check(fmt.Sprintf("spec.ingress[%d].ports[%d]", i, j), targets, networkingPort{p.Port, p.EndPort, derefProto(p.Protocol)})
			}
		}
	}
	for i, r := range np.NP.Spec.Egress {
		var targets []*inventory.Node
		onlyPods := len(r.To) > 0
		for _, peer := range r.To {
			if peer.PodSelector == nil || peer.NamespaceSelector != nil || peer.IPBlock != nil {
				onlyPods = false
				break
			}
			targets = append(targets, nodesMatching(peer.PodSelector)...)
		}
		if !onlyPods || len(targets) == 0 {
			continue
		}
		for j, p := range r.Ports {
			check(fmt.Sprintf("spec.egress[%d].ports[%d]", i, j), targets, networkingPort{p.Port, p.EndPort, derefProto(p.Protocol)})
		}
	}
	return out
}

type networkingPort struct {
	port    *intstr.IntOrString
	endPort *int32
	proto   corev1.Protocol
}

func derefProto(p *corev1.Protocol) corev1.Protocol {
	if p == nil {
		return corev1.ProtocolTCP
	}
	return *p
}
