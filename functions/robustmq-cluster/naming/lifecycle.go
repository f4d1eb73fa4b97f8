package naming

// Names and annotations of the day-2 objects: autoscalers, the runtime-config Job, backups.
const (
	// AnnotationReplicasOwner on a StatefulSet names who owns spec.replicas. "hpa" means the generated
	// HorizontalPodAutoscaler does: the StatefulSet carries no replicas, so an apply never resets the count, and a
	// change comparison must not treat a replica difference on the live object as drift.
	AnnotationReplicasOwner = "robustmq.io/replicas-owner"
	ReplicasOwnerHPA        = "hpa"

	// AnnotationReloaderSecret is the Stakater Reloader convention: Reloader rolls the workload when one of the
	// listed Secrets changes (github.com/stakater/Reloader).
	AnnotationReloaderSecret = "secret.reloader.stakater.com/reload"

	// AnnotationVeleroBackupVolumes on a pod template names the volumes Velero's file-system backup copies.
	AnnotationVeleroBackupVolumes = "backup.velero.io/backup-volumes"

	// AnnotationRuntimeConfigHash on the runtime-config Job is the hash of the sections it applies and of its spec.
	AnnotationRuntimeConfigHash = "robustmq.io/runtime-config-hash"

	// ComponentRuntimeConfig is the component label of the runtime-config Job's pods. Their name label differs
	// from the cluster's so that none of the cluster's policies (peers may reach gRPC) applies to them.
	ComponentRuntimeConfig = "runtime-config"
	AppNameRuntimeConfig   = "robustmq-runtime-config"
)

// HPA is the HorizontalPodAutoscaler of a pool; it shares the StatefulSet's name.
func (c Cluster) HPA(pool string) string { return c.StatefulSet(pool) }

// RuntimeConfigMap holds the runtime config sections the Job applies.
func (c Cluster) RuntimeConfigMap() string { return c.Name + "-runtime-config" }

// RuntimeConfigJob is named by the hash of its sections and spec, so each change runs once: a Job's pod template
// is immutable, and a new name is a new Job.
func (c Cluster) RuntimeConfigJob(hash string) string { return c.Name + "-runtime-config-" + hash }

// RuntimeConfigLabels are on the Job's pods; RuntimeConfigSelector selects them.
func (c Cluster) RuntimeConfigLabels() map[string]string {
	l := c.Labels()
	l[LabelName] = AppNameRuntimeConfig
	l[LabelComponent] = ComponentRuntimeConfig
	return l
}

func (c Cluster) RuntimeConfigSelector() map[string]string {
	return map[string]string{LabelName: AppNameRuntimeConfig, LabelInstance: c.Name}
}

// BackupSchedule is the Velero Schedule of the cluster.
func (c Cluster) BackupSchedule() string {
	if c.Namespace == "" {
		return c.Name
	}
	return c.Namespace + "-" + c.Name
}

// CertificateRule is the PrometheusRule with the certificate expiry alerts.
func (c Cluster) CertificateRule() string { return c.Name + "-certificates" }
