// Package manifests builds the Kubernetes objects of a RobustMQ cluster: ServiceAccount, ConfigMaps,
// StatefulSets, Services and PodDisruptionBudgets. Each builder is a pure function from the defaulted cluster
// to a typed object.
package manifests

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
)

// Object is a generated object and the file it goes to, relative to the cluster's output folder.
type Object struct {
	File   string
	Object runtime.Object
}

// Build returns every core object of a defaulted, valid cluster, in a fixed order.
func Build(c *v1alpha1.RobustMQCluster) ([]Object, error) {
	out := []Object{{"serviceaccount.yaml", ServiceAccount(c)}}
	for i := range c.Spec.Pools {
		p := &c.Spec.Pools[i]
		cm, err := ConfigMap(c, p)
		if err != nil {
			return nil, fmt.Errorf("build config of pool %s: %w", p.Name, err)
		}
		prefix := "pool-" + p.Name + "-"
		out = append(out,
			Object{prefix + "configmap.yaml", cm},
			Object{prefix + "statefulset.yaml", StatefulSet(c, p, configHash(cm.Data))},
			Object{prefix + "service-headless.yaml", HeadlessService(c, p)},
		)
		if pdb := PodDisruptionBudget(c, p); pdb != nil {
			out = append(out, Object{prefix + "pdb.yaml", pdb})
		}
	}
	out = append(out, Object{"service.yaml", ClientService(c)})
	return out, nil
}

// configHash covers the rendered files, never Secret content, so a config change rolls the pods.
func configHash(data map[string]string) string {
	h := sha256.New()
	for _, k := range []string{servertoml.ServerFile, servertoml.LoggerFile} {
		fmt.Fprintf(h, "%s\x00%s\x00", k, data[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
