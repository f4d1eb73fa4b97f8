package rules

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// ValidRoles are the roles RobustMQ knows (docs/robustmq.md §1).
var ValidRoles = map[string]bool{"meta": true, "broker": true, "engine": true}

// oldLayout explains keys of older layouts, by their first dotted part (docs/robustmq.md §2, §5).
var oldLayout = map[string]string{
	"prometheus":       "[prometheus] was removed in v0.4.1: metrics are always on http_port at /metrics",
	"pprof":            "[pprof] was removed in v0.4.1: use runtime.pprof_enable",
	"rocksdb":          "[rocksdb] was removed in v0.4.1: RocksDB lives under the top-level data_path",
	"node_id":          "node_id is the pre-v0.1.29 name: the key is broker_id",
	"placement_center": "placement-center is the pre-v0.1.29 name of the meta role: the key is meta_addrs",
	"meta_service":     "the meta nodes are listed in meta_addrs",
	"journal":          "journal is the old name of the engine role: its settings are in [storage_runtime]",
	"journal_runtime":  "journal is the old name of the engine role: its settings are in [storage_runtime]",
	"mqtt_server":      "the v0.4.1–v0.4.9 layout: since v0.4.10 the MQTT ports are in [mqtt_runtime.server]",
	"mqtt_auth":        "the v0.4.1–v0.4.9 layout: since v0.4.10 MQTT credentials are in [mqtt_runtime.auth]",
	"mqtt_keep_alive":  "the v0.4.1–v0.4.9 layout: since v0.4.10 it is [mqtt_runtime.keep_alive]",
	"mqtt_protocol":    "the v0.4.1–v0.4.9 layout: since v0.4.10 it is [mqtt_runtime.protocol]",
	"network":          "the v0.4.1–v0.4.9 layout: since v0.4.10 listener threads and TLS are in [broker_network]",
}

// config: the server.toml a node reads exists, parses, has only keys the release reads, with values of the right
// type, and the keys RobustMQ needs but defaults badly (docs/robustmq.md §2, §6, §9).
func config(n *inventory.Node) []Finding {
	var out []Finding
	wl := func(rule, field, msg string) {
		out = append(out, Finding{Rule: rule, Object: n.Object, Field: field, Message: fmt.Sprintf("container %s: %s", n.Container.Name, msg)})
	}
	switch {
	case n.FromImage && n.ConfPath == inventory.ImageServerToml:
		wl(ConfigSource, n.ContainerPath+".volumeMounts", fmt.Sprintf("no volume holds %s, so the process reads the image's own "+
			"single-node file, which has no storage_runtime.data_path and exits at start-up (docs/robustmq.md §1, §6); mount a "+
			"ConfigMap with server.toml and pass --conf", n.ConfPath))
		return out
	case n.FromImage:
		wl(ConfigSource, n.ContainerPath+".args", fmt.Sprintf("the process reads %s, which no volume of the pod holds and the "+
			"image does not have", n.ConfPath))
		return out
	case n.MissingConfigMap != "":
		wl(ConfigSource, n.ContainerPath+".volumeMounts", fmt.Sprintf("server.toml comes from ConfigMap %s, which is not in the "+
			"manifests: its config cannot be checked, and the pod does not start without it", n.MissingConfigMap))
		return out
	case n.ConfigMap == nil:
		return out // a Secret or another volume: nothing to read
	}
	cm := n.ConfigMap.Object
	at := func(rule, key, msg string) {
		out = append(out, Finding{Rule: rule, Object: cm, Field: n.ConfigField(key), Message: msg})
	}
	if n.ConfigError != nil {
		msg := n.ConfigError.Error()
		var de *toml.DecodeError
		if errors.As(n.ConfigError, &de) {
			row, col := de.Position()
			msg = fmt.Sprintf("line %d, column %d: %s", row, col, de.Error())
		}
		at(ConfigParse, "", "server.toml does not parse, and RobustMQ exits at start-up: "+msg)
		return out
	}
	for _, k := range configkeys.Unknown(n.Config) {
		msg := fmt.Sprintf("RobustMQ does not read %s and silently ignores it (docs/robustmq.md §2)", k)
		first, _, _ := strings.Cut(k, ".")
		if hint, ok := oldLayout[first]; ok {
			msg += ": " + hint
		}
		at(ConfigUnknownKey, k, msg)
	}
	keys := make([]string, 0, len(configkeys.Keys))
	for k := range configkeys.Keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		typ := configkeys.Keys[k]
		v, ok := n.Lookup(k)
		if !ok || typ == "*map" {
			continue
		}
		if err := configkeys.CheckValue(typ, jsonLike(v)); err != nil {
			at(ConfigValueType, k, fmt.Sprintf("%s: %v; RobustMQ refuses the file at start-up", k, err))
		}
	}
	required(n, at)
	if v, ok := n.Lookup("roles"); ok {
		l, _ := v.([]any)
		if len(l) == 0 {
			at(ConfigRoles, "roles", "roles is empty: the node runs nothing but its gRPC and admin ports")
		}
		for _, r := range l {
			s, _ := r.(string)
			if !ValidRoles[s] {
				msg := fmt.Sprintf("unknown role %q; RobustMQ knows meta, broker and engine", s)
				if s == "journal" {
					msg += " (journal is the old name of engine)"
				}
				at(ConfigRoles, "roles", msg)
			}
		}
	}
	return out
}

// required keys: RobustMQ has a default for each, but the default is wrong on Kubernetes (docs/robustmq.md §2, §6, §9).
func required(n *inventory.Node, at func(rule, key, msg string)) {
	if _, ok := n.Lookup("roles"); !ok {
		at(ConfigRequired, "roles", "no roles: the code default is [\"broker\",\"meta\"], without engine, whatever the docs say; "+
			"write the roles explicitly")
	}
	if _, ok := n.Lookup("meta_addrs"); !ok {
		at(ConfigRequired, "meta_addrs", "no meta_addrs: the default {1 = \"127.0.0.1:1228\"} makes every node its own "+
			"single-node cluster")
	}
	if n.Has("engine") {
		v, ok := n.Lookup("storage_runtime.data_path")
		l, _ := v.([]any)
		if !ok || len(l) == 0 {
			at(ConfigRequired, "storage_runtime.data_path", "an engine node without storage_runtime.data_path registers no "+
				"storage folder and exits at start-up (docs/robustmq.md §6)")
		}
		if _, ok := n.Lookup("storage_runtime.tcp_port"); !ok {
			at(ConfigRequired, "storage_runtime.tcp_port", "no storage_runtime.tcp_port: the default is 1778 without the "+
				"[storage_runtime] section and 1779 with it (docs/robustmq.md §2); write it explicitly")
		}
	}
}

// jsonLike converts TOML-decoded values to the JSON shapes configkeys.CheckValue reads.
func jsonLike(v any) any {
	switch t := v.(type) {
	case int64:
		return float64(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonLike(e)
		}
		return out
	}
	return v
}
