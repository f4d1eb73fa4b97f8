// Package servertoml renders RobustMQ's server.toml and logger.toml for one pool of a cluster.
//
// Every key written here is one the pinned release reads (configkeys); values that RobustMQ defaults
// inconsistently (facts §9) are always written explicitly.
package servertoml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Paths inside the container. The ConfigMap is mounted outside /robustmq/config so the image's own files stay
// visible, and every path the server writes is on a volume so the root filesystem can be read-only.
const (
	ConfigDir    = "/robustmq/etc"
	ServerFile   = "server.toml"
	LoggerFile   = "logger.toml"
	DataDir      = "/robustmq/data"
	EngineDir    = DataDir + "/engine"
	LogDir       = "/robustmq/logs"
	TLSDir       = "/robustmq/tls"
	TLSCertFile  = TLSDir + "/tls.crt"
	TLSKeyFile   = TLSDir + "/tls.key"
	ImageTLSCert = "/robustmq/config/certs/cert.pem"
	ImageTLSKey  = "/robustmq/config/certs/key.pem"
)

// BrokerIDPlaceholder is written as broker_id and replaced at start-up through the env override
// ROBUST_MQ_SERVER_BROKER_ID, which RobustMQ applies only to keys already present in the file (facts §3).
// If the override ever failed, a meta node would find no meta_addrs entry for id 0 and exit instead of joining
// under a wrong id.
const BrokerIDPlaceholder = 0

// EnvOverride is the name of RobustMQ's env override for a dotted key: ROBUST_MQ_SERVER_<SECTION>_<KEY>.
func EnvOverride(key string) string {
	return "ROBUST_MQ_SERVER_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// SecretKeys are written with an empty value and filled from Secrets through env overrides, so no secret ever
// appears in the ConfigMap.
func SecretKeys(s *v1alpha1.Spec) []string {
	var keys []string
	if s.Auth.Admin != nil {
		keys = append(keys, "admin.username", "admin.password")
	}
	if s.Auth.JWTSecret != nil {
		keys = append(keys, "admin.jwt_secret")
	}
	if s.Auth.MQTT != nil {
		keys = append(keys, "mqtt_runtime.auth.default_user", "mqtt_runtime.auth.default_password")
	}
	return keys
}

// Server renders server.toml for one pool.
func Server(c *v1alpha1.RobustMQCluster, pool *v1alpha1.Pool) ([]byte, error) {
	doc, err := Document(c, pool)
	if err != nil {
		return nil, err
	}
	return encode(doc)
}

// Document is server.toml as nested tables, before encoding. Tests read it to check keys against configkeys.
func Document(c *v1alpha1.RobustMQCluster, pool *v1alpha1.Pool) (map[string]any, error) {
	s := &c.Spec
	roles := make([]string, len(pool.Roles))
	for i, r := range pool.Roles {
		roles[i] = string(r)
	}
	doc := map[string]any{}
	set := func(key string, v any) {
		parts := strings.Split(key, ".")
		t := doc
		for _, p := range parts[:len(parts)-1] {
			next, ok := t[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				t[p] = next
			}
			t = next
		}
		t[parts[len(parts)-1]] = v
	}

	set("cluster_name", c.Name)
	set("broker_id", BrokerIDPlaceholder)
	set("roles", roles)
	set("grpc_port", v1alpha1.GRPCPort)
	set("http_port", v1alpha1.HTTPPort)
	set("data_path", DataDir)
	set("meta_addrs", metaAddrs(c))
	set("log.log_config", ConfigDir+"/"+LoggerFile)
	set("log.log_path", LogDir)
	set("runtime.default_topic_partition_num", *s.Runtime.DefaultTopicPartitions)
	set("runtime.default_topic_replica_num", *s.Runtime.DefaultTopicReplicas)

	if pool.Has(v1alpha1.RoleEngine) {
		// Without a data path an engine node exits at start-up (facts §6); 1778 is written because the code
		// default is 1779 once the section exists (facts §2).
		set("storage_runtime.tcp_port", v1alpha1.EnginePort)
		set("storage_runtime.data_path", []string{EngineDir})
	}
	if pool.Has(v1alpha1.RoleBroker) {
		cert, key := ImageTLSCert, ImageTLSKey
		if s.TLS.SecretName != "" || s.TLS.CertManager != nil {
			cert, key = TLSCertFile, TLSKeyFile
		}
		set("broker_network.tls_cert", cert)
		set("broker_network.tls_key", key)
		l := &s.Listeners
		set("mqtt_runtime.server.tcp_port", l.MQTT.TCP.Port)
		set("mqtt_runtime.server.tls_port", l.MQTT.TLS.Port)
		set("mqtt_runtime.server.websocket_port", l.MQTT.WebSocket.Port)
		set("mqtt_runtime.server.websockets_port", l.MQTT.WebSocketTLS.Port)
		set("mqtt_runtime.server.quic_port", l.MQTT.QUIC.Port)
		set("kafka_runtime.tcp_port", l.Kafka.Port)
		set("amqp_runtime.tcp_port", l.AMQP.Port)
		set("nats_runtime.tcp_port", l.NATS.TCP.Port)
		set("nats_runtime.tls_port", l.NATS.TLS.Port)
		set("nats_runtime.ws_port", l.NATS.WebSocket.Port)
		set("nats_runtime.wss_port", l.NATS.WebSocketTLS.Port)
	}
	for _, k := range SecretKeys(s) {
		set(k, "")
	}
	keys := make([]string, 0, len(s.ExtraConfig))
	for k := range s.ExtraConfig {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var v any
		if err := json.Unmarshal(s.ExtraConfig[k].Raw, &v); err != nil {
			return nil, fmt.Errorf("decode extraConfig %q: %w", k, err)
		}
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			v = int64(f) // JSON numbers decode as float64; TOML integer keys need integers
		}
		set(k, v)
	}
	return doc, nil
}

// metaAddrs lists every meta node by broker_id, addressed by its stable headless-Service DNS name: Raft stores
// these strings, so pod IPs would break on the first reschedule (facts §7).
func metaAddrs(c *v1alpha1.RobustMQCluster) map[string]any {
	n := naming.For(c)
	addrs := map[string]any{}
	for i := range c.Spec.Pools {
		p := &c.Spec.Pools[i]
		if !p.Has(v1alpha1.RoleMeta) {
			continue
		}
		for id := *p.BrokerIDStart; id < *p.BrokerIDStart+*p.Replicas; id++ {
			addrs[strconv.Itoa(int(id))] = fmt.Sprintf("%s:%d", n.PodHost(p.Name, id), v1alpha1.GRPCPort)
		}
	}
	return addrs
}

// Logger renders a console-only logger.toml: the image's own logger writes rolling files into the data volume
// (facts §11.5), which a container should not do.
func Logger(s *v1alpha1.Spec) ([]byte, error) {
	level := string(s.Logging.Level)
	// openraft is very chatty below info; keep it at info or above.
	raft := level
	if level == "trace" || level == "debug" {
		raft = "info"
	}
	stdout := map[string]any{
		"kind": "console",
		"ansi": false,
		"targets": []map[string]any{
			{"path": "", "level": level},
			{"path": "openraft", "level": raft},
			{"path": "async_nats", "level": "warn"},
		},
	}
	if s.Logging.Format == "json" {
		stdout["formatter"] = "json"
	}
	return encode(map[string]any{"stdout": stdout})
}

func encode(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode toml: %w", err)
	}
	return buf.Bytes(), nil
}
