// Package lifecycle builds the day-2 objects of a cluster: HorizontalPodAutoscalers of broker-only pools, the Job
// that applies runtime config through the admin API, the Velero backup Schedule and the certificate expiry
// alerts. Each is a pure function of the resolved topology, like the other builders.
package lifecycle

import (
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Files, relative to the cluster's output folder. The Schedule has a folder of its own: it lives in Velero's
// namespace, so a namespace transformer run over the cluster's folder must leave it out. ScaledObjects sit in
// keda/, since their CRD may be missing.
const (
	RuntimeConfigMapFile = "runtime-config/configmap.yaml"
	RuntimeConfigJobFile = "runtime-config/job.yaml"
	BackupScheduleFile   = "backup/schedule.yaml"
	CertificateRuleFile  = "monitoring/prometheusrule-certificates.yaml"
)

// Build returns the day-2 objects the spec asks for, in a fixed order.
func Build(c *topology.Cluster) ([]output.Object, error) {
	var out []output.Object
	for _, p := range c.Pools {
		switch a := p.Autoscaling; {
		case a == nil:
		case a.KEDA != nil:
			out = append(out, output.Object{File: "keda/pool-" + p.Name + "-scaledobject.yaml", Object: KEDAScaledObject(c, p)})
		default:
			out = append(out, output.Object{File: "pool-" + p.Name + "-hpa.yaml", Object: HPA(c, p)})
		}
	}
	if c.Spec.RuntimeConfig != nil {
		objs, err := runtimeConfig(c)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	if c.Spec.Backup != nil {
		out = append(out, output.Object{File: BackupScheduleFile, Object: BackupSchedule(c)})
	}
	if r := monitoring.CertificateRule(c); r != nil {
		out = append(out, output.Object{File: CertificateRuleFile, Object: r})
	}
	return out, nil
}
