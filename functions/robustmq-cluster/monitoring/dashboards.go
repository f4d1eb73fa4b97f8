package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Dashboard is one rendered Grafana dashboard.
type Dashboard struct {
	Kind  string // overview, pool or node: part of object and file names
	Title string
	UID   string
	// JSON is canonical: keys sorted, two-space indent, panel ids numbered in order. Same code, same bytes.
	JSON []byte
}

// The dashboard variables. Grafana resolves them; Flux must not (see AnnotationFluxSubstitute).
const (
	varDatasource = "datasource"
	varNamespace  = "namespace"
	varCluster    = "cluster"
	varPool       = "pool"
	varMetaPool   = "meta_pool"
	varPod        = "pod"
	rateWindow    = "$__rate_interval"
	dashboardTag  = naming.AppName
)

var datasource = common.DataSourceRef{Type: ptr.To("prometheus"), Uid: ptr.To("${" + varDatasource + "}")}

// Dashboards renders the overview, per-pool and per-node dashboards. They are the same for every cluster: the
// namespace, cluster, pool and pod come from Grafana variables filled from the scrape targets' labels (the
// ServiceMonitor sets cluster, pool and role_<role> on every target), never from the topology, so one set of boards
// serves every RobustMQ cluster a Grafana sees (packages/robustmq-dashboards). They query only metric names
// RobustMQ exports as scraped (docs/robustmq.md §11.2), plus up, kube-state-metrics and kubelet volume stats.
//
// Built with the classic dashboard schema (dashboard.DashboardBuilder): the Grafana sidecar and grafana-operator
// both load it, while the v2 schema needs Grafana 12's new API.
func Dashboards() ([]Dashboard, error) {
	var out []Dashboard
	for _, d := range []struct {
		kind  string
		build func(*board)
	}{
		{"overview", overview},
		{"pool", poolBoard},
		{"node", nodeBoard},
	} {
		title := "RobustMQ / " + d.kind
		uid := DashboardUID(d.kind)
		b := &board{b: dashboard.NewDashboardBuilder(title).
			Uid(uid).
			Tags([]string{dashboardTag}).
			Refresh("30s").
			Time("now-3h", "now").
			Timezone(common.TimeZoneBrowser).
			Tooltip(dashboard.DashboardCursorSyncCrosshair).
			Readonly()}
		b.b.WithVariable(dashboard.NewDatasourceVariableBuilder(varDatasource).Label("Data source").Type("prometheus"))
		b.b.WithVariable(labelVariable(varNamespace, "Namespace", selector("", "job", Job), "namespace"))
		b.b.WithVariable(labelVariable(varCluster, "Cluster", selector("$"+varNamespace, "job", Job), naming.MetricLabelCluster))
		d.build(b)
		built, err := b.b.Build()
		if err != nil {
			return nil, fmt.Errorf("build %s dashboard: %w", d.kind, err)
		}
		raw, err := canonicalJSON(built)
		if err != nil {
			return nil, fmt.Errorf("encode %s dashboard: %w", d.kind, err)
		}
		out = append(out, Dashboard{Kind: d.kind, Title: title, UID: uid, JSON: raw})
	}
	return out, nil
}

// DashboardUID is fixed per board: there is one set of boards per Grafana, whatever the clusters and namespaces.
func DashboardUID(kind string) string { return naming.AppName + "-" + kind }

// labelVariable lists the values of a target label of up, Grafana's label_values over the dashboard's time range,
// so a cluster that is down right now is still listed.
func labelVariable(name, label, sel, of string) *dashboard.QueryVariableBuilder {
	q := fmt.Sprintf("label_values(up%s, %s)", sel, of)
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(datasource).
		Query(dashboard.StringOrMap{String: ptr.To(q)}).
		Definition(q).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged)
}

// scope is the PromQL selector of the chosen cluster's RobustMQ series, plus optional extra pairs.
func scope(pairs ...string) string {
	return selector("$"+varNamespace, append([]string{"job", Job, naming.MetricLabelCluster, "$" + varCluster}, pairs...)...)
}

// statefulSet is the StatefulSet of a pool (naming: <cluster>-<pool>), as a PromQL label value; pool may be a regex.
func statefulSet(pool string) string {
	return naming.Cluster{Name: "$" + varCluster}.StatefulSet(pool)
}

func overview(b *board) {
	// Every pool of the cluster, hidden: the StatefulSet, pod and claim regexes are built from it.
	b.b.WithVariable(labelVariable(varPool, "Pool", scope(), naming.MetricLabelPool).
		Multi(true).IncludeAll(true).Current(allOption).Hide(dashboard.VariableHideHideVariable))
	// The meta pool: the one whose targets carry role_meta="true".
	b.b.WithVariable(labelVariable(varMetaPool, "Meta pool", scope(naming.MetricLabelRolePrefix+string(v1alpha1.RoleMeta), "true"), naming.MetricLabelPool).
		Hide(dashboard.VariableHideHideVariable))
	s := scope()
	ns := "$" + varNamespace
	sets := statefulSet("${" + varPool + ":regex}")
	meta := selector(ns, "statefulset", statefulSet("$"+varMetaPool))
	ready := "sum(kube_statefulset_status_replicas_ready" + meta + ")"
	desired := "sum(kube_statefulset_replicas" + meta + ")"
	// Quorum is judged from Kubernetes: no RobustMQ metric says who leads (docs/robustmq.md §11.4).
	quorum := "(floor(" + desired + " / 2) + 1)"
	b.row("Health")
	b.stat("Targets up", "none", 4, nil, q("sum(up"+s+")", "up"))
	b.stat("Meta pods ready", "none", 4, nil, q(ready, "ready"), q(quorum, "quorum"), q(desired, "desired"))
	states, colours := quorumStates()
	b.statMapped("Meta quorum", 4, states, colours, q("("+ready+" >= bool "+quorum+") + ("+ready+" >= bool "+desired+")", "quorum"))
	b.stat("Connections", "short", 4, nil, q("sum(mqtt_connections_count"+s+")", "connections"))
	b.stat("Container restarts (1h)", "none", 4, redFrom(1),
		q("sum(increase(kube_pod_container_status_restarts_total"+selector(ns, "pod~", sets+"-[0-9]+", "container", naming.ContainerName)+"[1h]))", "restarts"))
	b.stat("Failed Raft writes /s", "ops", 4, redFrom(0.001), q(sumRate("raft_write_failures_total", s, ""), "failed"))
	b.timeseries("Ready pods by StatefulSet", "none", 12,
		q("kube_statefulset_status_replicas_ready"+selector(ns, "statefulset~", sets), "{{statefulset}} ready"),
		q("kube_statefulset_replicas"+selector(ns, "statefulset~", sets), "{{statefulset}} desired"))
	b.timeseries("Data volume used", "percentunit", 12,
		q("1 - kubelet_volume_stats_available_bytes"+claims(ns, sets)+" / kubelet_volume_stats_capacity_bytes"+claims(ns, sets), "{{persistentvolumeclaim}}"))

	b.row("MQTT")
	b.timeseries("Messages /s", "ops", 8,
		q(sumRate("mqtt_messages_received_total", s, ""), "in"),
		q(sumRate("mqtt_messages_sent_total", s, ""), "out"),
		q(sumRate("mqtt_messages_dropped_no_subscribers_total", s, ""), "dropped, no subscribers"))
	b.timeseries("Message payload bytes /s", "Bps", 8,
		q(sumRate("mqtt_message_bytes_received_total", s, ""), "in"),
		q(sumRate("mqtt_message_bytes_sent_total", s, ""), "out"))
	b.timeseries("Connections by pod", "short", 8, q("sum by (pod) (mqtt_connections_count"+s+")", "{{pod}}"))
	b.timeseries("Connects /s", "ops", 12,
		q(sumRate("mqtt_connection_success_total", s, ""), "success"),
		q(sumRate("mqtt_connection_failed_total", s, ""), "failed"),
		q(sumRate("mqtt_auth_failed_total", s, ""), "auth failed"),
		q(sumRate("mqtt_acl_failed_total", s, ""), "ACL denied"))
	b.timeseries("Protocol errors /s", "ops", 12,
		q(sumRate("mqtt_packets_received_error_total", s, ""), "malformed packets"),
		q(sumRate("mqtt_packets_connack_error_total", s, ""), "CONNACK errors"),
		q(sumRate("mqtt_packets_connack_auth_error_total", s, ""), "CONNACK auth errors"))

	b.row("Latency and meta")
	b.timeseries("Request latency p99 (all transports)", "ms", 8, q(p99("handler_total_ms_bucket", s, ""), "p99"))
	b.timeseries("Raft write latency p99 by group", "ms", 8, q(p99("raft_write_duration_ms_bucket", s, "machine"), "{{machine}}"))
	b.timeseries("Raft writes /s", "ops", 8,
		q(sumRate("raft_write_requests_total", s, ""), "requests"),
		q(sumRate("raft_write_failures_total", s, ""), "failures"))

	b.row("Resources")
	b.timeseries("Process CPU by pod", "percent", 12, q("sum by (pod) (system_process_cpu_usage"+s+")", "{{pod}}"))
	b.timeseries("Process memory by pod", "percent", 12, q("sum by (pod) (system_process_memory_usage"+s+")", "{{pod}}"))
}

func poolBoard(b *board) {
	b.b.WithVariable(labelVariable(varPool, "Pool", scope(), naming.MetricLabelPool))
	s := scope(naming.MetricLabelPool, "$"+varPool)
	ns := "$" + varNamespace
	sts := statefulSet("$" + varPool)
	b.row("Pods")
	b.stat("Ready pods", "none", 6, nil, q("kube_statefulset_status_replicas_ready"+selector(ns, "statefulset", sts), "ready"))
	b.stat("Desired pods", "none", 6, nil, q("kube_statefulset_replicas"+selector(ns, "statefulset", sts), "desired"))
	b.stat("Targets up", "none", 6, nil, q("sum(up"+s+")", "up"))
	b.stat("Connections", "short", 6, nil, q("sum(mqtt_connections_count"+s+")", "connections"))
	b.timeseries("Container restarts by pod (1h)", "none", 12,
		q("sum by (pod) (increase(kube_pod_container_status_restarts_total"+selector(ns, "pod~", sts+"-[0-9]+", "container", naming.ContainerName)+"[1h]))", "{{pod}}"))
	b.timeseries("Data volume used by claim", "percentunit", 12,
		q("1 - kubelet_volume_stats_available_bytes"+claims(ns, sts)+" / kubelet_volume_stats_capacity_bytes"+claims(ns, sts), "{{persistentvolumeclaim}}"))

	b.row("Traffic")
	b.timeseries("Connections by pod", "short", 8, q("sum by (pod) (mqtt_connections_count"+s+")", "{{pod}}"))
	b.timeseries("Messages in /s by pod", "ops", 8, q(sumRate("mqtt_messages_received_total", s, "pod"), "{{pod}}"))
	b.timeseries("Messages out /s by pod", "ops", 8, q(sumRate("mqtt_messages_sent_total", s, "pod"), "{{pod}}"))
	b.timeseries("Requests /s by pod (all transports)", "reqps", 8, q(sumRate("handler_requests_total", s, "pod"), "{{pod}}"))
	b.timeseries("Request latency p99 by pod", "ms", 8, q(p99("handler_total_ms_bucket", s, "pod"), "{{pod}}"))
	b.timeseries("Handler queue depth by pod", "short", 8, q("sum by (pod) (handler_queue_size"+s+")", "{{pod}}"))

	b.row("Meta and storage")
	b.timeseries("Raft apply lag by group", "short", 8, q("max by (machine) (raft_apply_lag"+s+")", "{{machine}}"))
	b.timeseries("Storage engine ops /s by operation", "ops", 8, q(sumRate("storage_engine_ops_total", s, "operation"), "{{operation}}"))
	b.timeseries("Storage engine failures /s by operation", "ops", 8, q(sumRate("storage_engine_ops_fail_total", s, "operation"), "{{operation}}"))
	b.timeseries("gRPC /s", "reqps", 12,
		q(sumRate("grpc_requests_total", s, ""), "requests"),
		q(sumRate("grpc_errors_total", s, ""), "errors"))
	b.timeseries("gRPC latency p99 by method", "ms", 12, q(p99("grpc_request_duration_ms_bucket", s, "method"), "{{method}}"))

	b.row("Resources")
	b.timeseries("Process CPU by pod", "percent", 12, q("sum by (pod) (system_process_cpu_usage"+s+")", "{{pod}}"))
	b.timeseries("Process memory by pod", "percent", 12, q("sum by (pod) (system_process_memory_usage"+s+")", "{{pod}}"))
}

func nodeBoard(b *board) {
	b.b.WithVariable(labelVariable(varPod, "Pod", scope(), "pod"))
	s := scope("pod", "$"+varPod)
	b.row("Node")
	b.stat("Up", "none", 4, nil, q("sum(up"+s+")", "up"))
	// The mqtt_*_count gauges are this node's view; they are shown per node and never summed across nodes.
	b.stat("Connections", "short", 4, nil, q("sum(mqtt_connections_count"+s+")", "connections"))
	b.stat("Sessions", "short", 4, nil, q("sum(mqtt_sessions_count"+s+")", "sessions"))
	b.stat("Subscribers", "short", 4, nil, q("sum(mqtt_subscribers_count"+s+")", "subscribers"))
	b.stat("Topics", "short", 4, nil, q("sum(mqtt_topics_count"+s+")", "topics"))
	b.stat("Retained messages", "short", 4, nil, q("sum(mqtt_retained_count"+s+")", "retained"))

	b.row("Traffic")
	b.timeseries("MQTT packets /s", "ops", 8,
		q(sumRate("mqtt_packets_received_total", s, ""), "in"),
		q(sumRate("mqtt_packets_sent_total", s, ""), "out"),
		q(sumRate("mqtt_packets_received_error_total", s, ""), "malformed"))
	b.timeseries("MQTT bytes /s", "Bps", 8,
		q(sumRate("mqtt_bytes_received_total", s, ""), "in"),
		q(sumRate("mqtt_bytes_sent_total", s, ""), "out"))
	b.timeseries("Packet processing p99 by packet type", "ms", 8, q(p99("mqtt_packet_process_duration_ms_bucket", s, "packet"), "{{packet}}"))
	b.timeseries("Request pipeline p99", "ms", 12,
		q(p99("handler_queue_wait_ms_bucket", s, ""), "queue wait"),
		q(p99("handler_apply_ms_bucket", s, ""), "apply"),
		q(p99("handler_write_ms_bucket", s, ""), "write"),
		q(p99("handler_total_ms_bucket", s, ""), "total"))
	b.timeseries("Slow and timed-out requests /s", "reqps", 12,
		q(sumRate("handler_slow_requests_total", s, ""), "slow (> 1 s)"),
		q(sumRate("handler_timeout_total", s, ""), "apply timeout"),
		q(sumRate("write_timeout_total", s, ""), "socket write timeout"))

	b.row("Meta and storage")
	b.timeseries("Raft RPC failures /s by type", "ops", 8, q(sumRate("raft_rpc_failures_total", s, "rpc_type"), "{{rpc_type}}"))
	b.timeseries("Raft apply lag by group", "short", 8, q("max by (machine) (raft_apply_lag"+s+")", "{{machine}}"))
	b.timeseries("RocksDB latency p99 by operation", "ms", 8, q(p99("rocksdb_operation_ms_bucket", s, "operation"), "{{operation}}"))

	b.row("Runtime")
	b.timeseries("Tokio workers busy by runtime", "percent", 8, q("max by (runtime) (tokio_runtime_busy_ratio"+s+")", "{{runtime}}"))
	b.timeseries("Tokio queue depth by runtime", "short", 8, q("max by (runtime) (tokio_runtime_queue_depth"+s+")", "{{runtime}}"))
	b.timeseries("Process CPU and memory", "percent", 8,
		q("sum(system_process_cpu_usage"+s+")", "CPU"),
		q("sum(system_process_memory_usage"+s+")", "memory"))
}

// claims selects the data PVCs (data-<statefulset>-<ordinal>) of the StatefulSets matched by the regex.
func claims(ns, sets string) string {
	return selector(ns, "persistentvolumeclaim~", naming.DataVolume+"-"+sets+"-[0-9]+")
}

// sumRate sums a counter's rate over every label except the ones listed, so `network` and the like are summed away.
func sumRate(metric, sel, by string) string {
	if by == "" {
		return fmt.Sprintf("sum(rate(%s%s[%s]))", metric, sel, rateWindow)
	}
	return fmt.Sprintf("sum by (%s) (rate(%s%s[%s]))", by, metric, sel, rateWindow)
}

func p99(bucket, sel, by string) string {
	by = strings.TrimSuffix("le, "+by, ", ")
	return fmt.Sprintf("histogram_quantile(0.99, sum by (%s) (rate(%s%s[%s])))", by, bucket, sel, rateWindow)
}

// allOption is Grafana's "All" of a multi-value variable.
var allOption = dashboard.VariableOption{
	Selected: ptr.To(true),
	Text:     dashboard.StringOrArrayOfString{String: ptr.To("All")},
	Value:    dashboard.StringOrArrayOfString{String: ptr.To("$__all")},
}

// quorumStates name the values of the Meta quorum stat: 0 below a Raft majority, 1 a majority but not every pod,
// 2 every pod ready.
func quorumStates() ([]dashboard.ValueMapping, *dashboard.ThresholdsConfigBuilder) {
	state := func(text, color string) dashboard.ValueMappingResult {
		return dashboard.ValueMappingResult{Text: ptr.To(text), Color: ptr.To(color)}
	}
	mappings := []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{
			"0": state("lost", "red"), "1": state("degraded", "orange"), "2": state("all ready", "green"),
		}}}}
	thresholds := dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
		{Color: "red"}, {Value: ptr.To(1.0), Color: "orange"}, {Value: ptr.To(2.0), Color: "green"},
	})
	return mappings, thresholds
}

// redFrom colours a stat red from v on; stats without thresholds stay neutral instead of Grafana's default red at 80.
func redFrom(v float64) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{{Color: "green"}, {Value: ptr.To(v), Color: "red"}})
}

func neutral() *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{{Color: "text"}})
}

type query struct{ expr, legend string }

func q(expr, legend string) query { return query{expr, legend} }

// board adds panels in order and numbers them, so ids are stable.
type board struct {
	b  *dashboard.DashboardBuilder
	id uint32
}

func (b *board) next() uint32 { b.id++; return b.id }

func (b *board) row(title string) {
	b.b.WithRow(dashboard.NewRowBuilder(title).Id(b.next()))
}

func (b *board) timeseries(title, unit string, width uint32, qs ...query) {
	p := timeseries.NewPanelBuilder().Id(b.next()).Title(title).Unit(unit).Span(width).Height(8).
		Datasource(datasource).Min(0).FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom))
	for i, x := range qs {
		p.WithTarget(target(i, x))
	}
	b.b.WithPanel(p)
}

func (b *board) stat(title, unit string, width uint32, thresholds *dashboard.ThresholdsConfigBuilder, qs ...query) {
	p := stat.NewPanelBuilder().Id(b.next()).Title(title).Unit(unit).Span(width).Height(4).
		Datasource(datasource).GraphMode(common.BigValueGraphModeArea).ColorMode(common.BigValueColorModeValue).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
	if thresholds == nil {
		thresholds = neutral()
	}
	p.Thresholds(thresholds)
	for i, x := range qs {
		p.WithTarget(target(i, x))
	}
	b.b.WithPanel(p)
}

// statMapped is a stat whose values have names and colours.
func (b *board) statMapped(title string, width uint32, mappings []dashboard.ValueMapping, thresholds *dashboard.ThresholdsConfigBuilder, qs ...query) {
	p := stat.NewPanelBuilder().Id(b.next()).Title(title).Unit("none").Span(width).Height(4).
		Datasource(datasource).GraphMode(common.BigValueGraphModeNone).ColorMode(common.BigValueColorModeBackground).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		Mappings(mappings).Thresholds(thresholds)
	for i, x := range qs {
		p.WithTarget(target(i, x))
	}
	b.b.WithPanel(p)
}

func target(i int, x query) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(string(rune('A' + i))).Expr(x.expr).LegendFormat(x.legend).Datasource(datasource)
}

// canonicalJSON re-encodes through generic maps, so keys come out sorted whatever the SDK's field order.
func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
