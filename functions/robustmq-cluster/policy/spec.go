package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// authSecrets: without a Secret reference RobustMQ runs with built-in credentials that are public in its source
// (docs/robustmq.md §2, §11.9).
func authSecrets(c *topology.Cluster) []Finding {
	a := &c.Spec.Auth
	var out []Finding
	if a.Admin == nil {
		out = append(out, Finding{Rule: RuleAuthSecret, Field: "spec.auth.admin", Message: "no Secret for the admin API user: " +
			"RobustMQ falls back to admin/admin, and the admin API reads and changes the whole configuration"})
	}
	if a.JWTSecret == nil {
		out = append(out, Finding{Rule: RuleAuthSecret, Field: "spec.auth.jwtSecret", Message: "no Secret for the key that signs " +
			"admin API tokens: RobustMQ falls back to the public default robustmq-change-me-in-production, so anyone can forge an admin token"})
	}
	if a.MQTT == nil {
		out = append(out, Finding{Rule: RuleAuthSecret, Field: "spec.auth.mqtt", Message: "no Secret for the default MQTT user: " +
			"RobustMQ falls back to admin/robustmq"})
	}
	return out
}

// selfSignedTLS: without spec.tls the TLS listeners use the pair shipped in the image (docs/robustmq.md §1), whose private
// key is in every copy of the image, so the encryption protects nothing.
func selfSignedTLS(c *topology.Cluster) []Finding {
	if c.Spec.TLS.SecretName != "" || c.Spec.TLS.CertManager != nil {
		return nil
	}
	var exposed []string
	for _, np := range c.Ports.Exposed {
		if np.TLS {
			exposed = append(exposed, "spec.listeners."+np.Path)
		}
	}
	if len(exposed) == 0 {
		return nil
	}
	return []Finding{{Rule: RuleSelfSignedTLS, Field: "spec.tls", Message: fmt.Sprintf(
		"exposed TLS listeners (%s) use the image's self-signed certificate, whose private key ships in every copy of "+
			"the image; set spec.tls.secretName or spec.tls.certManager", strings.Join(exposed, ", "))}}
}

// releaseTag is what this function treats as immutable: a full release tag, as RobustMQ's release workflow
// pushes it once per release (ghcr.io/robustmq/robustmq:vX.Y.Z). Anything else (latest, v0.4, main, rc tags) may be
// moved. Only a digest is immutable for the registry itself; docs/security.md says so.
var releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)

// imageTag: latest is always reported, since pods restarted at different times would run different releases
// under a server.toml generated for spec.version; other mutable tags only in prod. A digest settles both.
func imageTag(c *topology.Cluster) []Finding {
	im := &c.Spec.Image
	switch {
	case im.Digest != "":
		return nil
	case im.Tag == "latest":
		return []Finding{{Rule: RuleImageTag, Field: "spec.image.tag", Message: "tag latest moves with every release, so pods " +
			"restarted at different times run different versions under a server.toml generated for spec.version; use a release tag such as " +
			v1alpha1.DefaultVersion + " and set spec.image.digest"}}
	case c.Spec.Environment == v1alpha1.Prod && !releaseTag.MatchString(im.Tag):
		return []Finding{{Rule: RuleImageTag, Field: "spec.image.digest", Message: fmt.Sprintf("tag %q is not a release tag (vX.Y.Z) "+
			"and may be moved; in prod set spec.image.digest or use a release tag", im.Tag)}}
	}
	return nil
}

// networkPolicy: without policies every pod in the cluster reaches Raft, the admin API and /mcp (docs/robustmq.md §11.9).
func networkPolicy(c *topology.Cluster) []Finding {
	if *c.Spec.NetworkPolicy.Enabled {
		return nil
	}
	return []Finding{{Rule: RuleNetworkPolicy, Field: "spec.networkPolicy.enabled", Message: fmt.Sprintf(
		"NetworkPolicies are off: any pod can reach the Raft port %d and the http port %d, which serves the admin API "+
			"and /mcp without authentication", c.Ports.GRPC.Port, c.Ports.Admin.Port)}}
}
