package manifests

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
)

const (
	// ContainerName and DataVolume are read by monitoring too: restart and PVC alerts select by them (a data PVC
	// is named <DataVolume>-<statefulset>-<ordinal>).
	ContainerName = "robustmq"
	DataVolume    = "data"
	volumeConfig  = "config"
	volumeLogs    = "logs"
	volumeTLS     = "tls"

	// RobustMQ force-exits 20 s after SIGTERM (facts §4); 60 s leaves room for the drain.
	terminationGracePeriod = 60
)

// StatefulSet runs one pool. Pod <sts>-<ordinal> runs broker_id <ordinal>: ordinals start at the pool's
// brokerIdStart and the StatefulSet controller's pod-index label feeds RobustMQ's broker_id env override, so ids
// are unique across pools by construction, with no wrapper script in the image.
func StatefulSet(c *v1alpha1.RobustMQCluster, p *v1alpha1.Pool, configHash string) *appsv1.StatefulSet {
	n := naming.For(c)
	labels := n.PoolLabels(p)
	// Meta pools start one pod at a time: pods started together could each find no reachable peer and bootstrap
	// separate Raft clusters (facts §7). Pools without meta have no bootstrap step and may start in parallel.
	policy := appsv1.ParallelPodManagement
	if p.Has(v1alpha1.RoleMeta) {
		policy = appsv1.OrderedReadyPodManagement
	}
	sts := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: n.Meta(n.StatefulSet(p.Name), labels),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            p.Replicas,
			Ordinals:            &appsv1.StatefulSetOrdinals{Start: *p.BrokerIDStart},
			Selector:            &metav1.LabelSelector{MatchLabels: n.PoolSelector(p.Name)},
			ServiceName:         n.HeadlessService(p.Name),
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
	if stateful(p) {
		sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{dataClaim(n, p)}
	}
	return sts
}

// updateStrategy rolls one pod at a time from the highest ordinal, held at the canary partition if one is set.
func updateStrategy(p *v1alpha1.Pool) appsv1.StatefulSetUpdateStrategy {
	s := appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}
	if part, mu := p.KubernetesPartition(), p.Rollout.MaxUnavailable; part != nil || mu != nil {
		s.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: part, MaxUnavailable: mu}
	}
	return s
}

// stateful pools keep Raft state (meta) or segments (engine) and need a PVC; a broker-only pool keeps only local
// diagnostics (facts §6).
func stateful(p *v1alpha1.Pool) bool {
	return p.Has(v1alpha1.RoleMeta) || p.Has(v1alpha1.RoleEngine)
}

// dataClaim carries only selector labels: volumeClaimTemplates are immutable, so a version label here would make
// every upgrade an invalid StatefulSet update.
func dataClaim(n naming.Cluster, p *v1alpha1.Pool) corev1.PersistentVolumeClaim {
	return corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: DataVolume, Labels: n.PoolSelector(p.Name)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: p.Storage.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: *p.Storage.Size},
			},
		},
	}
}

func podSpec(c *v1alpha1.RobustMQCluster, p *v1alpha1.Pool) corev1.PodSpec {
	n := naming.For(c)
	s := &c.Spec
	spec := corev1.PodSpec{
		ServiceAccountName:            n.ServiceAccount(),
		TerminationGracePeriodSeconds: ptr.To(int64(terminationGracePeriod)),
		ImagePullSecrets:              s.Image.PullSecrets,
		NodeSelector:                  p.Scheduling.NodeSelector,
		Tolerations:                   p.Scheduling.Tolerations,
		PriorityClassName:             p.Scheduling.PriorityClassName,
		TopologySpreadConstraints:     spreadConstraints(n, p),
		Containers:                    []corev1.Container{container(c, p)},
		Volumes:                       volumes(c, p),
	}
	harden(&spec, &s.Security)
	return spec
}

func container(c *v1alpha1.RobustMQCluster, p *v1alpha1.Pool) corev1.Container {
	s := &c.Spec
	mounts := []corev1.VolumeMount{
		{Name: volumeConfig, MountPath: servertoml.ConfigDir, ReadOnly: true},
		{Name: DataVolume, MountPath: servertoml.DataDir},
		{Name: volumeLogs, MountPath: servertoml.LogDir},
	}
	if tlsSecret(c) != "" && p.Has(v1alpha1.RoleBroker) {
		mounts = append(mounts, corev1.VolumeMount{Name: volumeTLS, MountPath: servertoml.TLSDir, ReadOnly: true})
	}
	readiness, liveness, startup := probes(s, p)
	return corev1.Container{
		Name:            ContainerName,
		Image:           ImageRef(&s.Image),
		ImagePullPolicy: s.Image.PullPolicy,
		// The image's entrypoint is the relative ./libs/broker-server, so the working directory stays /robustmq.
		Args:           []string{"--conf=" + servertoml.ConfigDir + "/" + servertoml.ServerFile},
		Env:            env(c),
		Ports:          containerPorts(s, p),
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

func env(c *v1alpha1.RobustMQCluster) []corev1.EnvVar {
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}
	}
	vars := []corev1.EnvVar{
		// broker_ip is left out of server.toml so RobustMQ advertises the pod IP (facts §3).
		{Name: "ROBUSTMQ_BROKER_IP", ValueFrom: field("status.podIP")},
		{Name: servertoml.EnvOverride("broker_id"), ValueFrom: field("metadata.labels['" + naming.PodIndexLabel + "']")},
	}
	return append(vars, secretEnv(&c.Spec)...)
}

// secretEnv reads each credential from its Secret into a plain variable, then hands it to RobustMQ's env
// override, which replaces the value after '=' verbatim and so needs a TOML string literal (facts §3). The
// literal form '...' takes any value without a single quote or a line break.
func secretEnv(s *v1alpha1.Spec) []corev1.EnvVar {
	type ref struct{ key, secret, secretKey string }
	var refs []ref
	if a := s.Auth.Admin; a != nil {
		refs = append(refs, ref{"admin.username", a.SecretName, a.UsernameKey}, ref{"admin.password", a.SecretName, a.PasswordKey})
	}
	if j := s.Auth.JWTSecret; j != nil {
		refs = append(refs, ref{"admin.jwt_secret", j.Name, j.Key})
	}
	if m := s.Auth.MQTT; m != nil {
		refs = append(refs, ref{"mqtt_runtime.auth.default_user", m.SecretName, m.UsernameKey},
			ref{"mqtt_runtime.auth.default_password", m.SecretName, m.PasswordKey})
	}
	var vars []corev1.EnvVar
	for _, r := range refs {
		raw := "SECRET_" + servertoml.EnvOverride(r.key)
		vars = append(vars,
			corev1.EnvVar{Name: raw, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.secret}, Key: r.secretKey}}},
			corev1.EnvVar{Name: servertoml.EnvOverride(r.key), Value: "'$(" + raw + ")'"},
		)
	}
	return vars
}

// containerPorts lists the ports this pool's roles listen on, from the same model that writes server.toml.
func containerPorts(s *v1alpha1.Spec, p *v1alpha1.Pool) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	for _, np := range PoolPorts(s, p) {
		ports = append(ports, corev1.ContainerPort{Name: np.Name, ContainerPort: np.Port, Protocol: np.Protocol})
	}
	return ports
}

// PoolPorts are the ports a pool's pods listen on: the node ports every pod opens, plus those of its roles.
func PoolPorts(s *v1alpha1.Spec, p *v1alpha1.Pool) []v1alpha1.NamedPort {
	var ports []v1alpha1.NamedPort
	for _, np := range s.Ports() {
		if np.Role == "" || p.Has(np.Role) {
			ports = append(ports, np)
		}
	}
	return ports
}

// probes use TCP connects: no HTTP health endpoint is usable in v0.4.11 (/api/health/* needs a token, facts §4).
// Readiness of a meta pool must pass before Raft quorum, or a full restart deadlocks: pod 1 waits for quorum to
// open its MQTT ports, and OrderedReady never creates pod 2 (facts §7). gRPC opens before quorum, so meta pools
// probe it. Pools without meta are not part of the quorum and probe the port their clients use.
func probes(s *v1alpha1.Spec, p *v1alpha1.Pool) (readiness, liveness, startup *corev1.Probe) {
	tcp := func(port int32, period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}},
			PeriodSeconds:    period,
			TimeoutSeconds:   3,
			FailureThreshold: failures,
			SuccessThreshold: 1,
		}
	}
	readyPort := v1alpha1.GRPCPort
	switch {
	case p.Has(v1alpha1.RoleMeta):
	case p.Has(v1alpha1.RoleBroker):
		readyPort = s.Listeners.MQTT.TCP.Port
	case p.Has(v1alpha1.RoleEngine):
		readyPort = v1alpha1.EnginePort
	}
	readiness = tcp(readyPort, 5, 3)
	liveness = tcp(v1alpha1.HTTPPort, 10, 6)
	// gRPC and HTTP open first at start-up, before Raft or RocksDB recovery; allow 5 minutes for the rest.
	startup = tcp(v1alpha1.HTTPPort, 5, 60)
	return readiness, liveness, startup
}

func spreadConstraints(n naming.Cluster, p *v1alpha1.Pool) []corev1.TopologySpreadConstraint {
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
			LabelSelector:     &metav1.LabelSelector{MatchLabels: n.PoolSelector(p.Name)},
		})
	}
	return out
}

func volumes(c *v1alpha1.RobustMQCluster, p *v1alpha1.Pool) []corev1.Volume {
	n := naming.For(c)
	vols := []corev1.Volume{
		{Name: volumeConfig, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: n.ConfigMap(p.Name)},
			DefaultMode:          ptr.To(int32(0o444)),
		}}},
		{Name: volumeLogs, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: p.Storage.LogsSize}}},
	}
	if !stateful(p) {
		vols = append(vols, corev1.Volume{Name: DataVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: p.Storage.LocalDataSize}}})
	}
	if secret := tlsSecret(c); secret != "" && p.Has(v1alpha1.RoleBroker) {
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

// tlsSecret is the Secret holding the listener certificate, or "" when the image's self-signed pair is used.
func tlsSecret(c *v1alpha1.RobustMQCluster) string {
	switch {
	case c.Spec.TLS.SecretName != "":
		return c.Spec.TLS.SecretName
	case c.Spec.TLS.CertManager != nil:
		return naming.For(c).TLSSecret()
	}
	return ""
}
