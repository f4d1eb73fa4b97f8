package configkeys

import (
	"sort"
	"strings"
)

// RuntimeSection is a config type RobustMQ's admin API changes live: POST /api/cluster/config/set with
// {config_type, config}, config being the section as a JSON string (docs/robustmq.md §11.6, §11.9).
type RuntimeSection struct {
	// Type is the config_type the API takes.
	Type string
	// Field is the section's field under spec.runtimeConfig.
	Field string
	// Prefix is the server.toml table of the section; its keys are the JSON fields.
	Prefix string
	// Only, when set, limits the section to these keys of the table (KafkaDynamic holds one key of
	// [kafka_runtime]).
	Only []string
}

// RuntimeSections are the seven types whose API-set value RobustMQ re-applies over server.toml at every start
// (build_cluster_config, docs/robustmq.md §11.6). A server.toml value for their keys is silently overridden once
// the API has set the type, so these keys have one source: spec.runtimeConfig. MqttLimit, ClusterLimit and
// MetaRuntime are left out: after a restart the file wins again, so a value applied once by a Job would be lost.
var RuntimeSections = []RuntimeSection{
	{Type: "MqttProtocol", Field: "mqttProtocol", Prefix: "mqtt_runtime.protocol"},
	{Type: "MqttSlowSubscribeConfig", Field: "mqttSlowSubscribe", Prefix: "mqtt_runtime.slow_subscribe"},
	{Type: "MqttFlappingDetect", Field: "mqttFlappingDetect", Prefix: "mqtt_runtime.flapping_detect"},
	{Type: "MqttOfflineMessage", Field: "mqttOfflineMessage", Prefix: "mqtt_runtime.offline_message"},
	{Type: "MqttSchema", Field: "mqttSchema", Prefix: "mqtt_runtime.schema"},
	{Type: "MqttSystemMonitor", Field: "mqttSystemMonitor", Prefix: "mqtt_runtime.system_monitor"},
	{Type: "KafkaDynamic", Field: "kafkaDynamic", Prefix: "kafka_runtime", Only: []string{"auto_create_topics_enable"}},
}

// Keys are the section's keys, without the prefix, sorted.
func (s RuntimeSection) Keys() []string {
	if s.Only != nil {
		return s.Only
	}
	var out []string
	for k := range Keys {
		if rest, ok := strings.CutPrefix(k, s.Prefix+"."); ok && !strings.Contains(rest, ".") {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}

// KeyType returns the Rust type of one key of the section.
func (s RuntimeSection) KeyType(key string) (string, bool) {
	t, ok := Keys[s.Prefix+"."+key]
	return t, ok
}

// RuntimeSectionOf returns the runtime section a dotted server.toml key belongs to.
func RuntimeSectionOf(key string) (RuntimeSection, bool) {
	for _, s := range RuntimeSections {
		for _, k := range s.Keys() {
			if key == s.Prefix+"."+k {
				return s, true
			}
		}
	}
	return RuntimeSection{}, false
}

// RuntimeSectionByField returns the section of a spec.runtimeConfig field.
func RuntimeSectionByField(field string) (RuntimeSection, bool) {
	for _, s := range RuntimeSections {
		if s.Field == field {
			return s, true
		}
	}
	return RuntimeSection{}, false
}
