package manifests

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// HeadlessService gives each pod of a pool its stable DNS name (meta_addrs). It publishes not-ready pods:
// peers must find each other before any of them is ready, or Raft never forms.
func HeadlessService(c *topology.Cluster, p *topology.Pool) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: c.Names.Meta(p.HeadlessService, p.Labels()),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 p.Selector(),
			Ports:                    servicePorts(p.Ports),
		},
	}
}

// ClientService exposes the client listeners marked expose on every broker pod.
func ClientService(c *topology.Cluster) *corev1.Service {
	n := c.Names
	s := &c.Spec
	meta := n.Meta(n.ClientService(), n.Labels())
	for k, v := range s.Service.Annotations {
		meta.Annotations[k] = v
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     s.Service.Type,
			Selector: n.RoleSelector(v1alpha1.RoleBroker),
			Ports:    servicePorts(c.Ports.Exposed),
		},
	}
	if s.Service.Type != corev1.ServiceTypeClusterIP {
		svc.Spec.ExternalTrafficPolicy = s.Service.ExternalTrafficPolicy
	}
	if s.Service.Type == corev1.ServiceTypeLoadBalancer {
		svc.Spec.LoadBalancerSourceRanges = s.Service.LoadBalancerSourceRanges
	}
	return svc
}

func servicePorts(ports []v1alpha1.NamedPort) []corev1.ServicePort {
	out := make([]corev1.ServicePort, 0, len(ports))
	for _, np := range ports {
		out = append(out, corev1.ServicePort{
			Name:       np.Name,
			Port:       np.Port,
			TargetPort: intstr.FromString(np.Name),
			Protocol:   np.Protocol,
		})
	}
	return out
}

// PodDisruptionBudget keeps a Raft majority of the meta pool available: minAvailable = ⌊n/2⌋+1, so a voluntary
// eviction can never break quorum (with one replica, nothing may be evicted). Other pools lose one pod at a time.
func PodDisruptionBudget(c *topology.Cluster, p *topology.Pool) *policyv1.PodDisruptionBudget {
	if !*c.Spec.PodDisruptionBudgets {
		return nil
	}
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: c.Names.Meta(p.PDB, p.Labels()),
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: p.Selector()},
		},
	}
	if p.Has(v1alpha1.RoleMeta) {
		quorum := intstr.FromInt32(p.Quorum)
		pdb.Spec.MinAvailable = &quorum
	} else {
		one := intstr.FromInt32(1)
		pdb.Spec.MaxUnavailable = &one
	}
	return pdb
}
