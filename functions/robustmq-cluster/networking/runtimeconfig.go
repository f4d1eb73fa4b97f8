package networking

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// RuntimeConfigDir is the folder of the runtime-config objects, its policies included.
const RuntimeConfigDir = "runtime-config/"

// RuntimeConfigPolicies isolate the runtime-config Job's pods (no ingress; egress to DNS and to the admin port of
// the target pool) and open that port on the target pool to them; nil without spec.runtimeConfig. The Job's pods
// carry a name label of their own, so the cluster's policies, which open gRPC among the cluster's pods, never
// apply to them.
func RuntimeConfigPolicies(c *topology.Cluster) []Policy {
	if c.Spec.RuntimeConfig == nil {
		return nil
	}
	n := c.Names
	dns := c.Spec.NetworkPolicy.DNS
	admin := policyPorts([]v1alpha1.NamedPort{c.Ports.Admin})
	job := n.RuntimeConfigSelector()
	pool := c.RuntimeConfigTarget().Selector()

	jobPolicy := policy(n, naming.ComponentRuntimeConfig, job, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress})
	jobPolicy.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{
		{To: peers(dns.Peers), Ports: policyPorts([]v1alpha1.NamedPort{
			{Name: "dns", Port: *dns.Port, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", Port: *dns.Port, Protocol: corev1.ProtocolTCP},
		})},
		{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: pool}}}, Ports: admin},
	}
	adminPolicy := policy(n, "admin-"+naming.ComponentRuntimeConfig, pool, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
	adminPolicy.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: job}}},
		Ports: admin,
	}}
	return []Policy{jobPolicy, adminPolicy}
}
