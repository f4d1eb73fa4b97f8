package manifests

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// probes use TCP connects: no HTTP health endpoint is usable in v0.4.11 (/api/health/* needs a token,
// docs/robustmq.md §4). Readiness of a meta pool must pass before Raft quorum, or a full restart deadlocks: pod 1
// waits for quorum to open its MQTT ports, and OrderedReady never creates pod 2 (docs/robustmq.md §7). gRPC opens before quorum, so meta pools
// probe it. Pools without meta are not part of the quorum and probe the port their clients use.
func probes(c *topology.Cluster, p *topology.Pool) (readiness, liveness, startup *corev1.Probe) {
	tcp := func(port int32, period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}},
			PeriodSeconds:    period,
			TimeoutSeconds:   3,
			FailureThreshold: failures,
			SuccessThreshold: 1,
		}
	}
	readyPort := c.Ports.GRPC.Port
	switch {
	case p.Has(v1alpha1.RoleMeta):
	case p.Has(v1alpha1.RoleBroker):
		readyPort = c.Spec.Listeners.MQTT.TCP.Port
	case p.Has(v1alpha1.RoleEngine):
		readyPort = c.Ports.Engine.Port
	}
	readiness = tcp(readyPort, 5, 3)
	liveness = tcp(c.Ports.Admin.Port, 10, 6)
	// gRPC and HTTP open first at start-up, before Raft or RocksDB recovery; allow 5 minutes for the rest.
	startup = tcp(c.Ports.Admin.Port, 5, 60)
	return readiness, liveness, startup
}
