// Package policy checks a rendered cluster against hardening rules. Findings are errors in prod and warnings
// elsewhere.
package policy

import (
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Rule names are stable: users filter results by them, and the README lists them.
const (
	RuleAuthSecret          = "auth-secret"
	RuleSelfSignedTLS       = "tls-self-signed"
	RuleImageTag            = "image-tag"
	RuleNetworkPolicy       = "network-policy"
	RulePodSecurity         = "pod-security"
	RuleResources           = "resources"
	RuleServiceAccountToken = "service-account-token"
	RulePlaintextExposed    = "plaintext-exposed"
	RuleInlineSecret        = "inline-secret"
)

// Finding is one rule a cluster breaks, with the spec field (or object) to change.
type Finding struct {
	Rule    string
	Field   string
	Message string
	// Error is true when the finding must stop the render (prod), false for a warning.
	Error bool
}

// Check runs every rule on the defaulted cluster and its generated objects: first the rules on the spec, then
// those on the objects, in object order, so results are stable from one render to the next.
func Check(c *topology.Cluster, objs []output.Object) []Finding {
	var out []Finding
	out = append(out, authSecrets(c)...)
	out = append(out, selfSignedTLS(c)...)
	out = append(out, imageTag(c)...)
	out = append(out, networkPolicy(c)...)
	for _, o := range objs {
		out = append(out, CheckObject(o.Object)...)
		out = append(out, plaintextExposed(c, o.Object)...)
	}
	for i := range out {
		out[i].Error = c.Spec.Environment == v1alpha1.Prod
	}
	return out
}
