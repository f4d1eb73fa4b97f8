package monitoring

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// newCluster returns a defaulted, valid cluster with monitoring on.
func newCluster(t *testing.T, name, namespace string, pools ...v1alpha1.Pool) *topology.Cluster {
	t.Helper()
	c := &v1alpha1.RobustMQCluster{}
	c.APIVersion, c.Kind = v1alpha1.APIVersion, v1alpha1.Kind
	c.Name, c.Namespace = name, namespace
	c.Spec.Environment = v1alpha1.Staging
	c.Spec.Pools = pools
	c.Spec.Monitoring.Labels = map[string]string{"release": "kube-prometheus-stack"}
	return resolve(t, c)
}

// resolve defaults, validates and resolves a cluster.
func resolve(t *testing.T, c *v1alpha1.RobustMQCluster) *topology.Cluster {
	t.Helper()
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}

func pool(name string, replicas, start int32, roles ...v1alpha1.Role) v1alpha1.Pool {
	return v1alpha1.Pool{Name: name, Replicas: ptr.To(replicas), BrokerIDStart: ptr.To(start), Roles: roles}
}

// The three topologies of the brief: one node, three all-in-one nodes, and split pools with five meta voters.
func oneNode(t *testing.T) *topology.Cluster {
	return newCluster(t, "solo", "mq", pool("node", 1, 1))
}

func threeNodes(t *testing.T) *topology.Cluster {
	return newCluster(t, "trio", "mq", pool("node", 3, 1))
}

func splitPools(t *testing.T) *topology.Cluster {
	return newCluster(t, "split", "mq",
		pool("meta", 5, 1, v1alpha1.RoleMeta),
		pool("broker", 3, 11, v1alpha1.RoleBroker),
		pool("engine", 3, 21, v1alpha1.RoleEngine))
}

func build(t *testing.T, c *topology.Cluster) []output.Object {
	t.Helper()
	objs, err := Build(c)
	require.NoError(t, err)
	return objs
}

func files(objs []output.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.File)
	}
	return out
}

func TestBuildDisabled(t *testing.T) {
	c := threeNodes(t)
	c.Spec.Monitoring.Enabled = ptr.To(false)
	assert.Empty(t, build(t, c))
}

func TestBuildDevDefaultIsOff(t *testing.T) {
	c := &v1alpha1.RobustMQCluster{}
	c.Name = "dev"
	assert.Empty(t, build(t, resolve(t, c)), "the dev profile turns monitoring off")
}

func TestCapabilityGating(t *testing.T) {
	crds := []string{"monitoring/servicemonitor.yaml", "monitoring/prometheusrule.yaml"}
	for _, tc := range []struct {
		name                       string
		promOperator, side, grafOp bool
		want                       []string
	}{
		{"defaults", true, true, false, crds},
		{"no prometheus operator", false, true, false, nil},
		// Dashboards are no cluster's: packages/robustmq-dashboards ships them, whatever the Grafana flags.
		{"grafana operator only", false, false, true, nil},
		{"everything", true, true, true, crds},
		{"nothing", false, false, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := threeNodes(t)
			m := &c.Spec.Monitoring
			m.PrometheusOperator, m.GrafanaSidecar, m.GrafanaOperator = ptr.To(tc.promOperator), ptr.To(tc.side), ptr.To(tc.grafOp)
			got := build(t, c)
			assert.ElementsMatch(t, tc.want, files(got))
			for _, o := range got {
				assert.True(t, strings.HasPrefix(o.File, DirCRD+"/"), "%s %s needs a CRD and goes to monitoring/", o.GVK().Kind, o.File)
			}
		})
	}
}

func TestEveryObjectIsMarkedAndOptsOutOfFluxSubstitution(t *testing.T) {
	c := threeNodes(t)
	c.Spec.Monitoring.GrafanaOperator = ptr.To(true)
	for _, o := range build(t, c) {
		m, ok := o.Object.(metav1.ObjectMetaAccessor)
		require.True(t, ok, o.File)
		meta := m.GetObjectMeta()
		assert.Equal(t, naming.FunctionName, meta.GetAnnotations()[naming.AnnotationGenerated], o.File)
		assert.Equal(t, "disabled", meta.GetAnnotations()[AnnotationFluxSubstitute], o.File)
		assert.Equal(t, "mq", meta.GetNamespace(), o.File)
		gvk := o.GVK()
		assert.NotEmpty(t, gvk.Kind, o.File)
		assert.NotEmpty(t, gvk.Version, o.File)
	}
}

// The ServiceMonitor must select each pool's headless Service (and nothing else), scrape the port the Service
// names, and relabel from labels the pods really carry.
func TestServiceMonitorMatchesTheManifests(t *testing.T) {
	for _, c := range []*topology.Cluster{oneNode(t), threeNodes(t), splitPools(t)} {
		t.Run(c.Name, func(t *testing.T) {
			sm := ServiceMonitor(c)
			assert.Equal(t, "kube-prometheus-stack", sm.Labels["release"], "spec.monitoring.labels")
			sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
			require.NoError(t, err)
			assert.False(t, sel.Matches(labels.Set(manifests.ClientService(c).Labels)), "client Service must not be scraped")
			require.Len(t, sm.Spec.Endpoints, 1)
			ep := sm.Spec.Endpoints[0]
			assert.Equal(t, MetricsPath, ep.Path)
			for _, p := range c.Pools {
				svc := manifests.HeadlessService(c, p)
				assert.True(t, sel.Matches(labels.Set(svc.Labels)), "headless Service of pool %s", p.Name)
				assert.True(t, hasPort(svc.Spec.Ports, ep.Port, v1alpha1.HTTPPort), "Service %s has no port %q", svc.Name, ep.Port)
				pod := manifests.StatefulSet(c, p, "").Spec.Template.Labels
				discovered := map[string]string{}
				for k, v := range pod {
					discovered["__meta_kubernetes_pod_label_"+sanitize(k)] = v
				}
				got := relabel(t, ep.RelabelConfigs, discovered)
				assert.Equal(t, c.Name, got[naming.MetricLabelCluster])
				assert.Equal(t, p.Name, got[naming.MetricLabelPool])
				for _, r := range []v1alpha1.Role{v1alpha1.RoleMeta, v1alpha1.RoleBroker, v1alpha1.RoleEngine} {
					want := ""
					if p.Has(r) {
						want = "true"
					}
					assert.Equal(t, want, got[naming.MetricLabelRolePrefix+string(r)], "pool %s role %s", p.Name, r)
				}
			}
		})
	}
}

func hasPort(ports []corev1.ServicePort, name string, number int32) bool {
	for _, p := range ports {
		if p.Name == name && p.Port == number {
			return true
		}
	}
	return false
}

// relabel applies the replace and labelmap actions the way Prometheus does (anchored regexes).
func relabel(t *testing.T, cfgs []monitoringv1.RelabelConfig, in map[string]string) map[string]string {
	out := map[string]string{}
	for _, rc := range cfgs {
		regex := rc.Regex
		if regex == "" {
			regex = "(.*)"
		}
		re := regexp.MustCompile("^(?:" + regex + ")$")
		repl := "$1"
		if rc.Replacement != nil {
			repl = *rc.Replacement
		}
		switch rc.Action {
		case "replace":
			var vals []string
			for _, l := range rc.SourceLabels {
				vals = append(vals, in[string(l)])
			}
			v := strings.Join(vals, ";")
			if m := re.FindStringSubmatchIndex(v); m != nil {
				out[rc.TargetLabel] = string(re.ExpandString(nil, repl, v, m))
			}
		case "labelmap":
			for k, v := range in {
				if m := re.FindStringSubmatchIndex(k); m != nil {
					out[string(re.ExpandString(nil, repl, k, m))] = v
				}
			}
		default:
			t.Fatalf("relabel action %q not simulated", rc.Action)
		}
	}
	return out
}

type ruleSet map[string][]monitoringv1.Rule

func rulesOf(c *topology.Cluster) ruleSet {
	out := ruleSet{}
	for _, g := range PrometheusRule(c).Spec.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = append(out[r.Alert], r)
		}
	}
	return out
}

func (rs ruleSet) exprs(alert string) []string {
	var out []string
	for _, r := range rs[alert] {
		out = append(out, r.Expr.String())
	}
	return out
}

func TestThresholdsFollowTheTopology(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cluster    func(*testing.T) *topology.Cluster
		lost       string
		atRisk     []string
		degraded   []string
		restartPod string
		claims     string
	}{
		{
			name:       "one node",
			cluster:    oneNode,
			lost:       `kube_statefulset_status_replicas_ready{namespace="mq",statefulset="solo-node"} < 1`,
			restartPod: `pod=~"solo-node-[0-9]+"`,
			claims:     `persistentvolumeclaim=~"data-solo-node-[0-9]+"`,
		},
		{
			name:    "three all-in-one nodes",
			cluster: threeNodes,
			lost:    `kube_statefulset_status_replicas_ready{namespace="mq",statefulset="trio-node"} < 2`,
			atRisk: []string{`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="trio-node"} < 3 and ` +
				`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="trio-node"} >= 2`},
			restartPod: `pod=~"trio-node-[0-9]+"`,
			claims:     `persistentvolumeclaim=~"data-trio-node-[0-9]+"`,
		},
		{
			name:    "split pools with five meta voters",
			cluster: splitPools,
			lost:    `kube_statefulset_status_replicas_ready{namespace="mq",statefulset="split-meta"} < 3`,
			atRisk: []string{`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="split-meta"} < 5 and ` +
				`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="split-meta"} >= 3`},
			degraded: []string{
				`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="split-broker"} < 3`,
				`kube_statefulset_status_replicas_ready{namespace="mq",statefulset="split-engine"} < 3`,
			},
			restartPod: `pod=~"(split-broker|split-engine|split-meta)-[0-9]+"`,
			// The broker-only pool has no PVC.
			claims: `persistentvolumeclaim=~"data-(split-engine|split-meta)-[0-9]+"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := rulesOf(tc.cluster(t))
			assert.Equal(t, []string{tc.lost}, rs.exprs(AlertMetaQuorumLost))
			assert.Equal(t, tc.atRisk, rs.exprs(AlertMetaQuorumAtRisk), "no warning stage when quorum is every voter")
			assert.Equal(t, tc.degraded, rs.exprs(AlertPoolDegraded), "the meta pool is covered by the quorum alerts")
			require.Len(t, rs[AlertPodRestartLoop], 1)
			assert.Contains(t, rs.exprs(AlertPodRestartLoop)[0], tc.restartPod)
			for _, a := range []string{AlertVolumeFillingUp, AlertVolumeFull} {
				require.Len(t, rs[a], 1)
				assert.Contains(t, rs.exprs(a)[0], tc.claims)
			}
		})
	}
}

func TestRulesWithoutNamespaceStillPinTheCluster(t *testing.T) {
	c := newCluster(t, "nons", "", pool("node", 3, 1))
	rs := rulesOf(c)
	assert.Equal(t, []string{`kube_statefulset_status_replicas_ready{statefulset="nons-node"} < 2`}, rs.exprs(AlertMetaQuorumLost))
	assert.Equal(t, []string{`up{job="robustmq",cluster="nons"} == 0`}, rs.exprs(AlertTargetDown))
}

func TestEveryAlertHasLabelsAnnotationsAndARunbook(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/monitoring.md")
	require.NoError(t, err)
	anchors := markdownAnchors(string(doc))
	seen := map[string]bool{}
	for _, c := range []*topology.Cluster{oneNode(t), threeNodes(t), splitPools(t)} {
		for name, rules := range rulesOf(c) {
			seen[name] = true
			for _, r := range rules {
				assert.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], name)
				assert.Equal(t, c.Name, r.Labels[naming.MetricLabelCluster], name)
				assert.NotEmpty(t, r.Annotations["summary"], name)
				assert.NotEmpty(t, r.Annotations["description"], name)
				require.NotNil(t, r.For, name)
				url := r.Annotations["runbook_url"]
				base, anchor, ok := strings.Cut(url, "#")
				require.True(t, ok, url)
				assert.Equal(t, RunbookBase, base)
				assert.True(t, anchors[anchor], "docs/monitoring.md has no heading for #%s", anchor)
			}
		}
	}
	assert.Len(t, seen, 15, "every alert appears in at least one topology")
}

// markdownAnchors computes GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
func markdownAnchors(doc string) map[string]bool {
	out := map[string]bool{}
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		out[strings.ReplaceAll(drop.ReplaceAllString(h, ""), " ", "-")] = true
	}
	return out
}

// metricFamily is one row of docs/robustmq.md §11.2 ("Metric table"), the metric families RobustMQ registers, by registered
// name. The scraped names follow §11.1: counters get "_total" (also those already ending in _total, which become
// _total_total), histograms expose _bucket/_sum/_count, gauges keep their name (the five monotonic *_total gauges
// included).
type metricFamily struct {
	kind  byte // 'c' counter, 'g' gauge, 'h' histogram
	names []string
	// skip says why a real family must not be queried: never exported or incremented (§11.1), or unbounded
	// per-client, per-connection or per-topic labels (§11.1 "Unbounded cardinality").
	skip string
}

func expand(prefix string, parts []string, suffix string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, prefix+p+suffix)
	}
	return out
}

var robustmqFamilies = []metricFamily{
	{'g', []string{"tokio_runtime_busy_ratio", "tokio_runtime_queue_depth", "tokio_runtime_alive_tasks"}, ""},
	{'g', []string{"system_process_cpu_usage", "system_process_memory_usage", "system_cpu_usage", "system_memory_usage"}, ""},
	{'c', []string{"grpc_requests", "grpc_errors"}, ""},
	{'h', []string{"grpc_request_duration_ms", "grpc_client_call_duration_ms"}, ""},
	{'c', []string{"http_requests", "http_errors"}, ""},
	{'h', []string{"http_request_duration_ms"}, ""},
	{'c', []string{"rocksdb_operation_count"}, ""},
	{'h', []string{"rocksdb_operation_ms"}, ""},
	{'h', []string{"handler_queue_wait_ms", "handler_apply_ms", "handler_write_ms", "handler_total_ms", "write_client_ms"}, ""},
	{'g', []string{"handler_requests_total", "handler_slow_requests_total", "handler_timeout_total", "write_timeout_total"}, ""},
	{'g', []string{"handler_queue_size", "handler_queue_remaining"}, ""},
	{'g', []string{"handler_instance_requests_total"}, ""},
	{'h', []string{"handler_instance_apply_ms"}, ""},
	{'g', []string{"broker_active_thread_num"}, ""},
	{'c', []string{"raft_write_requests", "raft_write_success", "raft_write_failures"}, ""},
	{'h', []string{"raft_write_duration_ms", "raft_apply_batch_duration_ms", "raft_log_append_batch_duration_ms"}, ""},
	{'g', []string{"raft_apply_lag", "raft_last_log_index", "raft_last_applied"}, ""},
	{'c', []string{"raft_rpc_requests", "raft_rpc_success", "raft_rpc_failures"}, ""},
	{'h', []string{"raft_rpc_duration_ms"}, ""},
	{'c', []string{"storage_engine_ops", "storage_engine_ops_fail"}, ""},
	{'h', []string{"storage_engine_ops_duration_ms"}, ""},
	{'g', []string{"mqtt_connections_count", "mqtt_sessions_count", "mqtt_topics_count", "mqtt_subscribers_count",
		"mqtt_subscriptions_exclusive_count", "mqtt_subscriptions_shared_count", "mqtt_subscriptions_shared_group_count",
		"mqtt_retained_count"}, ""},
	{'g', []string{"mqtt_delay_queue_total_capacity", "mqtt_delay_queue_used_capacity", "mqtt_delay_queue_remaining_capacity"}, "never exported"},
	{'c', []string{"mqtt_connection_success", "mqtt_connection_failed", "mqtt_connection_expired", "mqtt_subscribe_success",
		"mqtt_subscribe_failed", "mqtt_unsubscribe_success"}, ""},
	{'c', []string{"mqtt_disconnect_success"}, "never incremented"},
	{'c', []string{"client_connections"}, "unbounded (tenant, client_id)"},
	{'c', []string{"mqtt_auth_success", "mqtt_auth_failed", "mqtt_acl_success", "mqtt_acl_failed"}, ""},
	{'c', []string{"mqtt_blacklist_blocked"}, "never incremented"},
	{'c', append([]string{"mqtt_total_bytes_received", "mqtt_total_bytes_sent", "mqtt_total_packets_received", "mqtt_total_packets_sent"},
		expand("mqtt_total_packets_", []string{"connect", "connack", "publish_received", "publish_sent", "puback_received",
			"puback_sent", "pubrec_received", "pubrec_sent", "pubrel_received", "pubrel_sent", "pubcomp_received", "pubcomp_sent",
			"subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect_received", "disconnect_sent", "auth"}, "")...), ""},
	{'c', append([]string{"mqtt_packets_received", "mqtt_packets_received_error", "mqtt_packets_connack_auth_error",
		"mqtt_packets_connack_error", "mqtt_bytes_received"},
		expand("mqtt_packets_", []string{"connect", "publish", "connack", "puback", "pubrec", "pubrel", "pubcomp", "subscribe",
			"unsubscribe", "pingreq", "disconnect", "auth"}, "_received")...), ""},
	{'c', append([]string{"mqtt_packets_sent", "mqtt_bytes_sent"},
		expand("mqtt_packets_", []string{"connack", "publish", "puback", "pubrec", "pubrel", "pubcomp", "suback", "unsuback",
			"pingresp", "disconnect"}, "_sent")...), ""},
	{'c', []string{"mqtt_retain_packets_received", "mqtt_retain_packets_sent"}, ""},
	{'c', []string{"mqtt_messages_received", "mqtt_messages_sent", "mqtt_message_bytes_received", "mqtt_message_bytes_sent",
		"mqtt_messages_delayed", "mqtt_messages_dropped_no_subscribers"}, ""},
	{'c', []string{"mqtt_session_created"}, ""},
	{'c', []string{"mqtt_session_deleted"}, "never incremented"},
	{'c', []string{"session_messages_in", "session_messages_out"}, "unbounded (tenant, client_id)"},
	{'c', []string{"connection_messages_in", "connection_messages_out"}, "unbounded (connection_id)"},
	{'c', []string{"topic_messages_written", "topic_bytes_written", "topic_messages_sent", "topic_bytes_sent"}, "unbounded (tenant, topic)"},
	{'c', []string{"subscribe_messages_sent", "subscribe_bytes_sent", "subscribe_topic_messages_sent", "subscribe_topic_bytes_sent"}, "unbounded (client_id, path)"},
	{'h', []string{"mqtt_packet_process_duration_ms", "mqtt_packet_send_duration_ms"}, ""},
	{'c', []string{"mqtt_connector_messages_sent_success", "mqtt_connector_messages_sent_failure",
		"mqtt_connector_offset_commit_failure_total", "mqtt_connector_source_read_failure_total", "mqtt_connector_retry_total",
		"mqtt_connector_messages_discarded_total", "mqtt_connector_dlq_messages_total"}, ""},
	{'h', []string{"mqtt_connector_send_duration_ms"}, ""},
	{'g', []string{"mqtt_connector_up"}, ""},
	{'c', []string{"mqtt_connector_messages_sent_success_agg", "mqtt_connector_messages_sent_failure_agg"}, ""},
	{'h', []string{"mqtt_connector_send_duration_ms_agg"}, ""},
	{'c', []string{"delay_msg_enqueue", "delay_msg_deliver", "delay_msg_deliver_fail", "delay_msg_recover", "delay_msg_recover_expired"}, ""},
	{'c', []string{"delay_message_reenqueued_total", "delay_message_dead_letter_total"}, "never incremented"},
	{'h', []string{"delay_msg_enqueue_duration_ms", "delay_msg_deliver_duration_ms"}, ""},
	{'c', []string{"delay_message_retry_total", "delay_message_retry_count"}, ""},
	{'c', []string{"delay_task_created", "delay_task_executed", "delay_task_execute_failed"}, ""},
	{'h', []string{"delay_task_schedule_latency_seconds"}, ""},
}

// otherMetrics are not RobustMQ's: Prometheus's synthetic up, kube-state-metrics and the kubelet's volume stats.
var otherMetrics = []string{
	"up",
	"kube_statefulset_status_replicas_ready", "kube_statefulset_replicas", "kube_pod_container_status_restarts_total",
	"kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes",
}

// scrapedNames maps every scraped series name to why it is forbidden ("" when it may be queried).
func scrapedNames() map[string]string {
	out := map[string]string{}
	for _, f := range robustmqFamilies {
		for _, n := range f.names {
			switch f.kind {
			case 'c':
				out[n+"_total"] = f.skip
			case 'g':
				out[n] = f.skip
			case 'h':
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					out[n+s] = f.skip
				}
			}
		}
	}
	for _, n := range otherMetrics {
		out[n] = ""
	}
	return out
}

// The allow list above is RobustMQ's metric table as docs/robustmq.md §11.2 records it from the release source:
// the same registered names, and every name the table marks as never incremented (*) or never exported (†) is
// one queries may not use. Scraped names follow Prometheus's rule for counters (_total appended, even twice).
func TestAllowListMatchesTheMetricTable(t *testing.T) {
	documented, unusable := documentedMetrics(t)
	registered := map[string]bool{}
	for _, f := range robustmqFamilies {
		for _, n := range f.names {
			registered[n] = true
		}
	}
	assert.ElementsMatch(t, slices.Sorted(maps.Keys(documented)), slices.Sorted(maps.Keys(registered)))
	names := scrapedNames()
	for _, f := range robustmqFamilies {
		for _, n := range f.names {
			if unusable[n] {
				assert.NotEmpty(t, f.skip, "%s is never incremented or exported (§11.2), so queries must not use it", n)
			}
		}
	}
	assert.Contains(t, names, "mqtt_connector_retry_total_total", "counters registered with _total get a second one")
	assert.Contains(t, names, "handler_timeout_total", "a monotonic gauge keeps its name")
}

// documentedMetrics reads the first column of the §11.2 table: backquoted names, {a,b} alternatives expanded,
// and those followed by * or † as unusable.
func documentedMetrics(t *testing.T) (names, unusable map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "robustmq.md"))
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "### §11.2")
	require.GreaterOrEqual(t, start, 0, "docs/robustmq.md has §11.2")
	end := strings.Index(doc[start+1:], "\n### ")
	require.Greater(t, end, 0)
	names, unusable = map[string]bool{}, map[string]bool{}
	token := regexp.MustCompile("`([a-z_{},]+)`( ?[*†])?")
	brace := regexp.MustCompile(`^([a-z_]*)\{([a-z_,]+)\}([a-z_]*)$`)
	for _, line := range strings.Split(doc[start:start+1+end], "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || !strings.Contains(cells[1], "`") {
			continue
		}
		for _, m := range token.FindAllStringSubmatch(cells[1], -1) {
			expanded := []string{m[1]}
			if bm := brace.FindStringSubmatch(m[1]); bm != nil {
				expanded = expanded[:0]
				for _, alt := range strings.Split(bm[2], ",") {
					expanded = append(expanded, bm[1]+alt+bm[3])
				}
			}
			for _, n := range expanded {
				names[n] = true
				if m[2] != "" {
					unusable[n] = true
				}
			}
		}
	}
	require.Greater(t, len(names), 100, "the table was read")
	return names, unusable
}

// Metric names are the identifiers directly followed by a selector or range: every query here writes a selector.
var metricRef = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)[{\[]`)

func metricNames(expr string) []string {
	var out []string
	for _, m := range metricRef.FindAllStringSubmatch(expr, -1) {
		out = append(out, m[1])
	}
	return out
}

// dashboardQueries returns every PromQL expression and variable query of a dashboard.
func dashboardQueries(t *testing.T, raw []byte) []string {
	var doc any
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if s, ok := y.(string); ok && (k == "expr" || (k == "definition" && strings.Contains(s, "("))) {
					out = append(out, s)
				}
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc)
	sort.Strings(out)
	return out
}

func allQueries(t *testing.T, c *topology.Cluster) []string {
	var out []string
	for _, g := range PrometheusRule(c).Spec.Groups {
		for _, r := range g.Rules {
			out = append(out, r.Expr.String())
		}
	}
	ds, err := Dashboards()
	require.NoError(t, err)
	for _, d := range ds {
		out = append(out, dashboardQueries(t, d.JSON)...)
	}
	return out
}

func TestEveryMetricNameIsExportedByRobustMQ(t *testing.T) {
	allowed := scrapedNames()
	used := map[string]bool{}
	for _, c := range []*topology.Cluster{oneNode(t), threeNodes(t), splitPools(t)} {
		queries := allQueries(t, c)
		require.Greater(t, len(queries), 50)
		for _, q := range queries {
			names := metricNames(q)
			assert.NotEmpty(t, names, "no metric found in %q", q)
			for _, n := range names {
				used[n] = true
				why, ok := allowed[n]
				if assert.True(t, ok, "%s (in %q) is not in docs/robustmq.md §11.2", n, q) {
					assert.Empty(t, why, "%s may not be queried: %s", n, why)
				}
			}
			assert.NotRegexp(t, `by \([^)]*(client_id|connection_id|topic|tenant)`, q, "never aggregate by unbounded labels")
		}
	}
	var list []string
	for n := range used {
		list = append(list, n)
	}
	sort.Strings(list)
	t.Logf("metric names used: %s", strings.Join(list, " "))

	// docs/monitoring.md lists them; keep it in step.
	doc, err := os.ReadFile("../../../docs/monitoring.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(doc), "## Metric names used")
	require.True(t, ok)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
	}
	assert.Equal(t, used, documented, "the list under \"Metric names used\" in docs/monitoring.md")
}

func TestDashboards(t *testing.T) {
	ds, err := Dashboards()
	require.NoError(t, err)
	require.Len(t, ds, 3)
	uids := map[string]bool{}
	for _, d := range ds {
		assert.NotContains(t, string(d.JSON), "robustmq_", "RobustMQ metrics have no prefix (docs/robustmq.md §11.1)")
		assert.LessOrEqual(t, len(d.UID), 40, "Grafana uids are at most 40 characters")
		assert.Equal(t, "robustmq-"+d.Kind, d.UID)
		assert.False(t, uids[d.UID])
		uids[d.UID] = true

		var doc struct {
			UID    string `json:"uid"`
			Panels []struct {
				ID         int    `json:"id"`
				Type       string `json:"type"`
				Datasource *struct {
					UID string `json:"uid"`
				} `json:"datasource"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Name  string `json:"name"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		require.NoError(t, json.Unmarshal(d.JSON, &doc))
		assert.Equal(t, d.UID, doc.UID)
		for i, p := range doc.Panels {
			assert.Equal(t, i+1, p.ID, "panel ids are numbered in order")
			if p.Type == "row" {
				continue
			}
			require.NotNil(t, p.Datasource, "panel %d", p.ID)
			assert.Equal(t, "${datasource}", p.Datasource.UID)
			// Nothing baked in: every query is scoped by the variables.
			for _, tg := range p.Targets {
				assert.Contains(t, tg.Expr, `namespace="$namespace"`, "%s panel %d", d.Kind, p.ID)
				assert.Regexp(t, `cluster="\$cluster"|statefulset=~?"\$cluster-|pod=~"\$cluster-|persistentvolumeclaim=~"data-\$cluster-`, tg.Expr, "%s panel %d", d.Kind, p.ID)
			}
		}
		vars := map[string]string{}
		for _, v := range doc.Templating.List {
			q, _ := v.Query.(string)
			vars[v.Name] = q
		}
		assert.Equal(t, `label_values(up{job="robustmq"}, namespace)`, vars["namespace"], d.Kind)
		assert.Equal(t, `label_values(up{namespace="$namespace",job="robustmq"}, cluster)`, vars["cluster"], d.Kind)
		assert.Contains(t, vars, "datasource", d.Kind)
		canon, err := canonicalJSON(json.RawMessage(d.JSON))
		require.NoError(t, err)
		assert.Equal(t, string(canon), string(d.JSON), "JSON keys are sorted")
	}
	overview, pool, node := string(ds[0].JSON), string(ds[1].JSON), string(ds[2].JSON)
	// The meta pool is the one whose targets the ServiceMonitor labels role_meta="true"; quorum follows its size.
	assert.Contains(t, overview, `label_values(up{namespace=\"$namespace\",job=\"robustmq\",cluster=\"$cluster\",role_meta=\"true\"}, pool)`)
	assert.Contains(t, overview, `(floor(sum(kube_statefulset_replicas{namespace=\"$namespace\",statefulset=\"$cluster-$meta_pool\"}) / 2) + 1)`)
	assert.Contains(t, overview, `statefulset=~\"$cluster-${pool:regex}\"`)
	assert.Contains(t, pool, `label_values(up{namespace=\"$namespace\",job=\"robustmq\",cluster=\"$cluster\"}, pool)`)
	assert.Contains(t, node, `label_values(up{namespace=\"$namespace\",job=\"robustmq\",cluster=\"$cluster\"}, pod)`)
}

// The ServiceMonitor puts the labels the dashboards' variables list on every target (namespace and pod the
// Prometheus Operator adds to every ServiceMonitor target itself).
func TestDashboardVariablesComeFromTheServiceMonitor(t *testing.T) {
	var targets []string
	for _, r := range ServiceMonitor(splitPools(t)).Spec.Endpoints[0].RelabelConfigs {
		if r.TargetLabel != "" {
			targets = append(targets, r.TargetLabel)
		}
		if r.Replacement != nil {
			targets = append(targets, *r.Replacement)
		}
	}
	assert.Subset(t, targets, []string{naming.MetricLabelCluster, naming.MetricLabelPool, naming.MetricLabelRolePrefix + "${1}"})
}

func TestDashboardObjects(t *testing.T) {
	ds, err := Dashboards()
	require.NoError(t, err)
	cm := DashboardConfigMap(ds[0])
	assert.Equal(t, "1", cm.Labels[LabelGrafanaDashboard])
	assert.Equal(t, "robustmq-dashboard-overview", cm.Name)
	assert.Empty(t, cm.Namespace, "the Grafana's namespace, chosen where the package is applied")
	assert.Empty(t, cm.Annotations[naming.AnnotationGenerated], "never pruned by the function")
	assert.Equal(t, map[string]string{"robustmq-dashboard-overview.json": string(ds[0].JSON)}, cm.Data)
	gd := GrafanaDashboard(ds[0])
	assert.Equal(t, "grafana.integreatly.org/v1beta1", gd.APIVersion)
	assert.Empty(t, gd.Spec.InstanceSelector.MatchLabels)
	assert.Equal(t, string(ds[0].JSON), gd.Spec.JSON)
	for _, meta := range []metav1.ObjectMeta{cm.ObjectMeta, gd.ObjectMeta} {
		assert.Equal(t, "disabled", meta.Annotations[AnnotationFluxSubstitute])
	}
}

func TestDeterministic(t *testing.T) {
	render := func() []byte {
		c := splitPools(t)
		c.Spec.Monitoring.GrafanaOperator = ptr.To(true)
		var out []byte
		for _, o := range build(t, c) {
			b, err := yaml.Marshal(o.Object)
			require.NoError(t, err)
			out = append(out, []byte("# "+o.File+"\n")...)
			out = append(out, b...)
		}
		return out
	}
	first := render()
	for range 5 {
		assert.Equal(t, string(first), string(render()))
	}
}
