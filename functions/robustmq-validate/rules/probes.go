package rules

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// probes: a probe must be able to pass on the pinned release, and the readiness of a meta pool must pass before
// Raft quorum (docs/robustmq.md §4, §7).
func probes(n *inventory.Node, opts Options) []Finding {
	if n.Config == nil {
		return nil
	}
	var out []Finding
	httpPort := int32(n.Int("http_port", 58080))
	grpcPort := int32(n.Int("grpc_port", DefaultGRPCPort))
	// OrderedReady (the default) creates pod n+1 only once pod n is ready; one pod alone has quorum.
	ordered := n.StatefulSet != nil && n.StatefulSet.Spec.PodManagementPolicy != appsv1.ParallelPodManagement && n.Replicas > 1
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"startupProbe", n.Container.StartupProbe}, {"readinessProbe", n.Container.ReadinessProbe}, {"livenessProbe", n.Container.LivenessProbe}} {
		p := pr.probe
		if p == nil {
			continue
		}
		field := n.ContainerPath + "." + pr.name
		add := func(rule, sub, msg string) {
			out = append(out, Finding{Rule: rule, Object: n.Object, Field: field + sub,
				Message: fmt.Sprintf("container %s %s: %s", n.Container.Name, pr.name, msg)})
		}
		var port int32
		var resolved bool
		switch {
		case p.GRPC != nil:
			add(ProbeGRPC, ".grpc", "RobustMQ has no gRPC health service, so a gRPC probe never passes (docs/robustmq.md §4); "+
				"probe grpc_port with tcpSocket")
			continue
		case p.TCPSocket != nil:
			pt, proto, _, ok := containerPort(n, p.TCPSocket.Port, corev1.ProtocolTCP)
			if !ok {
				add(Ports, ".tcpSocket.port", fmt.Sprintf("port %s is not declared by the container", p.TCPSocket.Port.String()))
				continue
			}
			port, resolved = pt, true
			if l, ok := listenerOf(n, pt, corev1.ProtocolUDP); ok || proto == corev1.ProtocolUDP {
				add(ProbeQUIC, ".tcpSocket.port", fmt.Sprintf("port %d is %s, a UDP listener: a TCP connect to it always fails", pt,
					orName(l.Key, "UDP")))
				continue
			}
			if _, ok := listenerOf(n, pt, corev1.ProtocolTCP); !ok {
				add(Ports, ".tcpSocket.port", fmt.Sprintf("port %d is not one server.toml listens on (%s)", pt, describe(n)))
				continue
			}
		case p.HTTPGet != nil:
			pt, _, _, ok := containerPort(n, p.HTTPGet.Port, corev1.ProtocolTCP)
			if !ok {
				add(Ports, ".httpGet.port", fmt.Sprintf("port %s is not declared by the container", p.HTTPGet.Port.String()))
				continue
			}
			port, resolved = pt, true
			path := p.HTTPGet.Path
			if pt != httpPort {
				l, _ := listenerOf(n, pt, corev1.ProtocolTCP)
				why := "which is no HTTP health endpoint"
				if strings.HasSuffix(l.Key, "websocket_port") || strings.HasSuffix(l.Key, "websockets_port") || strings.HasSuffix(l.Key, "ws_port") {
					why = "a WebSocket listener that serves only the upgrade at /mqtt (docs/robustmq.md §2)"
				}
				add(ProbeHTTP, ".httpGet", fmt.Sprintf("HTTP GET %s on port %d (%s), %s; the admin HTTP server is http_port %d",
					path, pt, orName(l.Key, "not a listener"), why, httpPort))
				continue
			}
			switch {
			case strings.HasPrefix(path, "/api/"):
				add(ProbeHTTP, ".httpGet.path", fmt.Sprintf("on RobustMQ %s every path under /api needs a bearer token unless the "+
					"caller is loopback, so the kubelet gets 401 (docs/robustmq.md §4, §11.9); probe grpc_port with tcpSocket", opts.Version))
				continue
			case strings.HasPrefix(path, "/health"):
				add(ProbeHTTPNoop, ".httpGet.path", fmt.Sprintf("RobustMQ %s has no %s route at the root: the web UI answers 200 "+
					"to any GET, so the probe checks nothing (docs/robustmq.md §4)", opts.Version, path))
			}
		}
		if resolved && ordered && n.Has("meta") && pr.name != "livenessProbe" && port != grpcPort && port != httpPort {
			add(ProbeDeadlock, "", fmt.Sprintf("port %d opens only after meta quorum (docs/robustmq.md §4); under OrderedReady the "+
				"first meta pod of a full restart never becomes ready and the next is never created (docs/robustmq.md §7); probe "+
				"grpc_port %d, which opens before quorum", port, grpcPort))
		}
	}
	return out
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
