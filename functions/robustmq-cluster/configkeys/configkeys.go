// Package configkeys knows which server.toml keys a RobustMQ release reads, and their types.
//
// The server silently ignores unknown keys (docs/robustmq.md §2), so a typo never fails at start-up: this list is how the
// function and its tests catch one. The list is derived from the release's source (src/common/config).
package configkeys

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

//go:embed v0.4.11.tsv
var v0411 string

// Keys maps every dotted key the release reads to its Rust type, e.g. "mqtt_runtime.server.tcp_port" -> "u32".
// meta_addrs is a table of broker_id -> "host:port"; its type is "*map".
var Keys = parse(v0411)

// Credential keys hold secrets. The function writes them empty and fills them from Secrets through the env
// override, so their values never reach a ConfigMap or Git.
const (
	KeyAdminUsername       = "admin.username"
	KeyAdminPassword       = "admin.password"
	KeyAdminJWTSecret      = "admin.jwt_secret"
	KeyMQTTDefaultUser     = "mqtt_runtime.auth.default_user"
	KeyMQTTDefaultPassword = "mqtt_runtime.auth.default_password"
	// KeyLLMToken has no Secret reference in the API yet, so it may not be set at all.
	KeyLLMToken = "llm_client.token"
)

// CredentialKeys are every key that holds a secret, for checks that no value of theirs is inlined.
var CredentialKeys = []string{
	KeyAdminUsername, KeyAdminPassword, KeyAdminJWTSecret, KeyMQTTDefaultUser, KeyMQTTDefaultPassword, KeyLLMToken,
}

// EnvOverride is the name of RobustMQ's env override for a dotted key: ROBUST_MQ_SERVER_<SECTION>_<KEY>. It
// replaces the value of a key already present in server.toml (docs/robustmq.md §3).
func EnvOverride(key string) string {
	return "ROBUST_MQ_SERVER_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Managed are the keys the function always writes itself, from the cluster spec. Users may not set them through
// extraConfig: they carry ids, topology, ports, paths, credentials and TLS, which other generated objects
// (Services, probes, NetworkPolicies, volumes, Secrets) must agree with.
var Managed = map[string]string{
	"cluster_name":                        "metadata.name",
	"broker_id":                           "pools[].brokerIdStart",
	"broker_ip":                           "set from the pod IP",
	"roles":                               "pools[].roles",
	"grpc_port":                           "fixed",
	"http_port":                           "fixed",
	"meta_addrs":                          "pools",
	"data_path":                           "fixed",
	"log.log_config":                      "logging",
	"log.log_path":                        "logging",
	"storage_runtime.tcp_port":            "fixed",
	"storage_runtime.data_path":           "fixed",
	"broker_network.tls_cert":             "tls",
	"broker_network.tls_key":              "tls",
	KeyAdminUsername:                      "auth.admin",
	KeyAdminPassword:                      "auth.admin",
	KeyAdminJWTSecret:                     "auth.jwtSecret",
	KeyMQTTDefaultUser:                    "auth.mqtt",
	KeyMQTTDefaultPassword:                "auth.mqtt",
	"mqtt_runtime.server.tcp_port":        "listeners.mqtt.tcp.port",
	"mqtt_runtime.server.tls_port":        "listeners.mqtt.tls.port",
	"mqtt_runtime.server.websocket_port":  "listeners.mqtt.websocket.port",
	"mqtt_runtime.server.websockets_port": "listeners.mqtt.websocketTLS.port",
	"mqtt_runtime.server.quic_port":       "listeners.mqtt.quic.port",
	"kafka_runtime.tcp_port":              "listeners.kafka.port",
	"amqp_runtime.tcp_port":               "listeners.amqp.port",
	"nats_runtime.tcp_port":               "listeners.nats.tcp.port",
	"nats_runtime.tls_port":               "listeners.nats.tls.port",
	"nats_runtime.ws_port":                "listeners.nats.websocket.port",
	"nats_runtime.wss_port":               "listeners.nats.websocketTLS.port",
	"runtime.default_topic_replica_num":   "runtime.defaultTopicReplicas",
	"runtime.default_topic_partition_num": "runtime.defaultTopicPartitions",
	KeyLLMToken:                           "a secret: not supported",
}

func parse(tsv string) map[string]string {
	keys := map[string]string{}
	for _, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, ok := strings.Cut(line, "\t")
		if !ok {
			panic(fmt.Sprintf("configkeys: malformed line %q", line))
		}
		keys[name] = typ
	}
	return keys
}

// Enums are the values serde accepts for the enum-typed keys of the release: the variant names as written, or
// renamed snake_case (src/common/config/src/config.rs, src/common/base/src/enum_type/delay_type.rs).
var Enums = map[string][]string{
	"SchemaStrategy":        {"ALL", "Any"},
	"SchemaFailedOperation": {"Discard", "DisconnectAndDiscard", "Ignore"},
	"DelayType":             {"Whole", "Internal", "Response"},
	"Option<LLMPlatform>": {"open_a_i", "open_a_i_resp", "gemini", "anthropic", "fireworks", "together", "groq",
		"mimo", "nebius", "xai", "deep_seek", "zai", "big_model", "cohere", "ollama"},
}

// intRange returns the bounds of a Rust integer type (usize and isize on 64-bit targets). Bounds past 2^53 are
// approximate, as JSON numbers are.
func intRange(typ string) (lo, hi float64, ok bool) {
	switch typ {
	case "u8":
		return 0, math.MaxUint8, true
	case "u16":
		return 0, math.MaxUint16, true
	case "u32":
		return 0, math.MaxUint32, true
	case "u64", "usize":
		return 0, math.MaxUint64, true
	case "i8":
		return math.MinInt8, math.MaxInt8, true
	case "i16":
		return math.MinInt16, math.MaxInt16, true
	case "i32":
		return math.MinInt32, math.MaxInt32, true
	case "i64", "isize":
		return math.MinInt64, math.MaxInt64, true
	}
	return 0, 0, false
}

// CheckValue reports whether a decoded JSON value fits the Rust type of a key: integers within their type's
// range, enums among their variants. RobustMQ refuses the whole file at start-up otherwise.
func CheckValue(typ string, v any) error {
	inner := typ
	if rest, ok := strings.CutPrefix(typ, "Option<"); ok {
		inner = strings.TrimSuffix(rest, ">")
	}
	if lo, hi, ok := intRange(inner); ok {
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return fmt.Errorf("want an integer")
		}
		if f < lo || f > hi {
			return fmt.Errorf("want an integer from %.0f to %.0f", lo, hi)
		}
		return nil
	}
	if values, ok := Enums[typ]; ok {
		s, ok := v.(string)
		if !ok || !slices.Contains(values, s) {
			return fmt.Errorf("want one of %s (case matters)", strings.Join(values, ", "))
		}
		return nil
	}
	switch inner {
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want true or false")
		}
	case "String":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("want a string")
		}
	case "Vec<String>":
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want a list of strings")
		}
		for _, e := range l {
			if _, ok := e.(string); !ok {
				return fmt.Errorf("want a list of strings")
			}
		}
	case "f32", "f64":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("want a number")
		}
	default:
		return fmt.Errorf("values of type %s are not supported", typ)
	}
	return nil
}

// Unknown parses a server.toml document and returns every key in it that the release does not read, sorted.
// Tables are walked to their leaves; meta_addrs is one key whose entries are broker ids.
func Unknown(doc map[string]any) []string {
	var unknown []string
	var walk func(prefix string, t map[string]any)
	walk = func(prefix string, t map[string]any) {
		for k, v := range t {
			key := prefix + k
			if _, ok := Keys[key]; ok {
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				walk(key+".", sub)
				continue
			}
			unknown = append(unknown, key)
		}
	}
	walk("", doc)
	sort.Strings(unknown)
	return unknown
}

// Lookup returns the value of a dotted key in a parsed server.toml document.
func Lookup(doc map[string]any, dotted string) (any, bool) {
	parts := strings.Split(dotted, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := doc[p].(map[string]any)
		if !ok {
			return nil, false
		}
		doc = next
	}
	v, ok := doc[parts[len(parts)-1]]
	return v, ok
}
