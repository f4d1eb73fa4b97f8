package monitoring

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

func TestCertificateRuleIsOptInAndDocumented(t *testing.T) {
	mk := func(alerts *bool, monitoring bool) *v1alpha1.RobustMQCluster {
		c := &v1alpha1.RobustMQCluster{}
		c.Name, c.Namespace = "mq", "ns"
		c.Spec.Environment = v1alpha1.Staging
		c.Spec.Monitoring.Enabled = ptr.To(monitoring)
		c.Spec.TLS.CertManager = &v1alpha1.CertManager{IssuerRef: v1alpha1.IssuerRef{Name: "ca"}, ExpiryAlerts: alerts}
		return c
	}
	assert.Nil(t, CertificateRule(resolve(t, mk(nil, true))), "off by default")
	assert.Nil(t, CertificateRule(resolve(t, mk(ptr.To(true), false))), "not without monitoring")
	r := CertificateRule(resolve(t, mk(ptr.To(true), true)))
	require.NotNil(t, r)
	assert.Equal(t, "mq-certificates", r.Name)

	doc, err := os.ReadFile("../../../docs/monitoring.md")
	require.NoError(t, err)
	anchors := markdownAnchors(string(doc))
	var names []string
	for _, g := range r.Spec.Groups {
		for _, rule := range g.Rules {
			names = append(names, rule.Alert)
			assert.Contains(t, rule.Expr.String(), `name="mq-tls"`, "only this cluster's Certificate")
			assert.Contains(t, rule.Expr.String(), `namespace="ns"`)
			_, anchor, _ := strings.Cut(rule.Annotations["runbook_url"], "#")
			assert.True(t, anchors[anchor], "docs/monitoring.md has no heading for #%s", anchor)
		}
	}
	assert.Equal(t, []string{AlertCertificateRenewalOverdue, AlertCertificateExpiresSoon, AlertCertificateNotReady}, names)
}
