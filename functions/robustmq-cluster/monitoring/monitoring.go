// Package monitoring builds scrape config, alert rules and dashboards from the cluster topology.
//
// Kinds whose CRDs may be missing (ServiceMonitor, PrometheusRule) go to monitoring/, so GitOps tools can apply
// them as a separate unit that depends on the Prometheus Operator. The dashboards are no cluster's: Dashboards
// renders one set for every cluster, shipped as packages/robustmq-dashboards.
package monitoring

import (
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

const (
	// DirCRD holds the kinds that need an operator's CRDs.
	DirCRD = "monitoring"

	// Job is the Prometheus job of every RobustMQ target: the ServiceMonitor takes it from the Services'
	// app.kubernetes.io/name label, so it is the same for every pool and every cluster.
	Job = naming.AppName
	// MetricsPath is served on the admin HTTP port of every node, whatever its roles (docs/robustmq.md §4).
	MetricsPath = "/metrics"

	// AnnotationFluxSubstitute turns off Flux post-build variable substitution: dashboards use ${datasource},
	// alert templates use $labels and $value, relabellings use ${1}. Flux would replace them all with "".
	AnnotationFluxSubstitute = "kustomize.toolkit.fluxcd.io/substitute"

	// RunbookBase is where the runbook of every alert lives; each alert has an anchor named after it.
	RunbookBase = "https://github.com/robustmq/robustmq-kpt/blob/main/docs/monitoring.md"
)

// Build returns the cluster's monitoring objects. Files are relative to the cluster's output folder.
func Build(c *topology.Cluster) ([]output.Object, error) {
	m := &c.Spec.Monitoring
	if !*m.Enabled {
		return nil, nil
	}
	var out []output.Object
	if *m.PrometheusOperator {
		out = append(out,
			output.Object{File: DirCRD + "/servicemonitor.yaml", Object: ServiceMonitor(c)},
			output.Object{File: DirCRD + "/prometheusrule.yaml", Object: PrometheusRule(c)},
		)
	}
	// Dashboards are the same for every cluster: packages/robustmq-dashboards holds them, once per Grafana.
	return out, nil
}

// objectMeta is naming's metadata plus the Flux opt-out every monitoring object needs.
func objectMeta(c *topology.Cluster, name string, labels map[string]string) metav1.ObjectMeta {
	meta := c.Names.Meta(name, labels)
	meta.Annotations[AnnotationFluxSubstitute] = "disabled"
	return meta
}

// selectedLabels are the cluster labels plus spec.monitoring.labels, which the target Prometheus selects on.
func selectedLabels(c *topology.Cluster) map[string]string {
	l := c.Names.Labels()
	maps.Copy(l, c.Spec.Monitoring.Labels)
	return l
}

// podNames are every pod of the cluster, pool by pool.
func podNames(c *topology.Cluster) []string {
	var out []string
	for _, pod := range c.Pods() {
		out = append(out, pod.Name)
	}
	return out
}

// statefulSets are the StatefulSet names of the pools.
func statefulSets(pools []*topology.Pool) []string {
	out := make([]string, len(pools))
	for i, p := range pools {
		out[i] = p.StatefulSet
	}
	return out
}

// selector renders a PromQL label matcher list from name, value pairs; a name ending in "~" matches by regex. The
// namespace matcher is left out when the cluster has no namespace yet (a later kustomize or kpt set-namespace decides
// it); the other matchers still pin the cluster.
func selector(namespace string, pairs ...string) string {
	var ms []string
	if namespace != "" {
		ms = append(ms, fmt.Sprintf("namespace=%q", namespace))
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		op := "="
		name := pairs[i]
		if strings.HasSuffix(name, "~") {
			name, op = strings.TrimSuffix(name, "~"), "=~"
		}
		ms = append(ms, fmt.Sprintf("%s%s%q", name, op, pairs[i+1]))
	}
	return "{" + strings.Join(ms, ",") + "}"
}

// alternation is a regex matching exactly one of the names.
func alternation(names []string) string {
	q := make([]string, len(names))
	for i, s := range names {
		q[i] = regexp.QuoteMeta(s)
	}
	sort.Strings(q)
	if len(q) == 1 {
		return q[0]
	}
	return "(" + strings.Join(q, "|") + ")"
}
