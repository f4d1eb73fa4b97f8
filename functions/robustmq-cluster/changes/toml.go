package changes

import (
	"fmt"
	"reflect"

	"github.com/pelletier/go-toml/v2"
	corev1 "k8s.io/api/core/v1"
)

const (
	serverFile = "server.toml"
	loggerFile = "logger.toml"
)

// configReasons names the server.toml keys that changed (dotted, as RobustMQ's override names them) and whether
// logger.toml changed.
func configReasons(o, n *corev1.ConfigMap) []string {
	if o == nil || n == nil {
		return []string{"the rendered configuration changed"}
	}
	var why []string
	if k := tomlKeys(o.Data[serverFile], n.Data[serverFile]); k != "" {
		why = append(why, "server.toml keys "+k)
	}
	if o.Data[loggerFile] != n.Data[loggerFile] {
		why = append(why, "logger.toml changed")
	}
	if len(why) == 0 {
		why = append(why, "the rendered configuration changed")
	}
	return why
}

// tomlKeys lists the leaf keys added (+), removed (-) or changed (~) between two TOML documents.
func tomlKeys(a, b string) string {
	if a == b {
		return ""
	}
	var am, bm map[string]any
	if toml.Unmarshal([]byte(a), &am) != nil || toml.Unmarshal([]byte(b), &bm) != nil {
		return "(unreadable server.toml)"
	}
	fa, fb := map[string]any{}, map[string]any{}
	flatten("", am, fa)
	flatten("", bm, fb)
	var parts []string
	for _, k := range sortedNames(fb) {
		if v, ok := fa[k]; !ok {
			parts = append(parts, "+"+k)
		} else if !reflect.DeepEqual(v, fb[k]) {
			parts = append(parts, "~"+k)
		}
	}
	for _, k := range sortedNames(fa) {
		if _, ok := fb[k]; !ok {
			parts = append(parts, "-"+k)
		}
	}
	return joinList(parts)
}

func flatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		name := k
		if prefix != "" {
			name = fmt.Sprintf("%s.%s", prefix, k)
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(name, sub, out)
			continue
		}
		out[name] = v
	}
}
