package monitoring

import (
	"fmt"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Certificate alerts, from the metrics cert-manager's controller exports about each Certificate.
const (
	AlertCertificateRenewalOverdue = "RobustMQCertificateRenewalOverdue"
	AlertCertificateExpiresSoon    = "RobustMQCertificateExpiresSoon"
	AlertCertificateNotReady       = "RobustMQCertificateNotReady"

	// CertificateWarnBefore is when a missed renewal becomes a warning: cert-manager renews a third of the
	// duration before expiry (30 days for its 90-day default), so a week left means renewals kept failing.
	CertificateWarnBefore = 7 * 24 * time.Hour
	// CertificateCriticalBefore leaves a day to renew by hand before clients see an expired certificate.
	CertificateCriticalBefore = 24 * time.Hour
)

// CertificateRule alerts before the listener certificate expires, with tls.certManager.expiryAlerts and the
// Prometheus Operator; nil otherwise. RobustMQ reads the certificate only at start-up (docs/robustmq.md
// §11.6), so a renewal that did not happen, or pods that never restarted on it (tls.rollOnRenewal), end with
// clients refusing the handshake. The thresholds shrink with a short renewBefore, so they never fire on a
// certificate cert-manager has not yet tried to renew.
func CertificateRule(c *topology.Cluster) *monitoringv1.PrometheusRule {
	m := c.Spec.Monitoring
	cm := c.Spec.TLS.CertManager
	if cm == nil || !*cm.ExpiryAlerts || !*m.Enabled || !*m.PrometheusOperator {
		return nil
	}
	warn, crit := CertificateThresholds(cm.RenewBefore)
	n := c.Names
	sel := selector(c.Namespace, "name", n.TLSSecret())
	left := fmt.Sprintf("certmanager_certificate_expiration_timestamp_seconds%s - time()", sel)
	return &monitoringv1.PrometheusRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.PrometheusRuleKind},
		ObjectMeta: objectMeta(c, n.CertificateRule(), selectedLabels(c)),
		Spec: monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{{
			Name: "robustmq." + n.Name + ".certificates",
			Rules: []monitoringv1.Rule{
				rule(c, AlertCertificateRenewalOverdue, severityWarning, "1h", nil,
					fmt.Sprintf("%s < %d", left, int64(warn.Seconds())),
					"The TLS certificate {{ $labels.namespace }}/{{ $labels.name }} of RobustMQ cluster "+n.Name+" was not renewed in time.",
					"It expires in {{ $value | humanizeDuration }}. cert-manager should have renewed it long ago: check the Certificate's events and the issuer."),
				rule(c, AlertCertificateExpiresSoon, severityCritical, "10m", nil,
					fmt.Sprintf("%s < %d", left, int64(crit.Seconds())),
					"The TLS certificate {{ $labels.namespace }}/{{ $labels.name }} of RobustMQ cluster "+n.Name+" is about to expire.",
					"It expires in {{ $value | humanizeDuration }}; TLS clients will then refuse to connect. Renew it, then restart the broker pods: RobustMQ never reloads certificates."),
				rule(c, AlertCertificateNotReady, severityWarning, "15m", nil,
					fmt.Sprintf("certmanager_certificate_ready_status%s == 1", selector(c.Namespace, "name", n.TLSSecret(), "condition", "False")),
					"cert-manager reports the TLS certificate {{ $labels.namespace }}/{{ $labels.name }} of RobustMQ cluster "+n.Name+" as not ready.",
					"The Certificate's Ready condition has been False for 15 minutes: issuance or renewal is failing."),
			},
		}}},
	}
}

// CertificateThresholds are the warning and critical times left, at most a quarter and an eighth of renewBefore
// (cert-manager renews at renewBefore).
func CertificateThresholds(renewBefore *metav1.Duration) (warn, crit time.Duration) {
	warn, crit = CertificateWarnBefore, CertificateCriticalBefore
	if renewBefore != nil {
		warn = min(warn, renewBefore.Duration/4)
		crit = min(crit, renewBefore.Duration/8)
	}
	return warn, crit
}
