package rules

import (
	"fmt"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// imageFiles are the files the image ships under /robustmq/config (docs/robustmq.md §1).
var imageFiles = map[string]bool{
	"/robustmq/config/server.toml":    true,
	"/robustmq/config/logger.toml":    true,
	"/robustmq/config/certs/ca.pem":   true,
	"/robustmq/config/certs/cert.pem": true,
	"/robustmq/config/certs/key.pem":  true,
}

// files: the logger file and, on broker nodes, the TLS pair must exist where server.toml says. A missing logger
// file panics at start-up (docs/robustmq.md §11.5); missing TLS files stop the MQTT start and the process exits
// (docs/robustmq.md §2). A volume mounted over /robustmq/config hides the image's own copies.
func files(inv *inventory.Inventory, n *inventory.Node) []Finding {
	if n.Config == nil || n.ConfigMap == nil {
		return nil
	}
	type file struct{ key, def string }
	want := []file{{"log.log_config", "./config/logger.toml"}}
	if n.Has("broker") {
		want = append(want, file{"broker_network.tls_cert", "./config/certs/cert.pem"}, file{"broker_network.tls_key", "./config/certs/key.pem"})
	}
	var out []Finding
	for _, f := range want {
		p := f.def
		if v, ok := n.Lookup(f.key); ok {
			if s, ok := v.(string); ok {
				p = s
			}
		}
		abs := n.Abs(p)
		if why := missing(inv, n, abs); why != "" {
			out = append(out, Finding{Rule: ConfigFile, Object: n.ConfigMap.Object, Field: n.ConfigField(f.key), Message: fmt.Sprintf(
				"%s is %s (%s): %s, and RobustMQ exits at start-up without it", f.key, abs, p, why)})
		}
	}
	return out
}

// missing says why a file is not in the container, or "" when it is there or cannot be known.
func missing(inv *inventory.Inventory, n *inventory.Node, abs string) string {
	mount, rel := n.MountFor(abs)
	if mount == nil {
		if imageFiles[abs] || n.WorkDir != inventory.ImageWorkDir {
			return ""
		}
		return "no volume holds it and the image does not have it"
	}
	v := n.Volume(mount.Name)
	if v == nil {
		return ""
	}
	hidden := ""
	if imageFiles[abs] {
		hidden = fmt.Sprintf(" (volume %s at %s hides the image's copy)", mount.Name, mount.MountPath)
	}
	switch {
	case v.EmptyDir != nil:
		return fmt.Sprintf("it would be on emptyDir %s, which starts empty%s", v.Name, hidden)
	case v.ConfigMap != nil:
		cm := inv.ConfigMaps[n.Namespace+"/"+v.ConfigMap.Name]
		if cm == nil {
			return ""
		}
		k := rel
		if len(v.ConfigMap.Items) > 0 {
			k = ""
			for _, it := range v.ConfigMap.Items {
				if it.Path == rel {
					k = it.Key
				}
			}
		}
		if _, ok := cm.CM.Data[k]; k == "" || !ok {
			if _, ok := cm.CM.BinaryData[k]; !ok || k == "" {
				return fmt.Sprintf("ConfigMap %s, mounted at %s, has no key %s%s", v.ConfigMap.Name, mount.MountPath, rel, hidden)
			}
		}
	case v.Secret != nil && len(v.Secret.Items) > 0:
		for _, it := range v.Secret.Items {
			if it.Path == rel {
				return ""
			}
		}
		return fmt.Sprintf("Secret volume %s, mounted at %s, has no item with path %s%s", v.Name, mount.MountPath, rel, hidden)
	}
	return ""
}
