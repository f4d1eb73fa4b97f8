package v1alpha1

import corev1 "k8s.io/api/core/v1"

// Ports RobustMQ uses between nodes; fixed so that probes, Services and NetworkPolicies never disagree with them.
const (
	GRPCPort   int32 = 1228
	HTTPPort   int32 = 58080
	EnginePort int32 = 1778
)

// NamedPort is one port of the cluster: a client listener or a fixed inter-node port.
type NamedPort struct {
	Path     string // field path in the spec, or "" for fixed ports
	Name     string // Kubernetes port name (≤ 15 characters)
	Port     int32
	Protocol corev1.Protocol
	Role     Role // the role that listens on it; "" for every node
	Expose   bool // on the client Service
	TLS      bool
}

// Ports lists every port a node may listen on, in a fixed order. Builders of server.toml, containers, Services,
// probes and NetworkPolicies all read ports from here.
func (s *Spec) Ports() []NamedPort {
	l := &s.Listeners
	listener := func(path, name string, x Listener, proto corev1.Protocol, tls bool) NamedPort {
		return NamedPort{Path: path, Name: name, Port: x.Port, Protocol: proto, Role: RoleBroker, Expose: *x.Expose, TLS: tls}
	}
	return []NamedPort{
		{Name: "grpc", Port: GRPCPort, Protocol: corev1.ProtocolTCP},
		{Name: "http", Port: HTTPPort, Protocol: corev1.ProtocolTCP},
		{Name: "engine", Port: EnginePort, Protocol: corev1.ProtocolTCP, Role: RoleEngine},
		listener("mqtt.tcp", "mqtt", l.MQTT.TCP, corev1.ProtocolTCP, false),
		listener("mqtt.tls", "mqtts", l.MQTT.TLS, corev1.ProtocolTCP, true),
		listener("mqtt.websocket", "mqtt-ws", l.MQTT.WebSocket, corev1.ProtocolTCP, false),
		listener("mqtt.websocketTLS", "mqtt-wss", l.MQTT.WebSocketTLS, corev1.ProtocolTCP, true),
		listener("mqtt.quic", "mqtt-quic", l.MQTT.QUIC, corev1.ProtocolUDP, true),
		listener("kafka", "kafka", l.Kafka, corev1.ProtocolTCP, false),
		listener("amqp", "amqp", l.AMQP, corev1.ProtocolTCP, false),
		listener("nats.tcp", "nats", l.NATS.TCP, corev1.ProtocolTCP, false),
		listener("nats.tls", "nats-tls", l.NATS.TLS, corev1.ProtocolTCP, true),
		listener("nats.websocket", "nats-ws", l.NATS.WebSocket, corev1.ProtocolTCP, false),
		listener("nats.websocketTLS", "nats-wss", l.NATS.WebSocketTLS, corev1.ProtocolTCP, true),
	}
}
