package policy

import "strings"

// ObjectRules are the rules that read one object and nothing of the cluster spec. The generator runs them on its
// own output (Check) and the robustmq-validate function on any manifests: one implementation, two entry points.
var ObjectRules = []string{RulePodSecurity, RuleResources, RuleServiceAccountToken, RuleInlineSecret}

// CheckObject runs ObjectRules on one typed object (*appsv1.StatefulSet, *appsv1.Deployment, *appsv1.DaemonSet,
// *corev1.Pod, *corev1.ServiceAccount or *corev1.ConfigMap); other kinds have no findings. Finding.Field is
// "<Kind>/<name>: <path>"; FieldPath splits it.
func CheckObject(o any) []Finding {
	var out []Finding
	out = append(out, podSecurity(o)...)
	out = append(out, resources(o)...)
	out = append(out, serviceAccountToken(o)...)
	out = append(out, inlineSecrets(o)...)
	return out
}

// FieldPath is the field path of an object finding, without the "<Kind>/<name>: " prefix.
func FieldPath(f Finding) string {
	if _, p, ok := strings.Cut(f.Field, ": "); ok {
		return p
	}
	return f.Field
}
