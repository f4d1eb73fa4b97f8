// Package networking builds what decides who may talk to a cluster: the NetworkPolicies, the "who can reach
// what" table rendered into the package for reviewers, and the cert-manager Certificate of the TLS listeners.
package networking

import (
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Files, relative to the cluster's output folder. The Certificate gets a folder of its own because its CRD may be
// missing from the target cluster, and a reader can then skip or drop the folder as a whole.
const (
	TableFile       = "NETWORK.md.yaml"
	CertificateFile = "certificates/certificate.yaml"
)

// Build returns the cluster's network objects: with spec.networkPolicy.enabled, the NetworkPolicies and the
// table; with spec.tls.certManager, the Certificate (the pods mount its Secret, so it is built whether or not
// policies are).
func Build(c *topology.Cluster) ([]output.Object, error) {
	var out []output.Object
	if *c.Spec.NetworkPolicy.Enabled {
		policies := NetworkPolicies(c)
		for _, np := range policies {
			out = append(out, output.Object{File: "networkpolicy-" + np.kind + ".yaml", Object: np.NetworkPolicy})
		}
		// The runtime-config Job's policies sit with its other objects; the table lists the one on the
		// cluster's pods (the table describes the cluster's pods).
		rc := RuntimeConfigPolicies(c)
		for _, np := range rc {
			out = append(out, output.Object{File: RuntimeConfigDir + "networkpolicy-" + np.kind + ".yaml", Object: np.NetworkPolicy})
		}
		if len(rc) > 0 {
			policies = append(policies, rc[1]) // the one on the target pool
		}
		out = append(out, output.Object{File: TableFile, Object: TableConfigMap(c, objects(policies))})
	}
	if cert := TLSCertificate(c); cert != nil {
		out = append(out, output.Object{File: CertificateFile, Object: cert})
	}
	return out, nil
}
