// Package manifests builds the Kubernetes objects of a RobustMQ cluster: ServiceAccount, ConfigMaps,
// StatefulSets, Services and PodDisruptionBudgets. Each builder is a pure function from the resolved topology
// to a typed object.
package manifests

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Build returns every core object of a cluster, in a fixed order.
func Build(c *topology.Cluster) ([]output.Object, error) {
	out := []output.Object{{File: "serviceaccount.yaml", Object: ServiceAccount(c)}}
	for _, p := range c.Pools {
		cm, err := ConfigMap(c, p)
		if err != nil {
			return nil, fmt.Errorf("build config of pool %s: %w", p.Name, err)
		}
		prefix := "pool-" + p.Name + "-"
		out = append(out,
			output.Object{File: prefix + "configmap.yaml", Object: cm},
			output.Object{File: prefix + "statefulset.yaml", Object: StatefulSet(c, p, configHash(cm.Data))},
			output.Object{File: prefix + "service-headless.yaml", Object: HeadlessService(c, p)},
		)
		if pdb := PodDisruptionBudget(c, p); pdb != nil {
			out = append(out, output.Object{File: prefix + "pdb.yaml", Object: pdb})
		}
	}
	out = append(out, output.Object{File: "service.yaml", Object: ClientService(c)})
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
