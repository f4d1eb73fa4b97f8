//go:build unix

package promtool

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// An autoscaled pool is degraded when fewer pods are ready than the HPA asks for now, whatever that number is: a
// scale-down to 3 with 3 ready is healthy, 3 ready of 4 wanted is not.
func TestAutoscaledPoolDegraded(t *testing.T) {
	bin := promtool(t)
	broker := pool("broker", 0, 101, v1alpha1.RoleBroker)
	broker.Replicas = nil
	broker.Autoscaling = &v1alpha1.Autoscaling{MinReplicas: ptr.To(int32(2)), MaxReplicas: 10}
	c := cluster(t, "auto", pool("core", 3, 1, v1alpha1.RoleMeta, v1alpha1.RoleEngine), broker)
	dir := t.TempDir()
	rules := ruleFile(t, dir, "rules.yaml", withoutAnnotations(monitoring.PrometheusRule(c).Spec))
	sts := map[string]string{"namespace": "mq", "statefulset": "auto-broker"}
	in := func(desired, ready string) []inputSeries {
		return []inputSeries{
			{Series: series("kube_statefulset_replicas", sts), Values: desired},
			{Series: series("kube_statefulset_status_replicas_ready", sts), Values: ready},
		}
	}
	degraded := []expAlert{{ExpLabels: with(sts, "severity", "warning", "cluster", "auto", "pool", "broker")}}
	tf := testFile{RuleFiles: []string{rules}, EvaluationInterval: "1m", Tests: []testGroup{
		{Name: "at the HPA's count", Interval: "1m", InputSeries: in("4"+steps, "4"+steps),
			AlertRuleTest: []alertRuleTest{{EvalTime: evalTime, Alertname: monitoring.AlertPoolDegraded}}},
		{Name: "scaled down to 3, 3 ready", Interval: "1m", InputSeries: in("4x5 3x35", "4x5 3x35"),
			AlertRuleTest: []alertRuleTest{{EvalTime: evalTime, Alertname: monitoring.AlertPoolDegraded}}},
		{Name: "3 ready of 4 wanted", Interval: "1m", InputSeries: in("4"+steps, "3"+steps),
			AlertRuleTest: []alertRuleTest{{EvalTime: evalTime, Alertname: monitoring.AlertPoolDegraded, ExpAlerts: degraded}}},
		{Name: "scaled up to 8, 5 ready", Interval: "1m", InputSeries: in("8"+steps, "5"+steps),
			AlertRuleTest: []alertRuleTest{{EvalTime: evalTime, Alertname: monitoring.AlertPoolDegraded, ExpAlerts: degraded}}},
	}}
	promtoolRun(t, bin, "test", "rules", writeTests(t, dir, tf))
}

// The certificate alerts fire on cert-manager's metrics at their thresholds, and only for this cluster's
// Certificate; a short renewBefore shrinks the thresholds.
func TestCertificateAlerts(t *testing.T) {
	bin := promtool(t)
	for _, tc := range []struct {
		renewBefore *metav1.Duration
		warn, crit  time.Duration
	}{
		{nil, 7 * 24 * time.Hour, 24 * time.Hour},
		{&metav1.Duration{Duration: 48 * time.Hour}, 12 * time.Hour, 6 * time.Hour},
	} {
		renewBefore, warn, crit := tc.renewBefore, tc.warn, tc.crit
		name := "default"
		if renewBefore != nil {
			name = "renewBefore " + renewBefore.Duration.String()
		}
		t.Run(name, func(t *testing.T) {
			c := certCluster(t, renewBefore)
			rule := monitoring.CertificateRule(c)
			require.NotNil(t, rule)
			dir := t.TempDir()
			rules := ruleFile(t, dir, "rules.yaml", withoutAnnotations(rule.Spec))
			// promtool's clock starts at 0; alerts are checked at 2h, after the longest `for` (1h).
			const eval = 2 * time.Hour
			cert := map[string]string{"namespace": "mq", "name": "certs-tls", "issuer_name": "ca", "issuer_kind": "ClusterIssuer", "issuer_group": "cert-manager.io"}
			other := with(cert, "name", "someone-else-tls")
			expiry := func(left time.Duration) string { return fmt.Sprintf("%dx150", int64((eval + left).Seconds())) }
			exp := func(severity string) []expAlert {
				return []expAlert{{ExpLabels: with(cert, "severity", severity, "cluster", "certs")}}
			}
			group := func(name string, left time.Duration, overdue, soon []expAlert) testGroup {
				return testGroup{Name: name, Interval: "1m", InputSeries: []inputSeries{
					{Series: series("certmanager_certificate_expiration_timestamp_seconds", cert), Values: expiry(left)},
					{Series: series("certmanager_certificate_expiration_timestamp_seconds", other), Values: expiry(time.Minute)},
					{Series: series("certmanager_certificate_ready_status", with(cert, "condition", "True")), Values: "1x150"},
					{Series: series("certmanager_certificate_ready_status", with(cert, "condition", "False")), Values: "0x150"},
				}, AlertRuleTest: []alertRuleTest{
					{EvalTime: "2h", Alertname: monitoring.AlertCertificateRenewalOverdue, ExpAlerts: overdue},
					{EvalTime: "2h", Alertname: monitoring.AlertCertificateExpiresSoon, ExpAlerts: soon},
					{EvalTime: "2h", Alertname: monitoring.AlertCertificateNotReady},
				}}
			}
			notReady := testGroup{Name: "not ready", Interval: "1m", InputSeries: []inputSeries{
				{Series: series("certmanager_certificate_expiration_timestamp_seconds", cert), Values: expiry(30 * 24 * time.Hour)},
				{Series: series("certmanager_certificate_ready_status", with(cert, "condition", "False")), Values: "1x150"},
			}, AlertRuleTest: []alertRuleTest{{EvalTime: "2h", Alertname: monitoring.AlertCertificateNotReady,
				ExpAlerts: []expAlert{{ExpLabels: with(cert, "condition", "False", "severity", "warning", "cluster", "certs")}}}}}
			tf := testFile{RuleFiles: []string{rules}, EvaluationInterval: "1m", Tests: []testGroup{
				group("renewed in time", warn+time.Hour, nil, nil),
				group("renewal overdue", warn-2*time.Hour, exp("warning"), nil),
				group("about to expire", crit-20*time.Minute, exp("warning"), exp("critical")),
				notReady,
			}}
			promtoolRun(t, bin, "test", "rules", writeTests(t, dir, tf))
		})
	}
}

func certCluster(t *testing.T, renewBefore *metav1.Duration) *topology.Cluster {
	t.Helper()
	c := &v1alpha1.RobustMQCluster{}
	c.Name, c.Namespace = "certs", "mq"
	c.Spec.Environment = v1alpha1.Staging
	c.Spec.TLS.CertManager = &v1alpha1.CertManager{IssuerRef: v1alpha1.IssuerRef{Name: "ca", Kind: "ClusterIssuer"},
		RenewBefore: renewBefore, ExpiryAlerts: ptr.To(true)}
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}
