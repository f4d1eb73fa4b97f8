package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// The object rules re-check what the builders promise. They guard against a builder regressing, and they hold
// for objects other builders add later, whoever writes them.

// podSecurity: the restricted Pod Security Standard, plus a read-only root filesystem, which RobustMQ allows
// since it writes only to its data and log volumes (docs/robustmq.md §11.8).
func podSecurity(o any) []Finding {
	spec, prefix, ok := podSpecOf(o)
	if !ok {
		return nil
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	var out []Finding
	for _, ct := range containers(spec, prefix) {
		sc := ct.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		p := ct.path + ".securityContext"
		add := func(field, msg string) {
			out = append(out, Finding{Rule: RulePodSecurity, Field: at(o, p+"."+field), Message: fmt.Sprintf("container %s: %s", ct.Name, msg)})
		}
		if !isTrue(firstSet(sc.RunAsNonRoot, psc.RunAsNonRoot)) {
			add("runAsNonRoot", "may run as root; set runAsNonRoot: true")
		}
		if t := seccomp(sc, psc); t != corev1.SeccompProfileTypeRuntimeDefault && t != corev1.SeccompProfileTypeLocalhost {
			add("seccompProfile.type", "needs the RuntimeDefault or a Localhost seccomp profile")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			add("allowPrivilegeEscalation", "must set allowPrivilegeEscalation: false")
		}
		if isTrue(sc.Privileged) {
			add("privileged", "must not be privileged")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			add("capabilities.drop", "must drop ALL capabilities")
		}
		if sc.Capabilities != nil && slices.ContainsFunc(sc.Capabilities.Add, func(c corev1.Capability) bool { return c != "NET_BIND_SERVICE" }) {
			add("capabilities.add", "may add no capability but NET_BIND_SERVICE")
		}
		if !isTrue(sc.ReadOnlyRootFilesystem) {
			add("readOnlyRootFilesystem", "must set readOnlyRootFilesystem: true")
		}
	}
	return out
}

// resources: without requests the scheduler overpacks nodes, and without limits one broker under load starves
// its neighbours.
func resources(o any) []Finding {
	spec, prefix, ok := podSpecOf(o)
	if !ok {
		return nil
	}
	var out []Finding
	for _, ct := range containers(spec, prefix) {
		var missing []string
		for _, l := range []struct {
			name string
			list corev1.ResourceList
		}{{"requests", ct.Resources.Requests}, {"limits", ct.Resources.Limits}} {
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if q, ok := l.list[r]; !ok || q.Cmp(resource.Quantity{}) <= 0 {
					missing = append(missing, l.name+"."+string(r))
				}
			}
		}
		if len(missing) > 0 {
			out = append(out, Finding{Rule: RuleResources, Field: at(o, ct.path+".resources"),
				Message: fmt.Sprintf("container %s has no %s", ct.Name, strings.Join(missing, ", "))})
		}
	}
	return out
}

// serviceAccountToken: RobustMQ never calls the Kubernetes API, so a mounted token would only serve an attacker.
func serviceAccountToken(o any) []Finding {
	if sa, ok := o.(*corev1.ServiceAccount); ok {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			return []Finding{{Rule: RuleServiceAccountToken, Field: at(o, "automountServiceAccountToken"),
				Message: "must be false: RobustMQ never calls the Kubernetes API"}}
		}
		return nil
	}
	spec, prefix, ok := podSpecOf(o)
	if !ok || (spec.AutomountServiceAccountToken != nil && !*spec.AutomountServiceAccountToken) {
		return nil
	}
	return []Finding{{Rule: RuleServiceAccountToken, Field: at(o, prefix+".automountServiceAccountToken"),
		Message: "must be false: RobustMQ never calls the Kubernetes API, so a mounted token would only serve an attacker"}}
}

// plaintextExposed: a NodePort or LoadBalancer Service carries traffic from outside the cluster, where plain-text
// credentials and messages can be read on the way. Ports are matched to the model by target port name or number.
func plaintextExposed(c *topology.Cluster, o any) []Finding {
	svc, ok := o.(*corev1.Service)
	if !ok || (svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer) {
		return nil
	}
	var out []Finding
	for i, sp := range svc.Spec.Ports {
		np, known := modelPort(c, sp)
		if known && np.TLS {
			continue
		}
		f := Finding{Rule: RulePlaintextExposed, Field: at(o, fmt.Sprintf("spec.ports[%d]", i))}
		switch {
		case known && np.Path != "":
			f.Field = "spec.listeners." + np.Path + ".expose"
			f.Message = fmt.Sprintf("plain-text listener %s (%d/%s) is on %s Service %s: credentials and messages cross the network "+
				"unencrypted; expose only TLS listeners outside the cluster, or keep spec.service.type ClusterIP", np.Name, np.Port, np.Protocol, svc.Spec.Type, svc.Name)
		case known && np == c.Ports.Admin:
			f.Message = fmt.Sprintf("the http port %d is on %s Service %s: it serves the admin API and /mcp, which has no "+
				"authentication; never expose it outside the cluster", np.Port, svc.Spec.Type, svc.Name)
		default:
			f.Message = fmt.Sprintf("port %d on %s Service %s is not a TLS listener", sp.Port, svc.Spec.Type, svc.Name)
		}
		out = append(out, f)
	}
	return out
}

func modelPort(c *topology.Cluster, sp corev1.ServicePort) (v1alpha1.NamedPort, bool) {
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	target := sp.TargetPort
	if target.Type == intstr.Int && target.IntVal == 0 {
		target = intstr.FromInt32(sp.Port)
	}
	for _, np := range c.Ports.All {
		if np.Protocol != proto {
			continue
		}
		if (target.Type == intstr.String && target.StrVal == np.Name) || (target.Type == intstr.Int && target.IntVal == np.Port) {
			return np, true
		}
	}
	return v1alpha1.NamedPort{}, false
}

// secretRef is the only literal value an override of a credential may have: a TOML literal string around a
// reference to an earlier variable, which the kubelet expands (manifests.secretEnv).
var secretRef = regexp.MustCompile(`^'\$\(([A-Za-z_][A-Za-z0-9_]*)\)'$`)

// inlineSecrets: a credential written into a manifest ends up in Git. Messages never quote the value.
func inlineSecrets(o any) []Finding {
	if cm, ok := o.(*corev1.ConfigMap); ok {
		return inlineSecretsInConfig(cm)
	}
	spec, prefix, ok := podSpecOf(o)
	if !ok {
		return nil
	}
	overrides := map[string]string{}
	for _, k := range configkeys.CredentialKeys {
		overrides[configkeys.EnvOverride(k)] = k
	}
	var out []Finding
	for _, ct := range containers(spec, prefix) {
		fromSecret := map[string]bool{}
		for j, e := range ct.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				fromSecret[e.Name] = true
			}
			key, ok := overrides[e.Name]
			if !ok {
				continue
			}
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				continue
			}
			if m := secretRef.FindStringSubmatch(e.Value); e.ValueFrom == nil && m != nil && fromSecret[m[1]] {
				continue
			}
			out = append(out, Finding{Rule: RuleInlineSecret, Field: at(o, fmt.Sprintf("%s.env[%d]", ct.path, j)), Message: fmt.Sprintf(
				"container %s: %s must come from a Secret (a reference '$(VAR)' to an earlier variable with secretKeyRef), "+
					"not a value in the manifest", ct.Name, key)})
		}
	}
	return out
}

func inlineSecretsInConfig(cm *corev1.ConfigMap) []Finding {
	var out []Finding
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, file := range keys {
		if !strings.HasSuffix(file, ".toml") {
			continue
		}
		var doc map[string]any
		if err := toml.Unmarshal([]byte(cm.Data[file]), &doc); err != nil {
			continue // not a TOML this rule can read; other checks own its syntax
		}
		for _, k := range configkeys.CredentialKeys {
			if v, ok := configkeys.Lookup(doc, k); ok && v != "" {
				out = append(out, Finding{Rule: RuleInlineSecret, Field: at(cm, fmt.Sprintf("data[%s].%s", file, k)), Message: fmt.Sprintf(
					"%s has a value in the ConfigMap; credentials come from Secrets through spec.auth", k)})
			}
		}
	}
	return out
}

// podSpecOf returns the pod spec of a workload and its field path. Only the kinds the function generates are
// listed: each typed API package costs the function image hundreds of kilobytes.
func podSpecOf(o any) (*corev1.PodSpec, string, bool) {
	switch t := o.(type) {
	case *appsv1.StatefulSet:
		return &t.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.Deployment:
		return &t.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.DaemonSet:
		return &t.Spec.Template.Spec, "spec.template.spec", true
	case *corev1.Pod:
		return &t.Spec, "spec", true
	case *batchv1.Job:
		return &t.Spec.Template.Spec, "spec.template.spec", true
	}
	return nil, "", false
}

type container struct {
	corev1.Container
	path string
}

// containers lists init containers first, then the others, each with its field path.
func containers(spec *corev1.PodSpec, prefix string) []container {
	var out []container
	for i, c := range spec.InitContainers {
		out = append(out, container{c, fmt.Sprintf("%s.initContainers[%d]", prefix, i)})
	}
	for i, c := range spec.Containers {
		out = append(out, container{c, fmt.Sprintf("%s.containers[%d]", prefix, i)})
	}
	return out
}

// at names a field of a generated object: "StatefulSet/rmq-node: spec.template.spec...".
func at(o any, path string) string {
	kind := ""
	if k, ok := o.(interface{ GetObjectKind() schema.ObjectKind }); ok {
		kind = k.GetObjectKind().GroupVersionKind().Kind
	}
	if kind == "" {
		kind = strings.TrimPrefix(fmt.Sprintf("%T", o), "*")
	}
	name := ""
	if m, err := meta.Accessor(o); err == nil {
		name = m.GetName()
	}
	return fmt.Sprintf("%s/%s: %s", kind, name, path)
}

func seccomp(sc *corev1.SecurityContext, psc *corev1.PodSecurityContext) corev1.SeccompProfileType {
	switch {
	case sc.SeccompProfile != nil:
		return sc.SeccompProfile.Type
	case psc.SeccompProfile != nil:
		return psc.SeccompProfile.Type
	}
	return ""
}

func firstSet(ps ...*bool) *bool {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func isTrue(p *bool) bool { return p != nil && *p }
