package manifests

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
)

// ServiceAccount gives the pods an identity of their own; they never call the Kubernetes API, so no token.
func ServiceAccount(c *v1alpha1.RobustMQCluster) *corev1.ServiceAccount {
	n := naming.For(c)
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   n.Meta(n.ServiceAccount(), n.Labels()),
		AutomountServiceAccountToken: ptr.To(false),
	}
}

// ConfigMap holds the pool's server.toml and logger.toml. Secrets never go here: see servertoml.SecretKeys.
func ConfigMap(c *v1alpha1.RobustMQCluster, p *v1alpha1.Pool) (*corev1.ConfigMap, error) {
	n := naming.For(c)
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
		ObjectMeta: n.Meta(n.ConfigMap(p.Name), n.PoolLabels(p)),
		Data: map[string]string{
			servertoml.ServerFile: string(server),
			servertoml.LoggerFile: string(logger),
		},
	}, nil
}
