package promtool

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
)

type promQLExprTst struct {
	Expr       string      `json:"expr"`
	EvalTime   string      `json:"eval_time"`
	ExpSamples []expSample `json:"exp_samples"`
}

type expSample struct {
	Labels string  `json:"labels"`
	Value  float64 `json:"value"`
}

// overviewTargets are the queries of the overview board's panel with this title, by legend.
func overviewTargets(t *testing.T, title string) map[string]string {
	t.Helper()
	ds, err := monitoring.Dashboards()
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr   string `json:"expr"`
				Legend string `json:"legendFormat"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(ds[0].JSON, &d))
	out := map[string]string{}
	for _, p := range d.Panels {
		if p.Title == title {
			for _, tg := range p.Targets {
				out[tg.Legend] = tg.Expr
			}
		}
	}
	require.NotEmpty(t, out, "no panel %q on the overview", title)
	return out
}

// The overview's quorum panels, evaluated by Prometheus on the meta StatefulSet's kube-state-metrics series for
// 5 desired pods and 0 to 5 ready: quorum is 3, the state 0 below it, 1 from it, 2 with every pod ready. The
// variables are set as Grafana would for cluster split in namespace mq, meta pool meta.
func TestDashboardQuorumFromKubeStateMetrics(t *testing.T) {
	bin := promtool(t)
	vars := strings.NewReplacer("$namespace", "mq", "$cluster", "split", "$meta_pool", "meta")
	state := vars.Replace(overviewTargets(t, "Meta quorum")["quorum"])
	counts := overviewTargets(t, "Meta pods ready")
	quorum, desired := vars.Replace(counts["quorum"]), vars.Replace(counts["desired"])
	sts := `{namespace="mq",statefulset="split-meta"}`
	other := `{namespace="mq",statefulset="split-broker"}` // another pool's StatefulSet must not count
	var groups []testGroup
	for ready, want := range []float64{0, 0, 0, 1, 1, 2} {
		groups = append(groups, testGroup{
			Name: fmt.Sprintf("%d of 5 ready", ready), Interval: "1m",
			InputSeries: []inputSeries{
				{Series: "kube_statefulset_replicas" + sts, Values: "5x10"},
				{Series: "kube_statefulset_status_replicas_ready" + sts, Values: fmt.Sprintf("%dx10", ready)},
				{Series: "kube_statefulset_replicas" + other, Values: "9x10"},
				{Series: "kube_statefulset_status_replicas_ready" + other, Values: "9x10"},
			},
			PromQLExprTst: []promQLExprTst{
				{Expr: state, EvalTime: "5m", ExpSamples: []expSample{{Labels: "{}", Value: want}}},
				{Expr: quorum, EvalTime: "5m", ExpSamples: []expSample{{Labels: "{}", Value: 3}}},
				{Expr: desired, EvalTime: "5m", ExpSamples: []expSample{{Labels: "{}", Value: 5}}},
			},
		})
	}
	b, err := yaml.Marshal(testFile{EvaluationInterval: "1m", Tests: groups})
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "quorum_test.yaml")
	require.NoError(t, os.WriteFile(f, b, 0o644))
	promtoolRun(t, bin, "test", "rules", f)
}
