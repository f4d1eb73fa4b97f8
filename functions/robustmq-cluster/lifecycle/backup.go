package lifecycle

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Schedule is the part of velero.io/v1 Schedule this function writes. A small struct of our own keeps the Velero
// module (and its dependency tree) out of the function; test/apply checks it against Velero's own CRD.
type Schedule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ScheduleSpec `json:"spec"`
}

type ScheduleSpec struct {
	Template BackupSpec `json:"template"`
	Schedule string     `json:"schedule"`
	Paused   bool       `json:"paused,omitempty"`
}

type BackupSpec struct {
	IncludedNamespaces       []string              `json:"includedNamespaces"`
	LabelSelector            *metav1.LabelSelector `json:"labelSelector"`
	IncludeClusterResources  *bool                 `json:"includeClusterResources,omitempty"`
	SnapshotVolumes          *bool                 `json:"snapshotVolumes"`
	DefaultVolumesToFsBackup *bool                 `json:"defaultVolumesToFsBackup"`
	StorageLocation          string                `json:"storageLocation,omitempty"`
	TTL                      metav1.Duration       `json:"ttl"`
}

// BackupSchedule backs up the cluster's namespaced objects (by the cluster's labels: StatefulSets, Services,
// ConfigMaps, PVCs, the cert-manager TLS Secret) and the data volumes of its meta and engine pools, by CSI
// snapshot or by Velero's file-system backup. No pre-backup hook: RobustMQ has no API that flushes or freezes
// its RocksDB (docs/robustmq.md §11.9), and fsfreeze needs a privileged container; what the copy holds is
// explained in docs/backup.md. User-made Secrets (credentials) carry no cluster label and are not included.
func BackupSchedule(c *topology.Cluster) *Schedule {
	b := c.Spec.Backup
	n := c.Names
	meta := n.Meta(n.BackupSchedule(), n.Labels())
	meta.Namespace = b.VeleroNamespace
	snapshot := b.Method == v1alpha1.BackupSnapshot
	return &Schedule{
		TypeMeta:   metav1.TypeMeta{APIVersion: "velero.io/v1", Kind: "Schedule"},
		ObjectMeta: meta,
		Spec: ScheduleSpec{
			Schedule: b.Schedule,
			Paused:   b.Paused,
			Template: BackupSpec{
				IncludedNamespaces: []string{c.Namespace},
				LabelSelector:      &metav1.LabelSelector{MatchLabels: n.Selector()},
				// IncludeClusterResources stays unset: Velero then adds the cluster-scoped objects the included ones
				// need (the PersistentVolumes of the PVCs, the snapshot contents) and nothing else.
				SnapshotVolumes: ptr.To(snapshot),
				// File-system backup is opted in per volume by the pod annotation the StatefulSets carry (the data
				// volume only), so the emptyDir log volumes are never copied.
				DefaultVolumesToFsBackup: ptr.To(false),
				StorageLocation:          b.StorageLocation,
				TTL:                      *b.TTL,
			},
		},
	}
}
