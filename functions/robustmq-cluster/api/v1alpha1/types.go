package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	Group      = "robustmq.io"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
	Kind       = "RobustMQCluster"
)

// RobustMQCluster describes one RobustMQ cluster. The function expands it into Kubernetes manifests.
//
// +kubebuilder:resource:path=robustmqclusters,shortName=rmq
type RobustMQCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec Spec `json:"spec,omitempty"`
}

// Environment selects a profile of defaults and how strict the checks are.
//
// +kubebuilder:validation:Enum=dev;staging;prod
type Environment string

const (
	Dev     Environment = "dev"
	Staging Environment = "staging"
	Prod    Environment = "prod"
)

// Role is a RobustMQ node role, as written into server.toml `roles`.
//
// +kubebuilder:validation:Enum=meta;broker;engine
type Role string

const (
	RoleMeta   Role = "meta"
	RoleBroker Role = "broker"
	RoleEngine Role = "engine"
)

type Spec struct {
	// Environment picks the profile of defaults (replicas, resources, storage, spread, PDB, logging, monitoring)
	// and the strictness of the checks: warnings in dev, errors in prod. Default: dev.
	Environment Environment `json:"environment,omitempty"`

	// Version is the RobustMQ release whose server.toml layout is generated. Default: v0.4.11.
	Version string `json:"version,omitempty"`

	Image Image `json:"image,omitempty"`

	// Pools are the StatefulSets of the cluster, each with its roles. Default: one all-in-one pool named
	// "node" with the roles meta, broker and engine (the layout RobustMQ itself tests).
	Pools []Pool `json:"pools,omitempty"`

	Listeners Listeners `json:"listeners,omitempty"`

	// Service is the client Service in front of the broker pods.
	Service ClientService `json:"service,omitempty"`

	Auth Auth `json:"auth,omitempty"`

	TLS TLS `json:"tls,omitempty"`

	Security Security `json:"security,omitempty"`

	// PodDisruptionBudgets renders one PDB per pool; the meta pool's keeps the Raft quorum. Default: false in dev
	// (a single-node cluster would block every node drain), true otherwise.
	PodDisruptionBudgets *bool `json:"podDisruptionBudgets,omitempty"`

	NetworkPolicy NetworkPolicy `json:"networkPolicy,omitempty"`

	Monitoring Monitoring `json:"monitoring,omitempty"`

	Logging Logging `json:"logging,omitempty"`

	// Runtime holds the sizing knobs of RobustMQ itself that the function writes explicitly.
	Runtime Runtime `json:"runtime,omitempty"`

	// ExtraConfig sets further server.toml keys by their dotted name, e.g. "mqtt_runtime.keep_alive.max_time": 3600.
	// Only keys the pinned release reads are accepted; keys the function manages (ids, roles, ports, paths,
	// credentials, TLS) are refused.
	ExtraConfig map[string]ConfigValue `json:"extraConfig,omitempty"`

	// RuntimeConfig applies the sections RobustMQ changes live through its admin API, with a Job and without a
	// restart. Their keys are refused in extraConfig. Requires auth.admin.
	RuntimeConfig *RuntimeConfig `json:"runtimeConfig,omitempty"`

	// Backup renders a Velero Schedule for the cluster's objects and volumes.
	Backup *Backup `json:"backup,omitempty"`
}

// ConfigValue is one server.toml value (string, number, boolean or list), checked against the key's type.
//
// +kubebuilder:validation:Type=""
// +kubebuilder:pruning:PreserveUnknownFields
type ConfigValue struct {
	// Raw is the value as JSON. A type of our own rather than apiextensions' JSON, whose package would add half
	// a megabyte to the function image.
	Raw []byte `json:"-"`
}

func (v ConfigValue) MarshalJSON() ([]byte, error) {
	if len(v.Raw) == 0 {
		return []byte("null"), nil
	}
	return v.Raw, nil
}

func (v *ConfigValue) UnmarshalJSON(data []byte) error {
	v.Raw = append(v.Raw[:0], data...)
	return nil
}

type Image struct {
	// Registry replaces the registry host of every image, for mirrors. Default: ghcr.io.
	Registry string `json:"registry,omitempty"`
	// Repository without the registry host. Default: robustmq/robustmq.
	Repository string `json:"repository,omitempty"`
	// Tag defaults to spec.version.
	Tag string `json:"tag,omitempty"`
	// Digest pins the image, e.g. sha256:<64 hex>. Required in prod unless the tag is an immutable release tag.
	Digest      string                        `json:"digest,omitempty"`
	PullPolicy  corev1.PullPolicy             `json:"pullPolicy,omitempty"`
	PullSecrets []corev1.LocalObjectReference `json:"pullSecrets,omitempty"`
}

type Pool struct {
	// Name of the pool; the StatefulSet is <cluster>-<pool>.
	//
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Roles this pool runs. Exactly one pool may carry the meta role.
	Roles []Role `json:"roles,omitempty"`
	// Replicas defaults by environment: 1 in dev, 3 otherwise. At most 7 in the meta pool and 100 in any pool.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Replicas *int32 `json:"replicas,omitempty"`
	// BrokerIDStart is the broker_id of the pool's first pod and its StatefulSet ordinals.start: pod
	// <cluster>-<pool>-<id> runs broker_id <id>. Ranges of all pools must not overlap. Default 1; required when
	// there is more than one pool. Never change it on a running cluster: it is the Raft node id.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	BrokerIDStart *int32 `json:"brokerIdStart,omitempty"`

	// Resources of the RobustMQ container. Pools with meta or engine get a memory request equal to the memory
	// limit unless set (a Raft voter or replica holder is the last pod the kubelet should evict under memory
	// pressure), and every pool an ephemeral-storage request and limit that covers its emptyDirs
	// (storage.logsSize, storage.localDataSize) plus 1Gi for the container's own writes and logs.
	Resources  corev1.ResourceRequirements `json:"resources,omitempty"`
	Storage    Storage                     `json:"storage,omitempty"`
	Scheduling Scheduling                  `json:"scheduling,omitempty"`
	// Autoscaling hands the replica count of a broker-only pool to a HorizontalPodAutoscaler.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
	Rollout     Rollout      `json:"rollout,omitempty"`
}

type Storage struct {
	// Size of the data PVC of meta and engine pools. Default by environment.
	Size *resource.Quantity `json:"size,omitempty"`
	// StorageClassName of the data PVC; empty uses the cluster default.
	StorageClassName *string `json:"storageClassName,omitempty"`
	// LogsSize is the sizeLimit of the logs emptyDir. Default 1Gi.
	LogsSize *resource.Quantity `json:"logsSize,omitempty"`
	// LocalDataSize is the sizeLimit of the data emptyDir of pools without a PVC (broker-only: RocksDB with local
	// diagnostics only). Default 2Gi.
	LocalDataSize *resource.Quantity `json:"localDataSize,omitempty"`
}

// Spread is how strictly pods are spread over a topology domain.
//
// +kubebuilder:validation:Enum=required;preferred;none
type Spread string

const (
	SpreadRequired  Spread = "required"
	SpreadPreferred Spread = "preferred"
	SpreadNone      Spread = "none"
)

type Scheduling struct {
	// ZoneSpread over topology.kubernetes.io/zone. Default by environment.
	ZoneSpread Spread `json:"zoneSpread,omitempty"`
	// MinZones is the number of zones the pool must span (topology spread minDomains). With fewer zones holding
	// nodes, pods stay Pending instead of doubling up. Requires zoneSpread: required.
	//
	// +kubebuilder:validation:Minimum=1
	MinZones *int32 `json:"minZones,omitempty"`
	// HostSpread over kubernetes.io/hostname. Default by environment.
	HostSpread        Spread              `json:"hostSpread,omitempty"`
	NodeSelector      map[string]string   `json:"nodeSelector,omitempty"`
	Tolerations       []corev1.Toleration `json:"tolerations,omitempty"`
	PriorityClassName string              `json:"priorityClassName,omitempty"`
}

// Listener is one client port. Expose puts it on the client Service and opens it in the client NetworkPolicy.
// RobustMQ has no per-listener switch: a broker node always listens on every protocol port.
type Listener struct {
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port   int32 `json:"port,omitempty"`
	Expose *bool `json:"expose,omitempty"`
}

type Listeners struct {
	MQTT  MQTTListeners `json:"mqtt,omitempty"`
	Kafka Listener      `json:"kafka,omitempty"`
	AMQP  Listener      `json:"amqp,omitempty"`
	NATS  NATSListeners `json:"nats,omitempty"`
}

type MQTTListeners struct {
	TCP          Listener `json:"tcp,omitempty"`
	TLS          Listener `json:"tls,omitempty"`
	WebSocket    Listener `json:"websocket,omitempty"`
	WebSocketTLS Listener `json:"websocketTLS,omitempty"`
	// QUIC is served over UDP.
	QUIC Listener `json:"quic,omitempty"`
}

type NATSListeners struct {
	TCP          Listener `json:"tcp,omitempty"`
	TLS          Listener `json:"tls,omitempty"`
	WebSocket    Listener `json:"websocket,omitempty"`
	WebSocketTLS Listener `json:"websocketTLS,omitempty"`
}

type ClientService struct {
	// Type of the client Service. Default: ClusterIP.
	Type                     corev1.ServiceType                      `json:"type,omitempty"`
	Annotations              map[string]string                       `json:"annotations,omitempty"`
	LoadBalancerSourceRanges []string                                `json:"loadBalancerSourceRanges,omitempty"`
	ExternalTrafficPolicy    corev1.ServiceExternalTrafficPolicyType `json:"externalTrafficPolicy,omitempty"`
}

// SecretKeyRef names one key of a Secret in the cluster's namespace.
type SecretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// CredentialsRef names a Secret holding a user name and a password.
type CredentialsRef struct {
	SecretName string `json:"secretName"`
	// UsernameKey defaults to "username".
	UsernameKey string `json:"usernameKey,omitempty"`
	// PasswordKey defaults to "password".
	PasswordKey string `json:"passwordKey,omitempty"`
}

// Auth references credentials. Secret values are never written into the rendered output: they reach the
// server as environment variables from the Secrets.
type Auth struct {
	// MQTT is the default MQTT user ([mqtt_runtime.auth] default_user / default_password).
	MQTT *CredentialsRef `json:"mqtt,omitempty"`
	// Admin is the admin HTTP API user ([admin] username / password).
	Admin *CredentialsRef `json:"admin,omitempty"`
	// JWTSecret signs admin API tokens ([admin] jwt_secret).
	JWTSecret *SecretKeyRef `json:"jwtSecret,omitempty"`
}

type TLS struct {
	// SecretName of an existing kubernetes.io/tls Secret (tls.crt, tls.key) for MQTT TLS, WSS, QUIC and NATS TLS.
	SecretName string `json:"secretName,omitempty"`
	// CertManager requests the certificate from cert-manager instead; the Secret is <cluster>-tls.
	CertManager *CertManager `json:"certManager,omitempty"`
	// RollOnRenewal rolls the broker pods when the TLS Secret changes, through the Stakater Reloader annotation
	// (Reloader must run in the cluster). RobustMQ reads its certificate only at start-up. Default: false.
	RollOnRenewal *bool `json:"rollOnRenewal,omitempty"`
}

type CertManager struct {
	IssuerRef IssuerRef `json:"issuerRef"`
	// ExtraDNSNames are added to the computed names (every pod's headless name and the client Service).
	ExtraDNSNames []string         `json:"extraDNSNames,omitempty"`
	Duration      *metav1.Duration `json:"duration,omitempty"`
	RenewBefore   *metav1.Duration `json:"renewBefore,omitempty"`
	// ExpiryAlerts renders a PrometheusRule on cert-manager's certificate metrics (expiry, not ready), when
	// monitoring and the Prometheus Operator are on. Default: false.
	ExpiryAlerts *bool `json:"expiryAlerts,omitempty"`
}

// The cert-manager issuer kinds an IssuerRef may name.
const (
	IssuerKind        = "Issuer"
	ClusterIssuerKind = "ClusterIssuer"
)

type IssuerRef struct {
	Name string `json:"name"`
	// Kind is Issuer or ClusterIssuer. Default: Issuer.
	Kind string `json:"kind,omitempty"`
	// Group defaults to cert-manager.io.
	Group string `json:"group,omitempty"`
}

type Security struct {
	// OpenShift leaves runAsUser, runAsGroup and fsGroup to the platform (restricted SCC assigns them).
	OpenShift bool `json:"openshift,omitempty"`
	// RunAsUser, RunAsGroup and FSGroup default to 999, the robustmq user of the official image.
	RunAsUser  *int64 `json:"runAsUser,omitempty"`
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	FSGroup    *int64 `json:"fsGroup,omitempty"`
}

// Peer is one allowed traffic source: pods selected by namespace and/or pod labels, or an IP block.
type Peer struct {
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	PodSelector       *metav1.LabelSelector `json:"podSelector,omitempty"`
	CIDR              string                `json:"cidr,omitempty"`
	Except            []string              `json:"except,omitempty"`
}

type NetworkPolicy struct {
	// Enabled renders NetworkPolicies. Default: true.
	Enabled *bool `json:"enabled,omitempty"`
	// Clients may reach the exposed client listeners. Empty means from anywhere, so that enabling policies never
	// silently cuts clients off.
	Clients []Peer `json:"clients,omitempty"`
	// Admin sources may reach the admin HTTP port. The same port serves /metrics, the admin API and the
	// unauthenticated /mcp endpoint. Default: none beyond the monitoring namespace.
	Admin []Peer `json:"admin,omitempty"`
	// DNS is where the pods may send DNS queries. Egress is denied otherwise, and meta_addrs are DNS names, so a
	// wrong value keeps Raft from forming.
	DNS DNSEgress `json:"dns,omitempty"`
}

// DNSEgress names the cluster DNS servers as NetworkPolicy peers.
type DNSEgress struct {
	// Peers are the DNS servers. Default: the kube-dns/CoreDNS pods (namespace kube-system, label
	// k8s-app=kube-dns); with spec.security.openshift, the openshift-dns pods (label
	// dns.operator.openshift.io/daemonset-dns=default). With NodeLocal DNSCache, add its link-local address and
	// the kube-dns Service IP as cidr peers.
	Peers []Peer `json:"peers,omitempty"`
	// Port the DNS servers listen on, opened for UDP and TCP. Policies see the pod port after Service translation,
	// not the Service's 53. Default: 53; 5353 with spec.security.openshift.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int32 `json:"port,omitempty"`
}

type Monitoring struct {
	// Enabled renders scrape config and alert rules. Default by environment.
	Enabled *bool `json:"enabled,omitempty"`
	// Namespace where Prometheus runs; it alone may scrape the metrics port. Default: monitoring.
	Namespace string `json:"namespace,omitempty"`
	// PrometheusOperator says the target cluster has the Prometheus Operator CRDs. Default: true.
	PrometheusOperator *bool `json:"prometheusOperator,omitempty"`
	// Labels added to ServiceMonitor and PrometheusRule so the target Prometheus selects them.
	Labels map[string]string `json:"labels,omitempty"`
	// GrafanaSidecar is accepted and has no effect: the dashboards are one set for every cluster, in the package
	// packages/robustmq-dashboards. Default: true.
	GrafanaSidecar *bool `json:"grafanaSidecar,omitempty"`
	// GrafanaOperator is accepted and has no effect (see GrafanaSidecar). Default: false.
	GrafanaOperator *bool `json:"grafanaOperator,omitempty"`
	// GrafanaInstanceSelector is accepted and has no effect (see GrafanaSidecar).
	GrafanaInstanceSelector *metav1.LabelSelector `json:"grafanaInstanceSelector,omitempty"`
}

// +kubebuilder:validation:Enum=trace;debug;info;warn;error
type LogLevel string

// +kubebuilder:validation:Enum=text;json
type LogFormat string

type Logging struct {
	// Level of the console logger. Default by environment.
	Level LogLevel `json:"level,omitempty"`
	// Format of the console logger. Default by environment: text in dev, json otherwise.
	Format LogFormat `json:"format,omitempty"`
}

type Runtime struct {
	// DefaultTopicReplicas is runtime.default_topic_replica_num; engine pods must be at least this many.
	DefaultTopicReplicas *int32 `json:"defaultTopicReplicas,omitempty"`
	// DefaultTopicPartitions is runtime.default_topic_partition_num.
	DefaultTopicPartitions *int32 `json:"defaultTopicPartitions,omitempty"`
}
