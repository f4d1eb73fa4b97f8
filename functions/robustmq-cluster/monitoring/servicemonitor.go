package monitoring

import (
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// ScrapeInterval matches the 30 s refresh of RobustMQ's mqtt_*_count gauges (docs/robustmq.md §11.2); scraping faster only
// repeats values.
const ScrapeInterval = "30s"

// ServiceMonitor scrapes /metrics of every pod through the pools' headless Services.
//
// A ServiceMonitor rather than a PodMonitor: the headless Services already exist for every pool, carry the pool and
// role labels, and publish not-ready addresses. That last point is what we want for scraping: a meta pod that waits
// for quorum is not ready, yet its /metrics answers and its `up` must stay visible. So readiness never hides a
// target, and `up == 0` means the process does not answer, not that a probe failed.
func ServiceMonitor(c *topology.Cluster) *monitoringv1.ServiceMonitor {
	n := c.Names
	return &monitoringv1.ServiceMonitor{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.ServiceMonitorsKind},
		ObjectMeta: objectMeta(c, n.ServiceMonitor(), selectedLabels(c)),
		Spec: monitoringv1.ServiceMonitorSpec{
			// job="robustmq" for every target: alerts and dashboards select by job, namespace and cluster.
			JobLabel: naming.LabelName,
			Selector: metav1.LabelSelector{
				MatchLabels: n.Selector(),
				// Only the pools' headless Services carry a component label; the client Service does not (and has no
				// http port), so each pod is scraped exactly once.
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: naming.LabelComponent, Operator: metav1.LabelSelectorOpExists}},
			},
			// No namespaceSelector: a ServiceMonitor selects Services of its own namespace, which is the cluster's.
			Endpoints: []monitoringv1.Endpoint{{
				Port:           c.Ports.Admin.Name,
				Path:           MetricsPath,
				Interval:       ScrapeInterval,
				RelabelConfigs: Relabelings(),
			}},
		},
	}
}

// Relabelings add cluster, pool and role_<role> target labels from the pod labels that naming puts on every pod.
// Pod labels rather than Service labels, so the same rules work in a plain kubernetes_sd scrape config (docs).
func Relabelings() []monitoringv1.RelabelConfig {
	podLabel := func(l string) string { return "__meta_kubernetes_pod_label_" + sanitize(l) }
	return []monitoringv1.RelabelConfig{
		{Action: "replace", SourceLabels: []monitoringv1.LabelName{monitoringv1.LabelName(podLabel(naming.LabelInstance))}, TargetLabel: naming.MetricLabelCluster},
		{Action: "replace", SourceLabels: []monitoringv1.LabelName{monitoringv1.LabelName(podLabel(naming.LabelComponent))}, TargetLabel: naming.MetricLabelPool},
		// robustmq.io/role-meta: "true" becomes role_meta="true"; roles a pod lacks add no label.
		{Action: "labelmap", Regex: podLabel(naming.LabelRolePrefix) + "(.+)", Replacement: ptr.To(naming.MetricLabelRolePrefix + "${1}")},
	}
}

// sanitize maps a Kubernetes label name to its Prometheus service-discovery form.
func sanitize(l string) string {
	b := []byte(l)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
