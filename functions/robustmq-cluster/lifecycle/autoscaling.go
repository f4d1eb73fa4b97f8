package lifecycle

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// Scale-down removes one pod a minute at most: each removed broker drops its MQTT connections, which reconnect
// to the remaining pods, and a gentle pace keeps that reconnect storm small.
const (
	scaleDownPods          = 1
	scaleDownPeriodSeconds = 60
)

// HPA scales a broker-only pool's StatefulSet on CPU and/or memory use relative to the requests. Validation
// refuses autoscaling on meta and engine pools, so the pods it adds and removes hold no Raft or engine state
// (docs/robustmq.md §6).
func HPA(c *topology.Cluster, p *topology.Pool) *autoscalingv2.HorizontalPodAutoscaler {
	a := p.Autoscaling
	n := c.Names
	var metrics []autoscalingv2.MetricSpec
	for _, m := range []struct {
		name   corev1.ResourceName
		target *int32
	}{{corev1.ResourceCPU, a.TargetCPUUtilization}, {corev1.ResourceMemory, a.TargetMemoryUtilization}} {
		if m.target == nil {
			continue
		}
		metrics = append(metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: m.name, Target: autoscalingv2.MetricTarget{
				Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(*m.target),
			}},
		})
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: n.Meta(n.HPA(p.Name), p.Labels()),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: p.StatefulSet},
			MinReplicas:    ptr.To(*a.MinReplicas),
			MaxReplicas:    a.MaxReplicas,
			Metrics:        metrics,
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.To(*a.ScaleDownStabilizationSeconds),
					SelectPolicy:               ptr.To(autoscalingv2.MinChangePolicySelect),
					Policies: []autoscalingv2.HPAScalingPolicy{
						{Type: autoscalingv2.PodsScalingPolicy, Value: scaleDownPods, PeriodSeconds: scaleDownPeriodSeconds},
					},
				},
			},
		},
	}
}
