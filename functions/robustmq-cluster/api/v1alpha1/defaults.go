package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Every default lives here, so builders never test for zero values.
const (
	DefaultVersion             = "v0.4.11"
	DefaultRegistry            = "ghcr.io"
	DefaultRepository          = "robustmq/robustmq"
	DefaultPoolName            = "node"
	DefaultMonitoringNamespace = "monitoring"

	// 999:999 is the robustmq user of the official image (useradd -r on Debian bookworm, docs/robustmq.md §11.8).
	DefaultUID int64 = 999
	DefaultGID int64 = 999

	DefaultMQTTTCPPort          int32 = 1883
	DefaultMQTTTLSPort          int32 = 1885
	DefaultMQTTWebSocketPort    int32 = 8083
	DefaultMQTTWebSocketTLSPort int32 = 8085
	DefaultMQTTQUICPort         int32 = 9083
	DefaultKafkaPort            int32 = 9092
	DefaultAMQPPort             int32 = 5672
	DefaultNATSPort             int32 = 4222
	DefaultNATSTLSPort          int32 = 4223
	DefaultNATSWebSocketPort    int32 = 4080
	DefaultNATSWebSocketTLSPort int32 = 4443

	DefaultUsernameKey = "username"
	DefaultPasswordKey = "password"
	DefaultIssuerKind  = IssuerKind
	DefaultIssuerGroup = "cert-manager.io"
)

// SupportedVersions are the releases whose server.toml layout (everything MQTT under [mqtt_runtime.*], TLS under
// [broker_network]) this function generates. Older releases silently ignore those keys (docs/robustmq.md §2).
var SupportedVersions = []string{"v0.4.10", "v0.4.11"}

// Profile is the set of defaults that differ between environments.
type Profile struct {
	Replicas      int32
	CPURequest    string
	MemoryRequest string
	CPULimit      string
	MemoryLimit   string
	StorageSize   string
	ZoneSpread    Spread
	HostSpread    Spread
	LogLevel      LogLevel
	LogFormat     LogFormat
	Monitoring    bool
	PDB           bool
}

// Profiles are the per-environment defaults, documented as a table in the function README.
var Profiles = map[Environment]Profile{
	Dev: {Replicas: 1, CPURequest: "100m", MemoryRequest: "256Mi", CPULimit: "1", MemoryLimit: "512Mi",
		StorageSize: "1Gi", ZoneSpread: SpreadNone, HostSpread: SpreadPreferred,
		LogLevel: "debug", LogFormat: "text", Monitoring: false, PDB: false},
	Staging: {Replicas: 3, CPURequest: "500m", MemoryRequest: "1Gi", CPULimit: "2", MemoryLimit: "2Gi",
		StorageSize: "10Gi", ZoneSpread: SpreadPreferred, HostSpread: SpreadPreferred,
		LogLevel: "info", LogFormat: "json", Monitoring: true, PDB: true},
	Prod: {Replicas: 3, CPURequest: "1", MemoryRequest: "2Gi", CPULimit: "4", MemoryLimit: "4Gi",
		StorageSize: "50Gi", ZoneSpread: SpreadPreferred, HostSpread: SpreadRequired,
		LogLevel: "info", LogFormat: "json", Monitoring: true, PDB: true},
}

// Default fills every optional field. It is safe to call on an invalid spec: Validate reports what is wrong.
func (c *RobustMQCluster) Default() {
	s := &c.Spec
	if s.Environment == "" {
		s.Environment = Dev
	}
	p, ok := Profiles[s.Environment]
	if !ok {
		p = Profiles[Dev]
	}
	if s.Version == "" {
		s.Version = DefaultVersion
	}
	s.Image.defaults(s.Version)
	if len(s.Pools) == 0 {
		s.Pools = []Pool{{Name: DefaultPoolName, Roles: []Role{RoleMeta, RoleBroker, RoleEngine}}}
	}
	for i := range s.Pools {
		s.Pools[i].defaults(p, len(s.Pools))
	}
	s.Listeners.defaults()
	if s.Service.Type == "" {
		s.Service.Type = corev1.ServiceTypeClusterIP
	}
	s.Auth.defaults()
	if cm := s.TLS.CertManager; cm != nil {
		defaultString(&cm.IssuerRef.Kind, DefaultIssuerKind)
		defaultString(&cm.IssuerRef.Group, DefaultIssuerGroup)
	}
	if !s.Security.OpenShift {
		defaultPtr(&s.Security.RunAsUser, DefaultUID)
		defaultPtr(&s.Security.RunAsGroup, DefaultGID)
		defaultPtr(&s.Security.FSGroup, DefaultGID)
	}
	defaultPtr(&s.PodDisruptionBudgets, p.PDB)
	defaultPtr(&s.NetworkPolicy.Enabled, true)
	s.NetworkPolicy.DNS.defaults(s.Security.OpenShift)
	m := &s.Monitoring
	defaultPtr(&m.Enabled, p.Monitoring)
	defaultString(&m.Namespace, DefaultMonitoringNamespace)
	defaultPtr(&m.PrometheusOperator, true)
	defaultPtr(&m.GrafanaSidecar, true)
	defaultPtr(&m.GrafanaOperator, false)
	if s.Logging.Level == "" {
		s.Logging.Level = p.LogLevel
	}
	if s.Logging.Format == "" {
		s.Logging.Format = p.LogFormat
	}
	// Written explicitly: the code default depends on whether [runtime] is present (docs/robustmq.md §9).
	defaultPtr(&s.Runtime.DefaultTopicPartitions, 1)
	defaultPtr(&s.Runtime.DefaultTopicReplicas, min(2, s.engineReplicas()))
	s.lifecycleDefaults()
}

func (im *Image) defaults(version string) {
	defaultString(&im.Registry, DefaultRegistry)
	defaultString(&im.Repository, DefaultRepository)
	defaultString(&im.Tag, version)
	if im.PullPolicy == "" {
		im.PullPolicy = corev1.PullIfNotPresent
	}
}

func (p *Pool) defaults(prof Profile, pools int) {
	if len(p.Roles) == 0 {
		p.Roles = []Role{RoleMeta, RoleBroker, RoleEngine}
	}
	if p.Autoscaling != nil {
		p.Autoscaling.defaults(p, prof)
	}
	defaultPtr(&p.Replicas, prof.Replicas)
	if pools == 1 {
		defaultPtr(&p.BrokerIDStart, 1)
	}
	r := &p.Resources
	// A limit set alone caps the default request (capped); meta and engine pods default to memory request =
	// limit, so they are never the first evicted under memory pressure.
	memoryRequest := capped(prof.MemoryRequest, r.Limits, corev1.ResourceMemory)
	cpuRequest := capped(prof.CPURequest, r.Limits, corev1.ResourceCPU)
	r.Limits = withDefaults(r.Limits, prof.CPULimit, prof.MemoryLimit)
	if p.Has(RoleMeta) || p.Has(RoleEngine) {
		memoryRequest = r.Limits.Memory().String()
	}
	r.Requests = withDefaults(r.Requests, cpuRequest, memoryRequest)
	if p.Storage.Size == nil {
		q := resource.MustParse(prof.StorageSize)
		p.Storage.Size = &q
	}
	p.ephemeralDefaults()
	p.Rollout.defaults(p)
	if p.Scheduling.ZoneSpread == "" {
		p.Scheduling.ZoneSpread = prof.ZoneSpread
	}
	if p.Scheduling.HostSpread == "" {
		p.Scheduling.HostSpread = prof.HostSpread
	}
}

// capped is the profile's request, or the user's limit when that is lower: a limit set alone caps the request,
// as Kubernetes makes a missing request equal to the limit.
func capped(request string, limits corev1.ResourceList, name corev1.ResourceName) string {
	if lim, ok := limits[name]; ok && lim.Cmp(resource.MustParse(request)) < 0 {
		return lim.String()
	}
	return request
}

func withDefaults(l corev1.ResourceList, cpu, memory string) corev1.ResourceList {
	if l == nil {
		l = corev1.ResourceList{}
	}
	if _, ok := l[corev1.ResourceCPU]; !ok {
		l[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if _, ok := l[corev1.ResourceMemory]; !ok {
		l[corev1.ResourceMemory] = resource.MustParse(memory)
	}
	return l
}

func (l *Listeners) defaults() {
	defaultListener(&l.MQTT.TCP, DefaultMQTTTCPPort, true)
	defaultListener(&l.MQTT.TLS, DefaultMQTTTLSPort, true)
	defaultListener(&l.MQTT.WebSocket, DefaultMQTTWebSocketPort, true)
	defaultListener(&l.MQTT.WebSocketTLS, DefaultMQTTWebSocketTLSPort, true)
	defaultListener(&l.MQTT.QUIC, DefaultMQTTQUICPort, false)
	defaultListener(&l.Kafka, DefaultKafkaPort, false)
	defaultListener(&l.AMQP, DefaultAMQPPort, false)
	defaultListener(&l.NATS.TCP, DefaultNATSPort, false)
	defaultListener(&l.NATS.TLS, DefaultNATSTLSPort, false)
	defaultListener(&l.NATS.WebSocket, DefaultNATSWebSocketPort, false)
	defaultListener(&l.NATS.WebSocketTLS, DefaultNATSWebSocketTLSPort, false)
}

func defaultListener(l *Listener, port int32, expose bool) {
	if l.Port == 0 {
		l.Port = port
	}
	defaultPtr(&l.Expose, expose)
}

// DNS servers of a stock cluster: CoreDNS keeps the kube-dns label on kubeadm, GKE, EKS and AKS; OpenShift runs
// CoreDNS in openshift-dns on port 5353 behind a Service on 53.
const (
	DefaultDNSNamespace          = "kube-system"
	DefaultDNSLabel              = "k8s-app"
	DefaultDNSLabelValue         = "kube-dns"
	DefaultDNSPort         int32 = 53
	OpenShiftDNSNamespace        = "openshift-dns"
	OpenShiftDNSLabel            = "dns.operator.openshift.io/daemonset-dns"
	OpenShiftDNSLabelValue       = "default"
	OpenShiftDNSPort       int32 = 5353
)

func (d *DNSEgress) defaults(openshift bool) {
	ns, label, value, port := DefaultDNSNamespace, DefaultDNSLabel, DefaultDNSLabelValue, DefaultDNSPort
	if openshift {
		ns, label, value, port = OpenShiftDNSNamespace, OpenShiftDNSLabel, OpenShiftDNSLabelValue, OpenShiftDNSPort
	}
	if len(d.Peers) == 0 {
		d.Peers = []Peer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{label: value}},
		}}
	}
	defaultPtr(&d.Port, port)
}

func (a *Auth) defaults() {
	for _, c := range []*CredentialsRef{a.MQTT, a.Admin} {
		if c != nil {
			defaultString(&c.UsernameKey, DefaultUsernameKey)
			defaultString(&c.PasswordKey, DefaultPasswordKey)
		}
	}
}

func (s *Spec) engineReplicas() int32 {
	var n int32
	for _, p := range s.Pools {
		if p.Has(RoleEngine) && p.Replicas != nil {
			n += *p.Replicas
		}
	}
	return max(n, 1)
}

// Has reports whether the pool runs the role.
func (p *Pool) Has(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func defaultString(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

func defaultPtr[T any](p **T, v T) {
	if *p == nil {
		*p = ptr.To(v)
	}
}

// Sizes of the emptyDirs, and the room the container itself needs on the node's disk (writable layer, the
// kubelet's rotated copies of its stdout).
const (
	DefaultLogsSize      = "1Gi"
	DefaultLocalDataSize = "2Gi"
	containerScratch     = "1Gi"
)

// ephemeralDefaults sizes the emptyDirs and makes the container's ephemeral-storage request and limit cover
// them: the kubelet evicts a pod whose emptyDirs and container writes together pass the containers' limits.
func (p *Pool) ephemeralDefaults() {
	defaultQuantity(&p.Storage.LogsSize, DefaultLogsSize)
	defaultQuantity(&p.Storage.LocalDataSize, DefaultLocalDataSize)
	total := resource.MustParse(containerScratch)
	total.Add(*p.Storage.LogsSize)
	if !p.Has(RoleMeta) && !p.Has(RoleEngine) {
		total.Add(*p.Storage.LocalDataSize)
	}
	r := &p.Resources
	// As for cpu and memory, a limit set alone caps the default request.
	request := total.DeepCopy()
	if lim, ok := r.Limits[corev1.ResourceEphemeralStorage]; ok && lim.Cmp(request) < 0 {
		request = lim.DeepCopy()
	}
	if _, ok := r.Requests[corev1.ResourceEphemeralStorage]; !ok {
		r.Requests[corev1.ResourceEphemeralStorage] = request
	}
	if _, ok := r.Limits[corev1.ResourceEphemeralStorage]; !ok {
		r.Limits[corev1.ResourceEphemeralStorage] = total.DeepCopy()
	}
}

func defaultQuantity(q **resource.Quantity, v string) {
	if *q == nil {
		x := resource.MustParse(v)
		*q = &x
	}
}
