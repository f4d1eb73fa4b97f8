package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
)

// The day-2 settings: autoscaling of broker-only pools, runtime config applied through the admin API, backups
// and certificate rotation. They live in this file (types, defaults) and lifecycle_validate.go so that the core
// types stay readable.

// Autoscaling lets a HorizontalPodAutoscaler own the replica count of a broker-only pool. Pools with the meta or
// engine role keep state an HPA cannot move and are refused.
type Autoscaling struct {
	// MinReplicas is the HPA's floor. Default: the environment's replicas (1 in dev, 3 otherwise), at most
	// maxReplicas.
	//
	// +kubebuilder:validation:Minimum=1
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the HPA's ceiling. The pool's broker_id range is reserved up to it, and the pool's
	// replicas field must stay unset: the HPA owns the count.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MaxReplicas int32 `json:"maxReplicas"`
	// TargetCPUUtilization is the average CPU use, in percent of the request, the HPA keeps. Default: 70 when
	// no target is set.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetCPUUtilization *int32 `json:"targetCPUUtilization,omitempty"`
	// TargetMemoryUtilization is the average memory use, in percent of the request, the HPA keeps.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetMemoryUtilization *int32 `json:"targetMemoryUtilization,omitempty"`
	// ScaleDownStabilizationSeconds is how long the HPA looks back before removing pods: every removed broker
	// drops its MQTT connections, so a short dip must not scale down. Default: 600.
	//
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	ScaleDownStabilizationSeconds *int32 `json:"scaleDownStabilizationSeconds,omitempty"`
	// KEDA scales on MQTT connections per pod, read from Prometheus, with a KEDA ScaledObject instead of the
	// HorizontalPodAutoscaler (KEDA then creates and owns the HPA). The CPU and memory targets become KEDA
	// triggers too. Needs monitoring on, so that Prometheus scrapes the pods.
	KEDA *KEDA `json:"keda,omitempty"`
}

// KEDA is the KEDA ScaledObject of an autoscaled pool.
type KEDA struct {
	// PrometheusAddress is the Prometheus KEDA queries, e.g. http://prometheus-operated.monitoring.svc:9090.
	PrometheusAddress string `json:"prometheusAddress"`
	// ConnectionsPerPod is the target of mqtt_connections_count averaged over the pool's pods (RobustMQ
	// refreshes that gauge every 30 s).
	//
	// +kubebuilder:validation:Minimum=1
	ConnectionsPerPod int64 `json:"connectionsPerPod"`
}

// RuntimeConfig holds the config sections RobustMQ's admin API changes live (POST /api/cluster/config/set). A Job
// named by their content applies them once per change; no pod restarts. Each section lists every key of the
// section: RobustMQ replaces the whole section with what it receives. Keys are the server.toml keys inside the
// section, e.g. mqttProtocol.max_packet_size.
type RuntimeConfig struct {
	// MQTTProtocol is [mqtt_runtime.protocol] (config type MqttProtocol).
	MQTTProtocol map[string]ConfigValue `json:"mqttProtocol,omitempty"`
	// MQTTSlowSubscribe is [mqtt_runtime.slow_subscribe] (MqttSlowSubscribeConfig).
	MQTTSlowSubscribe map[string]ConfigValue `json:"mqttSlowSubscribe,omitempty"`
	// MQTTFlappingDetect is [mqtt_runtime.flapping_detect] (MqttFlappingDetect).
	MQTTFlappingDetect map[string]ConfigValue `json:"mqttFlappingDetect,omitempty"`
	// MQTTOfflineMessage is [mqtt_runtime.offline_message] (MqttOfflineMessage).
	MQTTOfflineMessage map[string]ConfigValue `json:"mqttOfflineMessage,omitempty"`
	// MQTTSchema is [mqtt_runtime.schema] (MqttSchema).
	MQTTSchema map[string]ConfigValue `json:"mqttSchema,omitempty"`
	// MQTTSystemMonitor is [mqtt_runtime.system_monitor] (MqttSystemMonitor).
	MQTTSystemMonitor map[string]ConfigValue `json:"mqttSystemMonitor,omitempty"`
	// KafkaDynamic is kafka_runtime.auto_create_topics_enable (KafkaDynamic).
	KafkaDynamic map[string]ConfigValue `json:"kafkaDynamic,omitempty"`

	// Image runs the Job: this function's own image, whose `runtime-config` command is the client. Default:
	// the image of this release of the function.
	Image string `json:"image,omitempty"`
	// TTLSecondsAfterFinished deletes the finished Job. Default: 86400.
	//
	// +kubebuilder:validation:Minimum=0
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
	// Timeout is how long the Job keeps retrying until the cluster answers. Default: 15m.
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// BackupMethod is how Velero copies the data volumes.
//
// +kubebuilder:validation:Enum=snapshot;fileSystem
type BackupMethod string

const (
	// BackupSnapshot takes CSI volume snapshots (the storage class needs a VolumeSnapshotClass).
	BackupSnapshot BackupMethod = "snapshot"
	// BackupFileSystem copies the files with Velero's node agent (kopia), for storage without snapshots.
	BackupFileSystem BackupMethod = "fileSystem"
)

// Backup renders a Velero Schedule for the cluster's objects and data volumes (docs/backup.md).
type Backup struct {
	// Schedule is a cron expression, e.g. "0 3 * * *".
	Schedule string `json:"schedule"`
	// TTL is how long Velero keeps each backup. Default: 720h (30 days).
	TTL *metav1.Duration `json:"ttl,omitempty"`
	// Method copies the volumes by CSI snapshot or by file-system backup. Default: snapshot.
	Method BackupMethod `json:"method,omitempty"`
	// VeleroNamespace is where Velero runs and reads its Schedules. Default: velero.
	VeleroNamespace string `json:"veleroNamespace,omitempty"`
	// StorageLocation is the BackupStorageLocation; empty uses Velero's default.
	StorageLocation string `json:"storageLocation,omitempty"`
	// Paused creates the Schedule without running it.
	Paused bool `json:"paused,omitempty"`
}

// DefaultRuntimeConfigImage is this release of the function: its binary is the runtime-config client.
var DefaultRuntimeConfigImage = "ghcr.io/robustmq/kpt-fn/robustmq-cluster:" + robustmqkpt.Version

// Lifecycle defaults.
const (
	DefaultTargetCPUUtilization          int32 = 70
	DefaultScaleDownStabilizationSeconds int32 = 600
	DefaultRuntimeConfigTTLSeconds       int32 = 86400
	DefaultRuntimeConfigTimeout                = "15m"
	DefaultBackupTTL                           = "720h"
	DefaultBackupMethod                        = BackupSnapshot
	DefaultVeleroNamespace                     = "velero"
)

// defaults of an autoscaled pool. The pool's replicas become maxReplicas: the broker_id range, the pods the
// certificate names and the NetworkPolicies cover every pod the HPA may create.
func (a *Autoscaling) defaults(p *Pool, prof Profile) {
	defaultPtr(&a.MinReplicas, min(prof.Replicas, max(a.MaxReplicas, 1)))
	if a.TargetCPUUtilization == nil && a.TargetMemoryUtilization == nil {
		a.TargetCPUUtilization = ptr.To(DefaultTargetCPUUtilization)
	}
	defaultPtr(&a.ScaleDownStabilizationSeconds, DefaultScaleDownStabilizationSeconds)
	if p.Replicas == nil {
		p.Replicas = ptr.To(a.MaxReplicas)
	}
}

func (r *RuntimeConfig) defaults() {
	defaultString(&r.Image, DefaultRuntimeConfigImage)
	defaultPtr(&r.TTLSecondsAfterFinished, DefaultRuntimeConfigTTLSeconds)
	if r.Timeout == nil {
		d, _ := parseDuration(DefaultRuntimeConfigTimeout)
		r.Timeout = d
	}
}

func (b *Backup) defaults() {
	if b.TTL == nil {
		b.TTL, _ = parseDuration(DefaultBackupTTL)
	}
	if b.Method == "" {
		b.Method = DefaultBackupMethod
	}
	defaultString(&b.VeleroNamespace, DefaultVeleroNamespace)
}

// lifecycleDefaults is called from Default.
func (s *Spec) lifecycleDefaults() {
	if s.RuntimeConfig != nil {
		s.RuntimeConfig.defaults()
	}
	if s.Backup != nil {
		s.Backup.defaults()
	}
	defaultPtr(&s.TLS.RollOnRenewal, false)
	if cm := s.TLS.CertManager; cm != nil {
		defaultPtr(&cm.ExpiryAlerts, false)
	}
}

// RuntimeSection is one section of spec.runtimeConfig with its values.
type RuntimeSection struct {
	// Field is the section's field under spec.runtimeConfig.
	Field  string
	Values map[string]ConfigValue
}

// Sections are the set sections, in the fixed order of configkeys.RuntimeSections.
func (r *RuntimeConfig) Sections() []RuntimeSection {
	all := []RuntimeSection{
		{"mqttProtocol", r.MQTTProtocol},
		{"mqttSlowSubscribe", r.MQTTSlowSubscribe},
		{"mqttFlappingDetect", r.MQTTFlappingDetect},
		{"mqttOfflineMessage", r.MQTTOfflineMessage},
		{"mqttSchema", r.MQTTSchema},
		{"mqttSystemMonitor", r.MQTTSystemMonitor},
		{"kafkaDynamic", r.KafkaDynamic},
	}
	var out []RuntimeSection
	for _, s := range all {
		if s.Values != nil {
			out = append(out, s)
		}
	}
	return out
}

func parseDuration(s string) (*metav1.Duration, error) {
	d := &metav1.Duration{}
	return d, d.UnmarshalJSON([]byte(`"` + s + `"`))
}
