package servertoml

import (
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

func topologies() map[string]*topology.Cluster {
	mk := func(env v1alpha1.Environment, mutate func(*v1alpha1.RobustMQCluster)) *topology.Cluster {
		c := &v1alpha1.RobustMQCluster{}
		c.Name = "mq"
		c.Spec.Environment = env
		if mutate != nil {
			mutate(c)
		}
		c.Default()
		if errs := c.Validate(); len(errs) > 0 {
			panic(errs.ToAggregate())
		}
		t, err := topology.Resolve(c)
		if err != nil {
			panic(err)
		}
		return t
	}
	return map[string]*topology.Cluster{
		"dev single node": mk(v1alpha1.Dev, nil),
		"staging three nodes with auth and tls": mk(v1alpha1.Staging, func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Auth = v1alpha1.Auth{
				MQTT:      &v1alpha1.CredentialsRef{SecretName: "mqtt"},
				Admin:     &v1alpha1.CredentialsRef{SecretName: "admin"},
				JWTSecret: &v1alpha1.SecretKeyRef{Name: "admin", Key: "jwt"},
			}
			c.Spec.TLS.SecretName = "tls"
			c.Spec.ExtraConfig = map[string]v1alpha1.ConfigValue{
				"mqtt_runtime.keep_alive.max_time": {Raw: []byte("3600")},
				"runtime.pprof_enable":             {Raw: []byte("false")},
			}
		}),
		"prod split pools": mk(v1alpha1.Prod, func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Pools = []v1alpha1.Pool{
				{Name: "meta", Roles: []v1alpha1.Role{v1alpha1.RoleMeta}, Replicas: ptr.To[int32](5), BrokerIDStart: ptr.To[int32](1)},
				{Name: "broker", Roles: []v1alpha1.Role{v1alpha1.RoleBroker}, Replicas: ptr.To[int32](2), BrokerIDStart: ptr.To[int32](101)},
				{Name: "engine", Roles: []v1alpha1.Role{v1alpha1.RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](201)},
			}
		}),
	}
}

// Every server.toml parses, uses only keys the pinned release reads, and has the keys it cannot do without.
func TestServerTOMLUsesOnlyKnownKeys(t *testing.T) {
	for name, c := range topologies() {
		for _, p := range c.Pools {
			t.Run(name+"/"+p.Name, func(t *testing.T) {
				b, err := Server(c, p)
				require.NoError(t, err)
				var doc map[string]any
				require.NoError(t, toml.Unmarshal(b, &doc), string(b))
				assert.Empty(t, configkeys.Unknown(doc), "keys RobustMQ would silently ignore")

				required := []string{"cluster_name", "broker_id", "roles", "grpc_port", "http_port", "data_path", "meta_addrs",
					"log.log_config", "log.log_path", "runtime.default_topic_replica_num", "runtime.default_topic_partition_num"}
				if p.Has(v1alpha1.RoleEngine) {
					required = append(required, "storage_runtime.data_path", "storage_runtime.tcp_port")
				}
				if p.Has(v1alpha1.RoleBroker) {
					required = append(required, "broker_network.tls_cert", "broker_network.tls_key", "mqtt_runtime.server.tcp_port")
				}
				for _, k := range required {
					assert.Contains(t, flatKeys(doc), k)
				}
				assert.NotContains(t, flatKeys(doc), "broker_ip", "the pod IP is advertised through ROBUSTMQ_BROKER_IP")
			})
		}
	}
}

func TestMetaAddrsListEveryMetaPod(t *testing.T) {
	c := topologies()["prod split pools"]
	doc, err := Document(c, c.Pools[1])
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"1": "mq-meta-1.mq-meta-headless:1228",
		"2": "mq-meta-2.mq-meta-headless:1228",
		"3": "mq-meta-3.mq-meta-headless:1228",
		"4": "mq-meta-4.mq-meta-headless:1228",
		"5": "mq-meta-5.mq-meta-headless:1228",
	}, doc["meta_addrs"])
	assert.Equal(t, []string{"broker"}, doc["roles"])
	assert.NotContains(t, doc, "storage_runtime", "only engine pools configure the engine")
}

// Secrets are only placeholders in the file; the env override names match RobustMQ's naming rule.
func TestSecretsAreNeverInTheFile(t *testing.T) {
	c := topologies()["staging three nodes with auth and tls"]
	doc, err := Document(c, c.Pools[0])
	require.NoError(t, err)
	assert.Equal(t, "", doc["admin"].(map[string]any)["password"])
	assert.Equal(t, "ROBUST_MQ_SERVER_MQTT_RUNTIME_AUTH_DEFAULT_PASSWORD", configkeys.EnvOverride("mqtt_runtime.auth.default_password"))
	assert.Equal(t, "ROBUST_MQ_SERVER_BROKER_ID", configkeys.EnvOverride("broker_id"))
	assert.Equal(t, TLSCertFile, doc["broker_network"].(map[string]any)["tls_cert"])
	assert.Equal(t, int64(3600), doc["mqtt_runtime"].(map[string]any)["keep_alive"].(map[string]any)["max_time"])
}

// The env override only replaces a key that is already a line of the file (docs/robustmq.md §3): broker_id must
// be there.
func TestBrokerIDLineIsOverridable(t *testing.T) {
	c := topologies()["dev single node"]
	b, err := Server(c, c.Pools[0])
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(b), "\n"), "broker_id = 0")
}

func TestLoggerIsConsoleOnly(t *testing.T) {
	for name, c := range topologies() {
		b, err := Logger(&c.Spec)
		require.NoError(t, err)
		var doc map[string]map[string]any
		require.NoError(t, toml.Unmarshal(b, &doc), name)
		require.Len(t, doc, 1, "one appender")
		assert.Equal(t, "console", doc["stdout"]["kind"])
		assert.Equal(t, false, doc["stdout"]["ansi"])
		if c.Spec.Logging.Format == "json" {
			assert.Equal(t, "json", doc["stdout"]["formatter"])
		}
	}
}

// configkeys.Managed is the set of keys this package writes from the spec (plus broker_ip, which it leaves out on
// purpose, and llm_client.token, which has no Secret reference yet). A cluster using every feature writes them all.
func TestManagedKeysAreTheKeysWritten(t *testing.T) {
	written := map[string]bool{}
	for name, c := range topologies() {
		for _, p := range c.Pools {
			doc, err := Document(c, p)
			require.NoError(t, err, name)
			for _, k := range flatKeys(doc) {
				if _, extra := c.Spec.ExtraConfig[k]; !extra {
					written[k] = true
				}
			}
		}
	}
	notWritten := map[string]bool{"broker_ip": true, configkeys.KeyLLMToken: true}
	for k := range configkeys.Managed {
		assert.True(t, written[k] != notWritten[k], "configkeys.Managed[%q]: written=%v", k, written[k])
	}
	for k := range written {
		assert.Contains(t, configkeys.Managed, k, "written from the spec, so extraConfig must not set it")
	}
}

func flatKeys(doc map[string]any) []string {
	var out []string
	var walk func(string, map[string]any)
	walk = func(prefix string, t map[string]any) {
		for k, v := range t {
			if sub, ok := v.(map[string]any); ok && prefix+k != "meta_addrs" {
				walk(prefix+k+".", sub)
				continue
			}
			out = append(out, prefix+k)
		}
	}
	walk("", doc)
	return out
}
