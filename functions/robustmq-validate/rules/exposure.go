package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// tlsListeners are served with broker_network's certificate pair (docs/robustmq.md §2).
var tlsListeners = map[string]bool{
	"mqtt_runtime.server.tls_port":        true,
	"mqtt_runtime.server.websockets_port": true,
	"mqtt_runtime.server.quic_port":       true,
	"nats_runtime.tls_port":               true,
	"nats_runtime.wss_port":               true,
}

// The image's own pair, whose private key ships in every copy of the image (docs/robustmq.md §1).
const imageCert = "/robustmq/config/certs/cert.pem"

// exposure is the manifest form of the generator's plaintext-exposed and tls-self-signed rules: which listeners a
// Service carries, read from the Services that select RobustMQ pods.
func exposure(inv *inventory.Inventory) []Finding {
	var out []Finding
	for _, s := range inv.Services {
		sel := s.Svc.Spec.Selector
		if len(sel) == 0 || s.Svc.Spec.ClusterIP == corev1.ClusterIPNone {
			continue
		}
		external := s.Svc.Spec.Type == corev1.ServiceTypeNodePort || s.Svc.Spec.Type == corev1.ServiceTypeLoadBalancer
		for _, n := range inv.Nodes {
			if n.Config == nil || n.Namespace != s.KO.GetNamespace() || !labels.SelectorFromSet(sel).Matches(labels.Set(n.PodLabels)) {
				continue
			}
			var tls []string
			for i, sp := range s.Svc.Spec.Ports {
				target := sp.TargetPort
				if target.Type == intstr.Int && target.IntVal == 0 {
					target = intstr.FromInt32(sp.Port)
				}
				port, _, own, ok := containerPort(n, target, sp.Protocol)
				if !ok || !own {
					continue
				}
				l, ok := listenerOf(n, port, protocol(sp.Protocol))
				if !ok {
					continue
				}
				if tlsListeners[l.Key] {
					tls = append(tls, fmt.Sprintf("%s (%d)", l.Key, l.Port))
					continue
				}
				if !external {
					continue
				}
				msg := fmt.Sprintf("plain-text listener %s (%d) is on %s Service %s: credentials and messages cross the network "+
					"unencrypted; expose only TLS listeners outside the cluster", l.Key, l.Port, s.Svc.Spec.Type, s.Svc.Name)
				if l.Key == "http_port" {
					msg = fmt.Sprintf("the http port %d is on %s Service %s: it serves the admin API and /mcp, which has no "+
						"authentication (docs/robustmq.md §11.9); never expose it outside the cluster", l.Port, s.Svc.Spec.Type, s.Svc.Name)
				}
				out = append(out, Finding{Rule: PlaintextExposed, Object: s.Object, Field: fmt.Sprintf("spec.ports[%d]", i), Message: msg})
			}
			if len(tls) > 0 && n.ConfigMap != nil && usesImageCert(inv, n) {
				out = append(out, Finding{Rule: SelfSignedTLS, Object: n.ConfigMap.Object, Field: n.ConfigField("broker_network.tls_cert"),
					Message: fmt.Sprintf("Service %s carries TLS listeners (%s) served with the image's self-signed certificate, "+
						"whose private key ships in every copy of the image (docs/robustmq.md §1); mount a certificate of your own "+
						"and point broker_network.tls_cert and tls_key at it", s.Svc.Name, strings.Join(tls, ", "))})
			}
		}
	}
	return out
}

// usesImageCert: the node's certificate is the image's file, not hidden by a volume.
func usesImageCert(inv *inventory.Inventory, n *inventory.Node) bool {
	p := "./config/certs/cert.pem"
	if v, ok := n.Lookup("broker_network.tls_cert"); ok {
		if s, ok := v.(string); ok {
			p = s
		}
	}
	abs := n.Abs(p)
	if abs != imageCert {
		return false
	}
	m, _ := n.MountFor(abs)
	return m == nil
}
