package manifests

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

const (
	volumeConfig = "config"
	volumeLogs   = "logs"
	volumeTLS    = "tls"

	// RobustMQ force-exits 20 s after SIGTERM (docs/robustmq.md §4); 60 s leaves room for the drain.
	terminationGracePeriod = 60
)

// StatefulSet runs one pool. Pod <sts>-<ordinal> runs broker_id <ordinal>: ordinals start at the pool's
// brokerIdStart and the StatefulSet controller's pod-index label feeds RobustMQ's broker_id env override, so ids
// are unique across pools by construction, with no wrapper script in the image.
func StatefulSet(c *topology.Cluster, p *topology.Pool, configHash string) *appsv1.StatefulSet {
	n := c.Names
	labels := p.Labels()
	// Meta pools start one pod at a time: pods started together could each find no reachable peer and bootstrap
	// separate Raft clusters (docs/robustmq.md §7). Pools without meta have no bootstrap step and may start in parallel.
	policy := appsv1.ParallelPodManagement
	if p.Has(v1alpha1.RoleMeta) {
		policy = appsv1.OrderedReadyPodManagement
	}
	sts := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: n.Meta(p.StatefulSet, labels),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            p.Replicas,
			Ordinals:            &appsv1.StatefulSetOrdinals{Start: *p.BrokerIDStart},
			Selector:            &metav1.LabelSelector{MatchLabels: p.Selector()},
			ServiceName:         p.HeadlessService,
			PodManagementPolicy: policy,
			UpdateStrategy:      updateStrategy(p),
			MinReadySeconds:     *p.Rollout.MinReadySeconds,
			// Raft and engine data outlive a scale-down: removing a node from Raft is an explicit admin call.
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels,
					Annotations: map[string]string{naming.AnnotationConfigHash: configHash},
				},
				Spec: podSpec(c, p),
			},
		},
	}
	if p.Stateful {
		sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{dataClaim(p)}
	}
	// An autoscaled pool leaves replicas to its HPA: a value here would reset the count at every apply.
	if p.Autoscaling != nil {
		sts.Spec.Replicas = nil
		sts.Annotations[naming.AnnotationReplicasOwner] = naming.ReplicasOwnerHPA
	}
	// Velero's file-system backup copies only the volumes a pod names: the data PVC, never the emptyDir logs.
	if b := c.Spec.Backup; b != nil && b.Method == v1alpha1.BackupFileSystem && p.Stateful {
		sts.Spec.Template.Annotations[naming.AnnotationVeleroBackupVolumes] = naming.DataVolume
	}
	// RobustMQ reads its certificate only at start-up (docs/robustmq.md §11.6): Reloader rolls the pods that mount it.
	if *c.Spec.TLS.RollOnRenewal && c.TLSSecret != "" && p.Has(v1alpha1.RoleBroker) {
		sts.Annotations[naming.AnnotationReloaderSecret] = c.TLSSecret
	}
	return sts
}

// updateStrategy rolls one pod at a time from the highest ordinal, held at the canary partition if one is set.
func updateStrategy(p *topology.Pool) appsv1.StatefulSetUpdateStrategy {
	s := appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}
	if part, mu := p.KubernetesPartition(), p.Rollout.MaxUnavailable; part != nil || mu != nil {
		s.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: part, MaxUnavailable: mu}
	}
	return s
}

// dataClaim carries only selector labels: volumeClaimTemplates are immutable, so a version label here would make
// every upgrade an invalid StatefulSet update.
func dataClaim(p *topology.Pool) corev1.PersistentVolumeClaim {
	return corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: naming.DataVolume, Labels: p.Selector()},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: p.Storage.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: *p.Storage.Size},
			},
		},
	}
}

func podSpec(c *topology.Cluster, p *topology.Pool) corev1.PodSpec {
	n := c.Names
	s := &c.Spec
	spec := corev1.PodSpec{
		ServiceAccountName:            n.ServiceAccount(),
		TerminationGracePeriodSeconds: ptr.To(int64(terminationGracePeriod)),
		ImagePullSecrets:              s.Image.PullSecrets,
		NodeSelector:                  p.Scheduling.NodeSelector,
		Tolerations:                   p.Scheduling.Tolerations,
		PriorityClassName:             p.Scheduling.PriorityClassName,
		TopologySpreadConstraints:     spreadConstraints(p),
		Containers:                    []corev1.Container{container(c, p)},
		Volumes:                       volumes(c, p),
	}
	harden(&spec, &s.Security)
	return spec
}

func container(c *topology.Cluster, p *topology.Pool) corev1.Container {
	s := &c.Spec
	mounts := []corev1.VolumeMount{
		{Name: volumeConfig, MountPath: servertoml.ConfigDir, ReadOnly: true},
		{Name: naming.DataVolume, MountPath: servertoml.DataDir},
		{Name: volumeLogs, MountPath: servertoml.LogDir},
	}
	if c.TLSSecret != "" && p.Has(v1alpha1.RoleBroker) {
		mounts = append(mounts, corev1.VolumeMount{Name: volumeTLS, MountPath: servertoml.TLSDir, ReadOnly: true})
	}
	readiness, liveness, startup := probes(c, p)
	return corev1.Container{
		Name:            naming.ContainerName,
		Image:           ImageRef(&s.Image),
		ImagePullPolicy: s.Image.PullPolicy,
		// The image's entrypoint is the relative ./libs/broker-server, so the working directory stays /robustmq.
		Args:           []string{"--conf=" + servertoml.ConfigDir + "/" + servertoml.ServerFile},
		Env:            env(c),
		Ports:          containerPorts(p),
		Resources:      p.Resources,
		StartupProbe:   startup,
		ReadinessProbe: readiness,
		LivenessProbe:  liveness,
		VolumeMounts:   mounts,
	}
}

// ImageRef is <registry>/<repository>:<tag>[@<digest>].
func ImageRef(im *v1alpha1.Image) string {
	ref := fmt.Sprintf("%s/%s:%s", im.Registry, im.Repository, im.Tag)
	if im.Digest != "" {
		ref += "@" + im.Digest
	}
	return ref
}

func env(c *topology.Cluster) []corev1.EnvVar {
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}
	}
	vars := []corev1.EnvVar{
		// broker_ip is left out of server.toml so RobustMQ advertises the pod IP (docs/robustmq.md §3).
		{Name: "ROBUSTMQ_BROKER_IP", ValueFrom: field("status.podIP")},
		{Name: configkeys.EnvOverride("broker_id"), ValueFrom: field("metadata.labels['" + naming.PodIndexLabel + "']")},
	}
	return append(vars, secretEnv(c.Credentials)...)
}

// secretEnv reads each credential from its Secret into a plain variable, then hands it to RobustMQ's env
// override, which replaces the value after '=' verbatim and so needs a TOML string literal (docs/robustmq.md §3).
// The literal form '...' takes any value without a single quote or a line break.
func secretEnv(creds []topology.Credential) []corev1.EnvVar {
	var vars []corev1.EnvVar
	for _, r := range creds {
		raw := "SECRET_" + configkeys.EnvOverride(r.Key)
		vars = append(vars,
			corev1.EnvVar{Name: raw, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.Secret}, Key: r.SecretKey}}},
			corev1.EnvVar{Name: configkeys.EnvOverride(r.Key), Value: "'$(" + raw + ")'"},
		)
	}
	return vars
}

// containerPorts lists the ports this pool's roles listen on, from the same model that writes server.toml.
func containerPorts(p *topology.Pool) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	for _, np := range p.Ports {
		ports = append(ports, corev1.ContainerPort{Name: np.Name, ContainerPort: np.Port, Protocol: np.Protocol})
	}
	return ports
}

func spreadConstraints(p *topology.Pool) []corev1.TopologySpreadConstraint {
	var out []corev1.TopologySpreadConstraint
	for _, sp := range []struct {
		key        string
		spread     v1alpha1.Spread
		minDomains *int32
	}{
		{"topology.kubernetes.io/zone", p.Scheduling.ZoneSpread, p.Scheduling.MinZones},
		{"kubernetes.io/hostname", p.Scheduling.HostSpread, nil},
	} {
		if sp.spread == v1alpha1.SpreadNone {
			continue
		}
		when := corev1.ScheduleAnyway
		if sp.spread == v1alpha1.SpreadRequired {
			when = corev1.DoNotSchedule
		}
		out = append(out, corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       sp.key,
			WhenUnsatisfiable: when,
			MinDomains:        sp.minDomains,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: p.Selector()},
		})
	}
	return out
}

func volumes(c *topology.Cluster, p *topology.Pool) []corev1.Volume {
	vols := []corev1.Volume{
		{Name: volumeConfig, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: p.ConfigMap},
			DefaultMode:          ptr.To(int32(0o444)),
		}}},
		{Name: volumeLogs, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: p.Storage.LogsSize}}},
	}
	if !p.Stateful {
		vols = append(vols, corev1.Volume{Name: naming.DataVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: p.Storage.LocalDataSize}}})
	}
	if secret := c.TLSSecret; secret != "" && p.Has(v1alpha1.RoleBroker) {
		vols = append(vols, corev1.Volume{Name: volumeTLS, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  secret,
			DefaultMode: ptr.To(int32(0o440)),
			Items: []corev1.KeyToPath{
				{Key: corev1.TLSCertKey, Path: "tls.crt"},
				{Key: corev1.TLSPrivateKeyKey, Path: "tls.key"},
			},
		}}})
	}
	return vols
}
