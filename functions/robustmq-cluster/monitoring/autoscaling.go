package monitoring

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// autoscaledPoolDegraded compares ready pods with the count the HPA asks for right now (kube-state-metrics'
// kube_statefulset_replicas is the StatefulSet's spec.replicas, which the HPA writes), not with a number fixed at
// render time: a fixed number would fire after every scale-down and miss a shortfall above it.
func autoscaledPoolDegraded(c *topology.Cluster, p *topology.Pool) monitoringv1.Rule {
	sel := selector(c.Namespace, "statefulset", p.StatefulSet)
	return rule(c, AlertPoolDegraded, severityWarning, "15m", map[string]string{naming.MetricLabelPool: p.Name},
		fmt.Sprintf("kube_statefulset_status_replicas_ready%s < on (namespace, statefulset) kube_statefulset_replicas%s", sel, sel),
		"RobustMQ pool {{ $labels.statefulset }} runs below the replicas its autoscaler asks for.",
		"{{ $value }} pods of the autoscaled StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} are ready, fewer than its HorizontalPodAutoscaler wants.")
}
