package networking

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// ClusterDomain is the DNS suffix written into certificates. Other cluster domains go in extraDNSNames.
const ClusterDomain = "cluster.local"

// Certificate is the part of cert-manager.io/v1 Certificate this function writes. A small struct of our own
// keeps the cert-manager module and its dependency tree out of the function.
type Certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              CertificateSpec `json:"spec"`
}

type CertificateSpec struct {
	SecretName     string                     `json:"secretName"`
	SecretTemplate *CertificateSecretTemplate `json:"secretTemplate,omitempty"`
	DNSNames       []string                   `json:"dnsNames"`
	Duration       *metav1.Duration           `json:"duration,omitempty"`
	RenewBefore    *metav1.Duration           `json:"renewBefore,omitempty"`
	IssuerRef      IssuerRef                  `json:"issuerRef"`
	PrivateKey     *CertificatePrivateKey     `json:"privateKey,omitempty"`
	Usages         []string                   `json:"usages,omitempty"`
}

type CertificateSecretTemplate struct {
	Labels map[string]string `json:"labels,omitempty"`
}

type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Group string `json:"group,omitempty"`
}

type CertificatePrivateKey struct {
	RotationPolicy string `json:"rotationPolicy,omitempty"`
	Encoding       string `json:"encoding,omitempty"`
}

// TLSCertificate asks cert-manager for the listener certificate when spec.tls.certManager is set; nil otherwise.
// The Secret is the one the StatefulSets mount. RobustMQ reads the pair once per listener start and never
// reloads it (docs/robustmq.md §11.6), so a renewed certificate takes effect only after a pod restart (docs/security.md).
func TLSCertificate(c *topology.Cluster) *Certificate {
	cm := c.Spec.TLS.CertManager
	if cm == nil {
		return nil
	}
	n := c.Names
	return &Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
		ObjectMeta: n.Meta(n.TLSSecret(), n.Labels()),
		Spec: CertificateSpec{
			SecretName:     n.TLSSecret(),
			SecretTemplate: &CertificateSecretTemplate{Labels: n.Labels()},
			DNSNames:       DNSNames(c),
			Duration:       cm.Duration,
			RenewBefore:    cm.RenewBefore,
			IssuerRef:      IssuerRef{Name: cm.IssuerRef.Name, Kind: cm.IssuerRef.Kind, Group: cm.IssuerRef.Group},
			// A new key on every renewal, so a leaked key dies with its certificate. rustls reads PKCS#1, PKCS#8 and
			// SEC1 keys alike; PKCS#8 is the form other tools accept most widely.
			PrivateKey: &CertificatePrivateKey{RotationPolicy: "Always", Encoding: "PKCS8"},
			Usages:     []string{"server auth", "digital signature", "key encipherment"},
		},
	}
}

// DNSNames are the names clients may dial: every broker pod by its headless name (the only pods with TLS
// listeners), the client Service, then extraDNSNames. The fully qualified forms need the namespace, so they are
// written only when the cluster has one.
func DNSNames(c *topology.Cluster) []string {
	n := c.Names
	var names []string
	qualified := func(host string) []string {
		if n.Namespace == "" {
			return nil
		}
		return []string{host + "." + n.Namespace + ".svc", host + "." + n.Namespace + ".svc." + ClusterDomain}
	}
	for _, p := range c.PoolsWith(v1alpha1.RoleBroker) {
		for _, pod := range p.Pods {
			names = append(append(names, pod.Host), qualified(pod.Host)...)
		}
	}
	svc := n.ClientService()
	names = append(names, svc)
	if n.Namespace != "" {
		names = append(names, fmt.Sprintf("%s.%s", svc, n.Namespace))
	}
	names = append(names, qualified(svc)...)
	names = append(names, c.Spec.TLS.CertManager.ExtraDNSNames...)
	return unique(names)
}

func unique(list []string) []string {
	seen := map[string]bool{}
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
