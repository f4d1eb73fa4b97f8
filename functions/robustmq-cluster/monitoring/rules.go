package monitoring

import (
	"fmt"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Alert names. Each has a runbook in docs/monitoring.md under a heading of the same name.
const (
	AlertMetaQuorumLost               = "RobustMQMetaQuorumLost"
	AlertMetaQuorumAtRisk             = "RobustMQMetaQuorumAtRisk"
	AlertPoolDegraded                 = "RobustMQPoolDegraded"
	AlertPodRestartLoop               = "RobustMQPodRestartLoop"
	AlertVolumeFillingUp              = "RobustMQVolumeFillingUp"
	AlertVolumeFull                   = "RobustMQVolumeFull"
	AlertTargetDown                   = "RobustMQTargetDown"
	AlertMetricsAbsent                = "RobustMQMetricsAbsent"
	AlertKubeStateMetricsAbsent       = "RobustMQKubeStateMetricsAbsent"
	AlertMQTTConnectionFailures       = "RobustMQMQTTConnectionFailures"
	AlertMQTTAuthFailures             = "RobustMQMQTTAuthFailures"
	AlertMQTTPacketErrors             = "RobustMQMQTTPacketErrors"
	AlertRaftWriteFailures            = "RobustMQRaftWriteFailures"
	AlertHandlerTimeouts              = "RobustMQHandlerTimeouts"
	AlertGRPCErrors                   = "RobustMQGRPCErrors"
	severityCritical, severityWarning = "critical", "warning"
)

// Thresholds of the alerts that do not follow from the topology, in one place so docs and tests can name them.
const (
	VolumeWarnFreeRatio     = 0.15
	VolumeCriticalFreeRatio = 0.05
	RestartLoopRestarts     = 2 // more than this many restarts in 30 minutes (kubelet back-off caps at 5 minutes)
	ConnectionFailureRatio  = 0.1
	AuthFailuresPerSecond   = 1
	PacketErrorRatio        = 0.05
	HandlerTimeoutRatio     = 0.01
	GRPCErrorRatio          = 0.05
)

// PrometheusRule alerts on what the topology promises (Raft quorum, replicas per pool, volumes) through
// kube-state-metrics and kubelet volume stats, and on the error signals RobustMQ itself exports (docs/robustmq.md §11.4).
// RobustMQ has no Raft leader or membership metric, so quorum is judged from ready meta pods.
func PrometheusRule(c *topology.Cluster) *monitoringv1.PrometheusRule {
	n := c.Names
	return &monitoringv1.PrometheusRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.PrometheusRuleKind},
		ObjectMeta: objectMeta(c, n.PrometheusRule(), selectedLabels(c)),
		Spec: monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{
			{Name: "robustmq." + n.Name + ".kubernetes", Rules: kubernetesRules(c)},
			{Name: "robustmq." + n.Name + ".broker", Rules: brokerRules(c)},
		}},
	}
}

// kubernetesRules come from kube-state-metrics, the kubelet and Prometheus itself; their thresholds come from the
// topology.
func kubernetesRules(c *topology.Cluster) []monitoringv1.Rule {
	n := c.Names
	ns := c.Namespace
	var rules []monitoringv1.Rule
	if mp := c.Meta; mp != nil {
		replicas := *mp.Replicas
		quorum := mp.Quorum
		sts := mp.StatefulSet
		ready := "kube_statefulset_status_replicas_ready" + selector(ns, "statefulset", sts)
		pool := map[string]string{naming.MetricLabelPool: mp.Name}
		rules = append(rules, rule(c, AlertMetaQuorumLost, severityCritical, "2m", pool,
			fmt.Sprintf("%s < %d", ready, quorum),
			"RobustMQ cluster {{ $labels.namespace }}/"+n.Name+" has lost its meta (Raft) quorum.",
			fmt.Sprintf("Only {{ $value }} of the %d meta pods of StatefulSet {{ $labels.statefulset }} are ready; Raft needs %d. "+
				"Metadata writes, new client sessions and node start-up block until a majority is back.", replicas, quorum)))
		// With 1 or 2 voters the quorum is every voter: losing one pod already loses quorum, so no warning stage.
		if quorum < replicas {
			rules = append(rules, rule(c, AlertMetaQuorumAtRisk, severityWarning, "10m", pool,
				fmt.Sprintf("%s < %d and %s >= %d", ready, replicas, ready, quorum),
				"RobustMQ cluster {{ $labels.namespace }}/"+n.Name+" is one failure closer to losing its meta quorum.",
				fmt.Sprintf("{{ $value }} of the %d meta pods of StatefulSet {{ $labels.statefulset }} are ready. Raft keeps "+
					"working while %d are ready; below that the cluster stops accepting metadata writes.", replicas, quorum)))
		}
	}
	// The meta pool is covered by the quorum alerts above.
	for _, p := range c.Pools {
		if p.Has(v1alpha1.RoleMeta) {
			continue
		}
		sts := p.StatefulSet
		if p.Autoscaling != nil {
			rules = append(rules, autoscaledPoolDegraded(c, p))
			continue
		}
		rules = append(rules, rule(c, AlertPoolDegraded, severityWarning, "15m", map[string]string{naming.MetricLabelPool: p.Name},
			fmt.Sprintf("kube_statefulset_status_replicas_ready%s < %d", selector(ns, "statefulset", sts), *p.Replicas),
			"RobustMQ pool {{ $labels.statefulset }} runs below its desired replicas.",
			fmt.Sprintf("{{ $value }} of the %d pods of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} are ready.", *p.Replicas)))
	}
	pods := alternation(statefulSets(c.Pools)) + "-[0-9]+"
	rules = append(rules, rule(c, AlertPodRestartLoop, severityWarning, "5m", nil,
		fmt.Sprintf("increase(kube_pod_container_status_restarts_total%s[30m]) > %d",
			selector(ns, "pod~", pods, "container", naming.ContainerName), RestartLoopRestarts),
		"RobustMQ pod {{ $labels.namespace }}/{{ $labels.pod }} is restarting in a loop.",
		"The robustmq container of pod {{ $labels.pod }} restarted {{ $value | printf \"%.0f\" }} times in the last 30 minutes."))
	if sp := c.StatefulPools(); len(sp) > 0 {
		claims := selector(ns, "persistentvolumeclaim~", naming.DataVolume+"-"+alternation(statefulSets(sp))+"-[0-9]+")
		free := fmt.Sprintf("kubelet_volume_stats_available_bytes%s / kubelet_volume_stats_capacity_bytes%s", claims, claims)
		rules = append(rules,
			rule(c, AlertVolumeFillingUp, severityWarning, "10m", nil,
				fmt.Sprintf("%s < %g", free, VolumeWarnFreeRatio),
				"RobustMQ data volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is filling up.",
				"Only {{ $value | humanizePercentage }} of the volume is free. RobustMQ has no retention by size: plan an expansion."),
			rule(c, AlertVolumeFull, severityCritical, "5m", nil,
				fmt.Sprintf("%s < %g", free, VolumeCriticalFreeRatio),
				"RobustMQ data volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full.",
				"Only {{ $value | humanizePercentage }} of the volume is free. RocksDB and the Raft log fail when it is full."))
	}
	up := "up" + selector(ns, "job", Job, naming.MetricLabelCluster, n.Name)
	rules = append(rules,
		rule(c, AlertTargetDown, severityWarning, "5m", nil, up+" == 0",
			"RobustMQ pod {{ $labels.namespace }}/{{ $labels.pod }} does not answer scrapes.",
			"Prometheus cannot scrape "+MetricsPath+" on {{ $labels.instance }} (pool {{ $labels.pool }})."),
		rule(c, AlertMetricsAbsent, severityWarning, "15m", nil, "absent("+up+")",
			"Prometheus scrapes no RobustMQ target of cluster "+n.Name+".",
			"No up series with job=\""+Job+"\" and cluster=\""+n.Name+"\": the ServiceMonitor is not selected by any Prometheus, or every pod is gone."))
	if mp := c.Meta; mp != nil {
		rules = append(rules, rule(c, AlertKubeStateMetricsAbsent, severityWarning, "15m", nil,
			"absent(kube_statefulset_replicas"+selector(ns, "statefulset", mp.StatefulSet)+")",
			"kube-state-metrics reports nothing about RobustMQ cluster "+n.Name+".",
			"The quorum, pool and restart alerts of this cluster need kube-state-metrics; without it they can never fire."))
	}
	return rules
}

// brokerRules use metrics RobustMQ exports (docs/robustmq.md §11.2, scraped names). They aggregate per pod and never by the
// unbounded client, topic or connection labels; `network` is summed away, its values are inconsistent.
func brokerRules(c *topology.Cluster) []monitoringv1.Rule {
	n := c.Names
	sel := selector(c.Namespace, "job", Job, naming.MetricLabelCluster, n.Name)
	by := "namespace, " + naming.MetricLabelCluster + ", " + naming.MetricLabelPool + ", pod"
	rate := func(metric, extraBy string) string {
		return fmt.Sprintf("sum by (%s%s) (rate(%s%s[5m]))", by, extraBy, metric, sel)
	}
	ratio := func(num, den string) string { return rate(num, "") + " / " + rate(den, "") }
	return []monitoringv1.Rule{
		rule(c, AlertMQTTConnectionFailures, severityWarning, "10m", nil,
			fmt.Sprintf("%s / (%s + %s) > %g", rate("mqtt_connection_failed_total", ""), rate("mqtt_connection_success_total", ""),
				rate("mqtt_connection_failed_total", ""), ConnectionFailureRatio),
			"Many MQTT connection attempts fail on {{ $labels.pod }}.",
			"{{ $value | humanizePercentage }} of MQTT connection attempts on {{ $labels.namespace }}/{{ $labels.pod }} failed over 5 minutes."),
		rule(c, AlertMQTTAuthFailures, severityWarning, "10m", nil,
			fmt.Sprintf("%s > %d", rate("mqtt_auth_failed_total", ""), AuthFailuresPerSecond),
			"MQTT authentication keeps failing on {{ $labels.pod }}.",
			"{{ $value | printf \"%.2f\" }} failed MQTT logins per second on {{ $labels.namespace }}/{{ $labels.pod }}: a misconfigured client or a password guesser."),
		rule(c, AlertMQTTPacketErrors, severityWarning, "10m", nil,
			fmt.Sprintf("%s > %g", ratio("mqtt_packets_received_error_total", "mqtt_packets_received_total"), PacketErrorRatio),
			"Many malformed MQTT packets arrive at {{ $labels.pod }}.",
			"{{ $value | humanizePercentage }} of inbound MQTT packets on {{ $labels.namespace }}/{{ $labels.pod }} failed to decode."),
		rule(c, AlertRaftWriteFailures, severityCritical, "5m", nil,
			rate("raft_write_failures_total", ", machine")+" > 0",
			"Raft writes fail on {{ $labels.pod }} (group {{ $labels.machine }}).",
			"{{ $value | printf \"%.2f\" }} Raft writes per second to group {{ $labels.machine }} fail on {{ $labels.namespace }}/{{ $labels.pod }}. "+
				"Metadata changes (sessions, subscriptions, topics) are being lost or retried."),
		// handler_timeout_total and handler_requests_total are gauges that are only ever incremented (docs/robustmq.md §11.1):
		// rate() treats the drop to 0 at a restart as a counter reset, which is right here; delta() would go negative.
		rule(c, AlertHandlerTimeouts, severityWarning, "10m", nil,
			fmt.Sprintf("%s > %g", ratio("handler_timeout_total", "handler_requests_total"), HandlerTimeoutRatio),
			"Requests time out in the network handlers of {{ $labels.pod }}.",
			"{{ $value | humanizePercentage }} of requests on {{ $labels.namespace }}/{{ $labels.pod }} hit the handler apply timeout."),
		rule(c, AlertGRPCErrors, severityWarning, "10m", nil,
			fmt.Sprintf("%s > %g", ratio("grpc_errors_total", "grpc_requests_total"), GRPCErrorRatio),
			"Inter-node gRPC calls fail on {{ $labels.pod }}.",
			"{{ $value | humanizePercentage }} of gRPC requests served by {{ $labels.namespace }}/{{ $labels.pod }} returned an error status."),
	}
}

// rule is one alert with the labels and annotations every alert carries.
func rule(c *topology.Cluster, name, severity, forDuration string, labels map[string]string, expr, summary, description string) monitoringv1.Rule {
	l := map[string]string{"severity": severity, naming.MetricLabelCluster: c.Name}
	for k, v := range labels {
		l[k] = v
	}
	d := monitoringv1.Duration(forDuration)
	return monitoringv1.Rule{
		Alert:  name,
		Expr:   intstr.FromString(expr),
		For:    &d,
		Labels: l,
		Annotations: map[string]string{
			"summary":     summary,
			"description": description,
			"runbook_url": RunbookBase + "#" + strings.ToLower(name),
		},
	}
}
