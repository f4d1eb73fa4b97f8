package manifests

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

// podSecurityContext satisfies the restricted Pod Security Standard. The image's USER is a name, not a number,
// so runAsNonRoot alone would be refused by the kubelet: the ids are numeric unless the platform assigns them.
func podSecurityContext(s *v1alpha1.Security) *corev1.PodSecurityContext {
	psc := &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if !s.OpenShift {
		psc.RunAsUser = s.RunAsUser
		psc.RunAsGroup = s.RunAsGroup
		psc.FSGroup = s.FSGroup
		psc.FSGroupChangePolicy = ptr.To(corev1.FSGroupChangeOnRootMismatch)
	}
	return psc
}

// containerSecurityContext is spelled out on every container, even where the pod level already implies it.
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		Privileged:               ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// harden applies what every generated pod must have; a test asserts it on every workload.
func harden(spec *corev1.PodSpec, s *v1alpha1.Security) {
	spec.SecurityContext = podSecurityContext(s)
	spec.AutomountServiceAccountToken = ptr.To(false)
	spec.EnableServiceLinks = ptr.To(false)
	for i := range spec.Containers {
		spec.Containers[i].SecurityContext = containerSecurityContext()
	}
}

// Harden is harden for the workloads other builders add (the runtime-config Job).
func Harden(spec *corev1.PodSpec, s *v1alpha1.Security) { harden(spec, s) }
