//go:build unix

// Package promtool checks the generated alert rules with the real promtool: `promtool check rules` on the rules as
// rendered, and `promtool test rules` with synthetic series in which every alert fires once and stays silent
// otherwise, for several topologies. The dashboards' queries go through the same parser.
package promtool

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
	"github.com/robustmq/robustmq-kpt/internal/repo"
)

var (
	promtoolOnce sync.Once
	promtoolBin  string
	promtoolErr  error
)

// promtool returns the path of promtool built by hack/tools.sh at the pinned version, or fails the test when it
// cannot be built (.ci/run builds it before the tests).
func promtool(t *testing.T) string {
	t.Helper()
	promtoolOnce.Do(func() {
		start := time.Now()
		var bins []string
		bins, promtoolErr = repo.Tools("promtool")
		if promtoolErr == nil {
			promtoolBin = bins[0]
		}
		t.Logf("promtool %s ready after %s", promtoolBin, time.Since(start).Round(time.Second))
	})
	if promtoolErr != nil {
		t.Fatalf("promtool cannot be built (hack/tools.sh promtool builds it from the Go module proxy): %v", promtoolErr)
	}
	return promtoolBin
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// --- topologies ---

func cluster(t *testing.T, name string, pools ...v1alpha1.Pool) *topology.Cluster {
	t.Helper()
	c := &v1alpha1.RobustMQCluster{}
	c.Name, c.Namespace = name, "mq"
	c.Spec.Environment = v1alpha1.Staging
	c.Spec.Pools = pools
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}

func pool(name string, replicas, start int32, roles ...v1alpha1.Role) v1alpha1.Pool {
	return v1alpha1.Pool{Name: name, Replicas: ptr.To(replicas), BrokerIDStart: ptr.To(start), Roles: roles}
}

func topologies(t *testing.T) []*topology.Cluster {
	return []*topology.Cluster{
		cluster(t, "solo", pool("node", 1, 1)),
		cluster(t, "trio", pool("node", 3, 1)),
		cluster(t, "split",
			pool("meta", 3, 1, v1alpha1.RoleMeta),
			pool("broker", 2, 11, v1alpha1.RoleBroker),
			pool("engine", 2, 21, v1alpha1.RoleEngine)),
	}
}

// --- rule files ---

// ruleFile writes the PrometheusRule's spec, which is a Prometheus rule file as is.
func ruleFile(t *testing.T, dir, name string, spec monitoringv1.PrometheusRuleSpec) string {
	b, err := yaml.Marshal(spec)
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func withoutAnnotations(spec monitoringv1.PrometheusRuleSpec) monitoringv1.PrometheusRuleSpec {
	out := *spec.DeepCopy()
	for i := range out.Groups {
		for j := range out.Groups[i].Rules {
			out.Groups[i].Rules[j].Annotations = nil
		}
	}
	return out
}

func promtoolRun(t *testing.T, bin string, args ...string) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(bin, args...).CombinedOutput()
	t.Logf("promtool %s (%s):\n%s", strings.Join(args[:2], " "), time.Since(start).Round(time.Millisecond), tail(string(out), 10))
	require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestCheckRules(t *testing.T) {
	bin := promtool(t)
	for _, c := range topologies(t) {
		t.Run(c.Name, func(t *testing.T) {
			f := ruleFile(t, t.TempDir(), "rules.yaml", monitoring.PrometheusRule(c).Spec)
			promtoolRun(t, bin, "check", "rules", "--lint=all", "--lint-fatal", f)
		})
	}
}

// --- promtool test rules ---

type testFile struct {
	RuleFiles          []string    `json:"rule_files"`
	EvaluationInterval string      `json:"evaluation_interval"`
	Tests              []testGroup `json:"tests"`
}

type testGroup struct {
	Name          string          `json:"name"`
	Interval      string          `json:"interval"`
	InputSeries   []inputSeries   `json:"input_series"`
	AlertRuleTest []alertRuleTest `json:"alert_rule_test,omitempty"`
	// PromQLExprTst evaluates bare queries (the dashboards', quorum_test.go).
	PromQLExprTst []promQLExprTst `json:"promql_expr_test,omitempty"`
}

type inputSeries struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

type alertRuleTest struct {
	EvalTime  string     `json:"eval_time"`
	Alertname string     `json:"alertname"`
	ExpAlerts []expAlert `json:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `json:"exp_labels"`
	ExpAnnotations map[string]string `json:"exp_annotations,omitempty"`
}

// Series run for 40 minutes at one sample a minute; alerts are checked at minute 35, after the longest `for` (15m)
// and the longest range (30m).
const (
	steps    = "x40"
	evalTime = "35m"
)

// fixture is the input of one scenario: series by their text, so a scenario can replace or drop some.
type fixture map[string]string

func (f fixture) set(series, values string) { f[series] = values }

func (f fixture) drop(prefix string) {
	for s := range f {
		if strings.HasPrefix(s, prefix+"{") {
			delete(f, s)
		}
	}
}

func (f fixture) input() []inputSeries {
	var out []inputSeries
	for _, s := range slices.Sorted(maps.Keys(f)) {
		out = append(out, inputSeries{Series: s, Values: f[s]})
	}
	return out
}

func series(name string, labels map[string]string) string {
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		pairs = append(pairs, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// topo is what the scenarios need to know about a cluster, derived here from the spec on its own so that it checks
// the function's topology rather than repeating it.
type topo struct {
	c        *v1alpha1.RobustMQCluster
	meta     *v1alpha1.Pool
	other    *v1alpha1.Pool // a pool without the meta role, if any
	firstPod string
	pods     map[string]string // pod -> pool
	claims   []string
}

func newTopo(tc *topology.Cluster) topo {
	c := tc.RobustMQCluster
	n := naming.For(c)
	tp := topo{c: c, pods: map[string]string{}}
	for i := range c.Spec.Pools {
		p := &c.Spec.Pools[i]
		if p.Has(v1alpha1.RoleMeta) {
			tp.meta = p
		} else if tp.other == nil {
			tp.other = p
		}
		for o := *p.BrokerIDStart; o < *p.BrokerIDStart+*p.Replicas; o++ {
			pod := fmt.Sprintf("%s-%d", n.StatefulSet(p.Name), o)
			tp.pods[pod] = p.Name
			if p.Has(v1alpha1.RoleMeta) || p.Has(v1alpha1.RoleEngine) {
				tp.claims = append(tp.claims, "data-"+pod)
			}
		}
	}
	tp.firstPod = n.StatefulSet(tp.meta.Name) + fmt.Sprintf("-%d", *tp.meta.BrokerIDStart)
	sort.Strings(tp.claims)
	return tp
}

func (tp topo) sts(p *v1alpha1.Pool) string { return naming.For(tp.c).StatefulSet(p.Name) }

func (tp topo) ns() string { return tp.c.Namespace }

// target are the labels of a scraped series of a pod after relabelling.
func (tp topo) target(pod string) map[string]string {
	return map[string]string{"job": monitoring.Job, "namespace": tp.ns(), naming.MetricLabelCluster: tp.c.Name,
		naming.MetricLabelPool: tp.pods[pod], "pod": pod, "instance": pod + ":58080"}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// healthy is a cluster where nothing should alert: every pod ready and scraped, volumes half full, low error rates.
func (tp topo) healthy() fixture {
	f := fixture{}
	for _, p := range tp.c.Spec.Pools {
		sts := map[string]string{"namespace": tp.ns(), "statefulset": naming.For(tp.c).StatefulSet(p.Name)}
		f.set(series("kube_statefulset_status_replicas_ready", sts), fmt.Sprintf("%d%s", *p.Replicas, steps))
		f.set(series("kube_statefulset_replicas", sts), fmt.Sprintf("%d%s", *p.Replicas, steps))
	}
	for pod := range tp.pods {
		f.set(series("kube_pod_container_status_restarts_total", map[string]string{"namespace": tp.ns(), "pod": pod, "container": "robustmq"}), "1"+steps)
		f.set(series("up", tp.target(pod)), "1"+steps)
	}
	for _, claim := range tp.claims {
		pvc := map[string]string{"namespace": tp.ns(), "persistentvolumeclaim": claim, "job": "kubelet"}
		f.set(series("kubelet_volume_stats_capacity_bytes", pvc), "100"+steps)
		f.set(series("kubelet_volume_stats_available_bytes", pvc), "50"+steps)
	}
	// Broker metrics of the first pod, per minute: 1 % failed connects, 10 failed logins, 0.1 % bad packets,
	// no Raft failures, 0.1 % handler timeouts, 1 % gRPC errors.
	pod := tp.target(tp.firstPod)
	tcp := with(pod, "network", "Tcp")
	grpc := with(pod, "service", "RaftService", "method", "append")
	f.set(series("mqtt_connection_success_total", pod), "0+100"+steps)
	f.set(series("mqtt_connection_failed_total", pod), "0+1"+steps)
	f.set(series("mqtt_auth_failed_total", pod), "0+10"+steps)
	f.set(series("mqtt_packets_received_total", tcp), "0+1000"+steps)
	f.set(series("mqtt_packets_received_error_total", tcp), "0+1"+steps)
	f.set(series("raft_write_failures_total", with(pod, "machine", "metadata_0")), "0"+steps)
	f.set(series("handler_requests_total", tcp), "0+1000"+steps)
	f.set(series("handler_timeout_total", tcp), "0+1"+steps)
	f.set(series("grpc_requests_total", grpc), "0+100"+steps)
	f.set(series("grpc_errors_total", with(grpc, "status_code", "Unavailable")), "0+1"+steps)
	return f
}

// scenario is one situation and the alerts it must raise; every other alert must stay silent.
type scenario struct {
	name   string
	input  fixture
	alerts map[string][]map[string]string // alert -> expected label sets (without alertname)
}

func (tp topo) alertLabels(severity string, extra map[string]string) map[string]string {
	return with(extra, "severity", severity, naming.MetricLabelCluster, tp.c.Name)
}

func (tp topo) scenarios() []scenario {
	replicas := *tp.meta.Replicas
	quorum := replicas/2 + 1
	metaSts := map[string]string{"namespace": tp.ns(), "statefulset": tp.sts(tp.meta)}
	ready := series("kube_statefulset_status_replicas_ready", metaSts)
	podTarget := tp.target(tp.firstPod)
	broker := map[string]string{"namespace": tp.ns(), naming.MetricLabelCluster: tp.c.Name, naming.MetricLabelPool: tp.pods[tp.firstPod], "pod": tp.firstPod}
	tcp := with(podTarget, "network", "Tcp")
	grpc := with(podTarget, "service", "RaftService", "method", "append")

	var out []scenario
	add := func(name string, change func(fixture), alerts map[string][]map[string]string) {
		f := tp.healthy()
		if change != nil {
			change(f)
		}
		out = append(out, scenario{name, f, alerts})
	}
	add("healthy", nil, nil)
	add("meta quorum lost", func(f fixture) { f.set(ready, fmt.Sprintf("%d%s", quorum-1, steps)) },
		map[string][]map[string]string{monitoring.AlertMetaQuorumLost: {
			tp.alertLabels("critical", with(metaSts, naming.MetricLabelPool, tp.meta.Name))}})
	if quorum < replicas {
		// Exactly quorum ready: at risk, not lost.
		add("meta quorum at risk", func(f fixture) { f.set(ready, fmt.Sprintf("%d%s", quorum, steps)) },
			map[string][]map[string]string{monitoring.AlertMetaQuorumAtRisk: {
				tp.alertLabels("warning", with(metaSts, naming.MetricLabelPool, tp.meta.Name))}})
	}
	if tp.other != nil {
		sts := map[string]string{"namespace": tp.ns(), "statefulset": tp.sts(tp.other)}
		add("pool degraded", func(f fixture) {
			f.set(series("kube_statefulset_status_replicas_ready", sts), fmt.Sprintf("%d%s", *tp.other.Replicas-1, steps))
		}, map[string][]map[string]string{monitoring.AlertPoolDegraded: {
			tp.alertLabels("warning", with(sts, naming.MetricLabelPool, tp.other.Name))}})
	}
	restarts := map[string]string{"namespace": tp.ns(), "pod": tp.firstPod, "container": "robustmq"}
	add("restart loop", func(f fixture) {
		// One restart every 5 minutes, the kubelet's longest back-off.
		f.set(series("kube_pod_container_status_restarts_total", restarts), "1+0.2"+steps)
	}, map[string][]map[string]string{monitoring.AlertPodRestartLoop: {tp.alertLabels("warning", restarts)}})
	claim := map[string]string{"namespace": tp.ns(), "persistentvolumeclaim": tp.claims[0], "job": "kubelet"}
	add("volume filling up", func(f fixture) { f.set(series("kubelet_volume_stats_available_bytes", claim), "10"+steps) },
		map[string][]map[string]string{monitoring.AlertVolumeFillingUp: {tp.alertLabels("warning", claim)}})
	add("volume full", func(f fixture) { f.set(series("kubelet_volume_stats_available_bytes", claim), "2"+steps) },
		map[string][]map[string]string{
			monitoring.AlertVolumeFillingUp: {tp.alertLabels("warning", claim)},
			monitoring.AlertVolumeFull:      {tp.alertLabels("critical", claim)},
		})
	add("target down", func(f fixture) { f.set(series("up", podTarget), "0"+steps) },
		map[string][]map[string]string{monitoring.AlertTargetDown: {tp.alertLabels("warning", podTarget)}})
	add("nothing scraped", func(f fixture) { f.drop("up") },
		map[string][]map[string]string{monitoring.AlertMetricsAbsent: {
			tp.alertLabels("warning", map[string]string{"job": monitoring.Job, "namespace": tp.ns()})}})
	add("no kube-state-metrics", func(f fixture) {
		f.drop("kube_statefulset_replicas")
		f.drop("kube_statefulset_status_replicas_ready")
		f.drop("kube_pod_container_status_restarts_total")
	}, map[string][]map[string]string{monitoring.AlertKubeStateMetricsAbsent: {tp.alertLabels("warning", metaSts)}})
	add("mqtt connection failures", func(f fixture) { f.set(series("mqtt_connection_failed_total", podTarget), "0+50"+steps) },
		map[string][]map[string]string{monitoring.AlertMQTTConnectionFailures: {tp.alertLabels("warning", broker)}})
	add("mqtt auth failures", func(f fixture) { f.set(series("mqtt_auth_failed_total", podTarget), "0+120"+steps) },
		map[string][]map[string]string{monitoring.AlertMQTTAuthFailures: {tp.alertLabels("warning", broker)}})
	add("mqtt packet errors", func(f fixture) { f.set(series("mqtt_packets_received_error_total", tcp), "0+100"+steps) },
		map[string][]map[string]string{monitoring.AlertMQTTPacketErrors: {tp.alertLabels("warning", broker)}})
	add("raft write failures", func(f fixture) {
		f.set(series("raft_write_failures_total", with(podTarget, "machine", "metadata_0")), "0+6"+steps)
	}, map[string][]map[string]string{monitoring.AlertRaftWriteFailures: {tp.alertLabels("critical", with(broker, "machine", "metadata_0"))}})
	add("handler timeouts", func(f fixture) { f.set(series("handler_timeout_total", tcp), "0+50"+steps) },
		map[string][]map[string]string{monitoring.AlertHandlerTimeouts: {tp.alertLabels("warning", broker)}})
	add("grpc errors", func(f fixture) {
		f.set(series("grpc_errors_total", with(grpc, "status_code", "Unavailable")), "0+20"+steps)
	}, map[string][]map[string]string{monitoring.AlertGRPCErrors: {tp.alertLabels("warning", broker)}})
	return out
}

// alertNames are the alerts a rule spec defines, in order.
func alertNames(spec monitoringv1.PrometheusRuleSpec) []string {
	var out []string
	for _, g := range spec.Groups {
		for _, r := range g.Rules {
			if !slices.Contains(out, r.Alert) {
				out = append(out, r.Alert)
			}
		}
	}
	return out
}

func TestRulesFireAndStaySilent(t *testing.T) {
	bin := promtool(t)
	for _, c := range topologies(t) {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			spec := monitoring.PrometheusRule(c).Spec
			// Annotations are left out here and checked in TestAnnotationsRender; promtool compares them exactly.
			rules := ruleFile(t, dir, "rules.yaml", withoutAnnotations(spec))
			names := alertNames(spec)
			tp := newTopo(c)
			fired := map[string]bool{}
			tf := testFile{RuleFiles: []string{rules}, EvaluationInterval: "1m"}
			for _, sc := range tp.scenarios() {
				g := testGroup{Name: c.Name + ": " + sc.name, Interval: "1m", InputSeries: sc.input.input()}
				for _, a := range names {
					art := alertRuleTest{EvalTime: evalTime, Alertname: a}
					for _, l := range sc.alerts[a] {
						art.ExpAlerts = append(art.ExpAlerts, expAlert{ExpLabels: l})
						fired[a] = true
					}
					g.AlertRuleTest = append(g.AlertRuleTest, art)
				}
				for a := range sc.alerts {
					require.Contains(t, names, a, "scenario %q expects an alert the rules of %s do not define", sc.name, c.Name)
				}
				tf.Tests = append(tf.Tests, g)
			}
			// Every alert of the topology fires in some scenario and is silent in "healthy".
			require.ElementsMatch(t, names, slices.Collect(maps.Keys(fired)))
			promtoolRun(t, bin, "test", "rules", writeTests(t, dir, tf))
		})
	}
}

// TestAnnotationsRender checks a few rendered annotations word for word: templates, $value formatting and the
// topology numbers in the text.
func TestAnnotationsRender(t *testing.T) {
	bin := promtool(t)
	c := topologies(t)[1] // trio: 3 all-in-one nodes
	tp := newTopo(c)
	dir := t.TempDir()
	rules := ruleFile(t, dir, "rules.yaml", monitoring.PrometheusRule(c).Spec)
	runbook := func(a string) string { return monitoring.RunbookBase + "#" + strings.ToLower(a) }

	lost := tp.healthy()
	meta := map[string]string{"namespace": "mq", "statefulset": "trio-node"}
	lost.set(series("kube_statefulset_status_replicas_ready", meta), "1"+steps)
	claim := map[string]string{"namespace": "mq", "persistentvolumeclaim": "data-trio-node-1", "job": "kubelet"}
	full := tp.healthy()
	full.set(series("kubelet_volume_stats_available_bytes", claim), "10"+steps)

	tf := testFile{RuleFiles: []string{rules}, EvaluationInterval: "1m", Tests: []testGroup{
		{Name: "quorum lost", Interval: "1m", InputSeries: lost.input(), AlertRuleTest: []alertRuleTest{{
			EvalTime: evalTime, Alertname: monitoring.AlertMetaQuorumLost,
			ExpAlerts: []expAlert{{
				ExpLabels: with(meta, "severity", "critical", "cluster", "trio", "pool", "node"),
				ExpAnnotations: map[string]string{
					"summary": "RobustMQ cluster mq/trio has lost its meta (Raft) quorum.",
					"description": "Only 1 of the 3 meta pods of StatefulSet trio-node are ready; Raft needs 2. " +
						"Metadata writes, new client sessions and node start-up block until a majority is back.",
					"runbook_url": runbook(monitoring.AlertMetaQuorumLost),
				},
			}},
		}}},
		{Name: "volume filling up", Interval: "1m", InputSeries: full.input(), AlertRuleTest: []alertRuleTest{{
			EvalTime: evalTime, Alertname: monitoring.AlertVolumeFillingUp,
			ExpAlerts: []expAlert{{
				ExpLabels: with(claim, "severity", "warning", "cluster", "trio"),
				ExpAnnotations: map[string]string{
					"summary":     "RobustMQ data volume mq/data-trio-node-1 is filling up.",
					"description": "Only 10% of the volume is free. RobustMQ has no retention by size: plan an expansion.",
					"runbook_url": runbook(monitoring.AlertVolumeFillingUp),
				},
			}},
		}}},
	}}
	promtoolRun(t, bin, "test", "rules", writeTests(t, dir, tf))
}

func writeTests(t *testing.T, dir string, tf testFile) string {
	b, err := yaml.Marshal(tf)
	require.NoError(t, err)
	p := filepath.Join(dir, "tests.yaml")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// --- dashboards ---

// grafanaVariable matches a Grafana template variable: $name, ${name} or ${name:format}.
var grafanaVariable = regexp.MustCompile(`\$\{?(\w+)(:\w+)?\}?`)

// promQL turns a dashboard query into plain PromQL: interval variables become durations, the others a label value
// (in our dashboards they only stand inside label matchers, which this keeps true: anywhere else, the parse fails).
func promQL(q string) string {
	return grafanaVariable.ReplaceAllStringFunc(q, func(v string) string {
		switch grafanaVariable.FindStringSubmatch(v)[1] {
		case "__rate_interval", "__interval", "__range":
			return "5m"
		}
		return "x"
	})
}

// dashboardExprs returns the PromQL of every panel target and the series selector of every label_values variable.
func dashboardExprs(t *testing.T, raw []byte) []string {
	t.Helper()
	type panel struct {
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var d struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// Every dashboard query is PromQL that Prometheus parses: written as recording rules, `promtool check rules`
// reads them with Prometheus' own parser.
func TestDashboardQueriesParse(t *testing.T) {
	bin := promtool(t)
	ds, err := monitoring.Dashboards()
	require.NoError(t, err)
	var group monitoringv1.RuleGroup
	group.Name = "dashboards"
	for _, d := range ds {
		exprs := dashboardExprs(t, d.JSON)
		require.NotEmpty(t, exprs, d.Kind)
		for i, e := range exprs {
			require.NotEmpty(t, e, "%s dashboard: a target without a query", d.Kind)
			group.Rules = append(group.Rules, monitoringv1.Rule{
				Record: fmt.Sprintf("dashboard:%s:%d", d.Kind, i),
				Expr:   intstr.FromString(promQL(e)),
			})
		}
	}
	t.Logf("%d queries from %d dashboards", len(group.Rules), len(ds))
	f := ruleFile(t, t.TempDir(), "dashboards.yaml", monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{group}})
	promtoolRun(t, bin, "check", "rules", f)
}
