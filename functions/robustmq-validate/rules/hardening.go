package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	clusterapi "github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/policy"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// hardening runs the generator's one-object rules (policy.CheckObject) on every RobustMQ workload, the ConfigMaps
// its nodes read and the ServiceAccount its pods use, and checks that a NetworkPolicy applies to its pods.
func hardening(inv *inventory.Inventory) []Finding {
	var out []Finding
	seen := map[*inventory.Object]bool{}
	run := func(o *inventory.Object, typed any) {
		if seen[o] {
			return
		}
		seen[o] = true
		for _, f := range policy.CheckObject(typed) {
			out = append(out, Finding{Rule: f.Rule, Object: o, Field: policy.FieldPath(f), Message: f.Message})
		}
	}
	for _, n := range inv.Nodes {
		run(n.Object, n.Typed)
		if n.ConfigMap != nil {
			run(n.ConfigMap.Object, &n.ConfigMap.CM)
		}
		sa := n.Spec.ServiceAccountName
		if sa == "" {
			sa = "default"
		}
		if s := inv.ServiceAccounts[n.Namespace+"/"+sa]; s != nil {
			run(s.Object, &s.SA)
		}
		out = append(out, networkPolicies(inv, n)...)
	}
	return out
}

// networkPolicies: without an ingress policy every pod of the cluster reaches Raft, the admin API and /mcp,
// which has no authentication (docs/robustmq.md §11.9).
func networkPolicies(inv *inventory.Inventory, n *inventory.Node) []Finding {
	for _, np := range inv.NetworkPolicies {
		if np.KO.GetNamespace() != n.Namespace || !selects(&np.NP.Spec.PodSelector, n.PodLabels) {
			continue
		}
		types := np.NP.Spec.PolicyTypes
		if len(types) == 0 || strings.Contains(fmt.Sprint(types), "Ingress") {
			return nil
		}
	}
	return []Finding{{Rule: NetworkPolicy, Object: n.Object, Field: podLabelsField(n), Message: fmt.Sprintf(
		"no NetworkPolicy restricts ingress to the pods of %s %s: any pod can reach the Raft port and the admin API, "+
			"which serves /mcp without authentication (docs/robustmq.md §11.9)", n.Kind, n.Name)}}
}

func podLabelsField(n *inventory.Node) string {
	if n.Kind == "Pod" {
		return "metadata.labels"
	}
	return "spec.template.metadata.labels"
}

// credentials whose built-in defaults are public in RobustMQ's source (docs/robustmq.md §2, §11.9), by role ("" is
// every node).
var credentials = []struct{ role, key, fallback string }{
	{"", configkeys.KeyAdminPassword, "admin/admin"},
	{"", configkeys.KeyAdminJWTSecret, "the public robustmq-change-me-in-production, so anyone can forge an admin token"},
	{"broker", configkeys.KeyMQTTDefaultPassword, "admin/robustmq"},
}

// auth: each credential comes from a Secret through the env override, which only replaces keys already in the
// file (docs/robustmq.md §3). A value written in the manifest is the inline-secret rule's.
func auth(n *inventory.Node) []Finding {
	if n.Config == nil || n.ConfigMap == nil {
		return nil
	}
	var out []Finding
	for _, c := range credentials {
		if c.role != "" && !n.Has(c.role) {
			continue
		}
		v, inFile := n.Lookup(c.key)
		if s, ok := v.(string); ok && s != "" {
			continue
		}
		env := -1
		for i, e := range n.Container.Env {
			if e.Name == configkeys.EnvOverride(c.key) {
				env = i
			}
		}
		switch {
		case !inFile && env >= 0:
			out = append(out, Finding{Rule: AuthSecret, Object: n.ConfigMap.Object, Field: n.ConfigField(c.key), Message: fmt.Sprintf(
				"%s is not in server.toml, so %s changes nothing and RobustMQ falls back to %s", c.key, configkeys.EnvOverride(c.key), c.fallback)})
		case !inFile:
			out = append(out, Finding{Rule: AuthSecret, Object: n.ConfigMap.Object, Field: n.ConfigField(c.key), Message: fmt.Sprintf(
				"%s is not set: RobustMQ falls back to %s; write it empty and fill it from a Secret through %s", c.key, c.fallback,
				configkeys.EnvOverride(c.key))})
		case env < 0:
			out = append(out, Finding{Rule: AuthSecret, Object: n.Object, Field: n.ContainerPath + ".env", Message: fmt.Sprintf(
				"container %s: %s is empty in server.toml and no %s fills it from a Secret", n.Container.Name, c.key, configkeys.EnvOverride(c.key))})
		case !inventory.FromSecret(n.Container.Env, env) && n.Container.Env[env].Value == "":
			out = append(out, Finding{Rule: AuthSecret, Object: n.Object, Field: fmt.Sprintf("%s.env[%d]", n.ContainerPath, env), Message: fmt.Sprintf(
				"container %s: %s does not come from a Secret", n.Container.Name, configkeys.EnvOverride(c.key))})
		}
	}
	return out
}

var releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)

// image: the config rules hold for one release, so the image must run it; a moving tag may run another release
// after any restart (the generator's image-tag rule).
func image(n *inventory.Node, opts Options) []Finding {
	ref := n.Container.Image
	digest := strings.Contains(ref, "@")
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	tag := ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		tag = ref[i+1:]
	}
	field := n.ContainerPath + ".image"
	var out []Finding
	switch {
	case releaseTag.MatchString(tag) && opts.VersionSet && tag != opts.Version:
		out = append(out, Finding{Rule: ImageVersion, Object: n.Object, Field: field, Message: fmt.Sprintf(
			"container %s runs RobustMQ %s, but the manifests are checked against %s (functionConfig spec.version)", n.Container.Name, tag, opts.Version)})
	case releaseTag.MatchString(tag) && !slices.Contains(clusterapi.SupportedVersions, tag):
		out = append(out, Finding{Rule: ImageVersion, Object: n.Object, Field: field, Message: fmt.Sprintf(
			"container %s runs RobustMQ %s; these rules know the server.toml layout of %v only, and older releases "+
				"silently ignore its keys (docs/robustmq.md §2)", n.Container.Name, tag, clusterapi.SupportedVersions)})
	case tag == "" && !digest, tag == "latest":
		out = append(out, Finding{Rule: ImageTag, Object: n.Object, Field: field, Message: fmt.Sprintf(
			"container %s: image %s moves with every release, so pods restarted at different times run different versions "+
				"under one server.toml; use a release tag such as %s and a digest", n.Container.Name, n.Container.Image, opts.Version)})
	case opts.Prod && !digest && !releaseTag.MatchString(tag):
		out = append(out, Finding{Rule: ImageTag, Object: n.Object, Field: field, Message: fmt.Sprintf(
			"container %s: tag %q is not a release tag (vX.Y.Z) and may be moved; pin a digest", n.Container.Name, tag)})
	}
	return out
}
