package manifests

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// ServiceAccount gives the pods an identity of their own; they never call the Kubernetes API, so no token.
func ServiceAccount(c *topology.Cluster) *corev1.ServiceAccount {
	n := c.Names
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   n.Meta(n.ServiceAccount(), n.Labels()),
		AutomountServiceAccountToken: ptr.To(false),
	}
}

// ConfigMap holds the pool's server.toml and logger.toml. Secrets never go here: see topology.Credential.
func ConfigMap(c *topology.Cluster, p *topology.Pool) (*corev1.ConfigMap, error) {
	n := c.Names
	server, err := servertoml.Server(c, p)
	if err != nil {
		return nil, err
	}
	logger, err := servertoml.Logger(&c.Spec)
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: n.Meta(p.ConfigMap, p.Labels()),
		Data: map[string]string{
			servertoml.ServerFile: string(server),
			servertoml.LoggerFile: string(logger),
		},
	}, nil
}
