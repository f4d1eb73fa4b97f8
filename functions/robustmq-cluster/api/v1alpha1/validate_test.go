package v1alpha1

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

func cluster(mutate func(*RobustMQCluster)) *RobustMQCluster {
	c := &RobustMQCluster{}
	c.APIVersion, c.Kind, c.Name = APIVersion, Kind, "mq"
	if mutate != nil {
		mutate(c)
	}
	c.Default()
	return c
}

func fieldsOf(t *testing.T, c *RobustMQCluster) []string {
	t.Helper()
	var out []string
	for _, e := range c.Validate() {
		out = append(out, e.Field)
	}
	return out
}

func TestDefaultByEnvironment(t *testing.T) {
	for env, want := range map[Environment]struct {
		replicas int32
		storage  string
		pdb      bool
		level    LogLevel
		format   LogFormat
	}{
		Dev:     {1, "1Gi", false, "debug", "text"},
		Staging: {3, "10Gi", true, "info", "json"},
		Prod:    {3, "50Gi", true, "info", "json"},
	} {
		t.Run(string(env), func(t *testing.T) {
			c := cluster(func(c *RobustMQCluster) { c.Spec.Environment = env })
			require.Len(t, c.Spec.Pools, 1)
			p := c.Spec.Pools[0]
			assert.Equal(t, DefaultPoolName, p.Name)
			assert.Equal(t, []Role{RoleMeta, RoleBroker, RoleEngine}, p.Roles)
			assert.Equal(t, want.replicas, *p.Replicas)
			assert.Equal(t, int32(1), *p.BrokerIDStart)
			assert.Equal(t, want.storage, p.Storage.Size.String())
			assert.Equal(t, want.pdb, *c.Spec.PodDisruptionBudgets)
			assert.Equal(t, want.level, c.Spec.Logging.Level)
			assert.Equal(t, want.format, c.Spec.Logging.Format)
			assert.NotEmpty(t, p.Resources.Requests.Cpu().String())
			assert.NotEmpty(t, p.Resources.Limits.Memory().String())
			assert.Empty(t, c.Validate())
		})
	}
}

func TestDefaultKeepsUserValues(t *testing.T) {
	c := cluster(func(c *RobustMQCluster) {
		c.Spec.Version = "v0.4.10"
		c.Spec.Image.Registry = "mirror.example.com"
		c.Spec.Listeners.MQTT.TCP = Listener{Port: 11883, Expose: ptr.To(false)}
		c.Spec.Pools = []Pool{{Name: "a", Replicas: ptr.To[int32](5),
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("8Gi")}}}}
	})
	assert.Equal(t, "v0.4.10", c.Spec.Image.Tag, "tag follows version")
	assert.Equal(t, "mirror.example.com", c.Spec.Image.Registry)
	assert.Equal(t, DefaultRepository, c.Spec.Image.Repository)
	assert.Equal(t, int32(11883), c.Spec.Listeners.MQTT.TCP.Port)
	assert.False(t, *c.Spec.Listeners.MQTT.TCP.Expose)
	assert.Equal(t, int32(5), *c.Spec.Pools[0].Replicas)
	assert.Equal(t, "8Gi", c.Spec.Pools[0].Resources.Limits.Memory().String())
	assert.Equal(t, "1", c.Spec.Pools[0].Resources.Limits.Cpu().String(), "missing limit filled from the dev profile")
	assert.Equal(t, int32(2), *c.Spec.Runtime.DefaultTopicReplicas)
}

func TestValidate(t *testing.T) {
	split := func(c *RobustMQCluster) {
		c.Spec.Pools = []Pool{
			{Name: "meta", Roles: []Role{RoleMeta}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](1)},
			{Name: "broker", Roles: []Role{RoleBroker}, Replicas: ptr.To[int32](2), BrokerIDStart: ptr.To[int32](101)},
			{Name: "engine", Roles: []Role{RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](201)},
		}
	}
	cases := []struct {
		name   string
		mutate func(*RobustMQCluster)
		want   []string
	}{
		{"defaults are valid", nil, nil},
		{"split pools are valid", split, nil},
		{"bad name", func(c *RobustMQCluster) { c.Name = "Bad_Name" }, []string{"metadata.name"}},
		{"unknown environment", func(c *RobustMQCluster) { c.Spec.Environment = "qa" }, []string{"spec.environment"}},
		{"old version", func(c *RobustMQCluster) { c.Spec.Version = "v0.4.9" }, []string{"spec.version"}},
		{"bad digest", func(c *RobustMQCluster) { c.Spec.Image.Digest = "sha256:abc" }, []string{"spec.image.digest"}},
		{"bad pull policy", func(c *RobustMQCluster) { c.Spec.Image.PullPolicy = "Sometimes" }, []string{"spec.image.pullPolicy"}},
		{"even meta replicas", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Replicas: ptr.To[int32](2)}}
		}, []string{"spec.pools[0].replicas"}},
		{"meta pool beyond 7 voters", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Replicas: ptr.To[int32](9)}}
		}, []string{"spec.pools[0].replicas"}},
		{"a typo of a thousand pods", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[2].Replicas = ptr.To[int32](1000)
		}, []string{"spec.pools[2].replicas"}},
		{"broker id far out", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[2].BrokerIDStart = ptr.To[int32](2_000_000_000)
		}, []string{"spec.pools[2].brokerIdStart"}},
		{"zero replicas", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Replicas: ptr.To[int32](0)}}
		}, []string{"spec.pools[0].replicas", "spec.pools[0].replicas"}},
		{"unknown and duplicate role", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Roles: []Role{RoleMeta, RoleBroker, RoleEngine, "journal", RoleMeta}}}
		}, []string{"spec.pools[0].roles[3]", "spec.pools[0].roles[4]"}},
		{"brokerIdStart required with several pools", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[1].BrokerIDStart = nil
		}, []string{"spec.pools[1].brokerIdStart"}},
		{"overlapping broker ids", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[1].BrokerIDStart = ptr.To[int32](3)
		}, []string{"spec.pools"}},
		{"two meta pools", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[1].Roles = []Role{RoleMeta, RoleBroker}
			c.Spec.Pools[1].Replicas = ptr.To[int32](3)
		}, []string{"spec.pools"}},
		{"no engine", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Roles: []Role{RoleMeta, RoleBroker}}}
		}, []string{"spec.pools"}},
		{"duplicate pool names", func(c *RobustMQCluster) {
			split(c)
			c.Spec.Pools[2].Name = "broker"
		}, []string{"spec.pools[2].name"}},
		{"name too long", func(c *RobustMQCluster) {
			c.Name = "a-very-long-cluster-name-that-keeps-going"
			c.Spec.Pools = []Pool{{Name: "and-a-long-pool"}}
		}, []string{"spec.pools[0].name"}},
		{"no name", func(c *RobustMQCluster) { c.Name = "" }, []string{"metadata.name"}},
		{"bad namespace", func(c *RobustMQCluster) { c.Namespace = "Bad NS" }, []string{"metadata.namespace"}},
		{"cluster name leaves no room for a pool", func(c *RobustMQCluster) {
			c.Name = "a-cluster-name-of-fifty-characters-long-abcdefghijk"
		}, []string{"metadata.name"}},
		{"cluster name beyond a label: one error", func(c *RobustMQCluster) {
			c.Name = strings.Repeat("a", 70)
		}, []string{"metadata.name"}},
		{"request above limit", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}}}}
		}, []string{"spec.pools[0].resources.requests[memory]"}},
		{"minZones needs required zone spread", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Scheduling: Scheduling{MinZones: ptr.To[int32](3)}}}
		}, []string{"spec.pools[0].scheduling.minZones"}},
		{"duplicate port", func(c *RobustMQCluster) { c.Spec.Listeners.Kafka.Port = 1883 }, []string{"spec.listeners.kafka.port"}},
		{"port clashes with grpc", func(c *RobustMQCluster) { c.Spec.Listeners.AMQP.Port = GRPCPort }, []string{"spec.listeners.amqp.port"}},
		{"port out of range", func(c *RobustMQCluster) { c.Spec.Listeners.NATS.TCP.Port = 70000 }, []string{"spec.listeners.nats.tcp.port"}},
		{"service type", func(c *RobustMQCluster) { c.Spec.Service.Type = "ExternalName" }, []string{"spec.service.type"}},
		{"source range", func(c *RobustMQCluster) {
			c.Spec.Service.Type, c.Spec.Service.LoadBalancerSourceRanges = corev1.ServiceTypeLoadBalancer, []string{"10.0.0.0"}
		}, []string{"spec.service.loadBalancerSourceRanges[0]"}},
		{"secret names", func(c *RobustMQCluster) {
			c.Spec.Auth = Auth{MQTT: &CredentialsRef{}, JWTSecret: &SecretKeyRef{Name: "x"}}
		}, []string{"spec.auth.mqtt.secretName", "spec.auth.jwtSecret.key"}},
		{"tls both ways", func(c *RobustMQCluster) {
			c.Spec.TLS = TLS{SecretName: "s", CertManager: &CertManager{IssuerRef: IssuerRef{Name: "ca"}}}
		}, []string{"spec.tls.certManager"}},
		{"issuer kind", func(c *RobustMQCluster) {
			c.Spec.TLS = TLS{CertManager: &CertManager{IssuerRef: IssuerRef{Kind: "Vault"}}}
		}, []string{"spec.tls.certManager.issuerRef.name", "spec.tls.certManager.issuerRef.kind"}},
		{"openshift with pinned ids", func(c *RobustMQCluster) {
			c.Spec.Security = Security{OpenShift: true, RunAsUser: ptr.To[int64](1000)}
		}, []string{"spec.security"}},
		{"peer needs one source", func(c *RobustMQCluster) {
			c.Spec.NetworkPolicy.Clients = []Peer{{}, {CIDR: "nope"}}
		}, []string{"spec.networkPolicy.clients[0]", "spec.networkPolicy.clients[1].cidr"}},
		{"topic replicas above engines", func(c *RobustMQCluster) {
			c.Spec.Runtime.DefaultTopicReplicas = ptr.To[int32](2)
		}, []string{"spec.runtime.defaultTopicReplicas"}},
		{"extra config", func(c *RobustMQCluster) {
			c.Spec.ExtraConfig = map[string]ConfigValue{
				"mqtt_runtime.keep_alive.max_time": {Raw: []byte(`3600`)},
				"mqtt_runtime.keep_alive.enable":   {Raw: []byte(`"yes"`)},
				"mqtt_runtime.keepalive.max_time":  {Raw: []byte(`1`)},
				"broker_id":                        {Raw: []byte(`7`)},
				"admin.password":                   {Raw: []byte(`"x"`)},
				"rocksdb.data_path":                {Raw: []byte(`"/x"`)},
			}
		}, []string{
			"spec.extraConfig[admin.password]", "spec.extraConfig[broker_id]",
			"spec.extraConfig[mqtt_runtime.keep_alive.enable]", "spec.extraConfig[mqtt_runtime.keepalive.max_time]",
			"spec.extraConfig[rocksdb.data_path]",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fieldsOf(t, cluster(tc.mutate)))
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	c := cluster(func(c *RobustMQCluster) {
		c.Spec.Version = "v0.3.0"
		c.Spec.Environment = "qa"
		c.Spec.Listeners.Kafka.Port = 1883
	})
	assert.Len(t, c.Validate(), 3)
}
