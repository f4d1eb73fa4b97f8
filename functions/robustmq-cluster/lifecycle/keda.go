package lifecycle

import (
	"fmt"
	"strconv"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// ScaledObject is the part of keda.sh/v1alpha1 ScaledObject this function writes; a small struct of our own, like
// the other CRD kinds. test/apply checks it against KEDA's CRD.
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ScaledObjectSpec `json:"spec"`
}

type ScaledObjectSpec struct {
	ScaleTargetRef  ScaleTarget     `json:"scaleTargetRef"`
	MinReplicaCount *int32          `json:"minReplicaCount,omitempty"`
	MaxReplicaCount *int32          `json:"maxReplicaCount,omitempty"`
	Advanced        *KEDAAdvanced   `json:"advanced,omitempty"`
	Triggers        []ScaledTrigger `json:"triggers"`
}

type ScaleTarget struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

type KEDAAdvanced struct {
	HorizontalPodAutoscalerConfig *KEDAHPAConfig `json:"horizontalPodAutoscalerConfig,omitempty"`
}

type KEDAHPAConfig struct {
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

type ScaledTrigger struct {
	Type       string                         `json:"type"`
	MetricType autoscalingv2.MetricTargetType `json:"metricType,omitempty"`
	Metadata   map[string]string              `json:"metadata"`
}

// KEDAScaledObject scales a broker-only pool on its MQTT connections per pod, and on CPU and memory when those
// targets are set. KEDA creates the HPA (keda-hpa-<name>) from it, with the same scale-down behaviour as the HPA
// this function writes otherwise. The query sums mqtt_connections_count over the pool's pods; KEDA divides by the
// threshold to get the pod count (docs/robustmq.md §11.2: a gauge refreshed every 30 s).
func KEDAScaledObject(c *topology.Cluster, p *topology.Pool) *ScaledObject {
	a := p.Autoscaling
	n := c.Names
	hpa := HPA(c, p)
	sel := fmt.Sprintf(`job=%q,%s=%q,%s=%q`, monitoring.Job, naming.MetricLabelCluster, n.Name, naming.MetricLabelPool, p.Name)
	if c.Namespace != "" {
		sel = fmt.Sprintf("namespace=%q,", c.Namespace) + sel
	}
	triggers := []ScaledTrigger{{Type: "prometheus", Metadata: map[string]string{
		"serverAddress": a.KEDA.PrometheusAddress,
		"query":         "sum(mqtt_connections_count{" + sel + "})",
		"threshold":     strconv.FormatInt(a.KEDA.ConnectionsPerPod, 10),
	}}}
	for _, m := range hpa.Spec.Metrics {
		triggers = append(triggers, ScaledTrigger{Type: string(m.Resource.Name), MetricType: autoscalingv2.UtilizationMetricType,
			Metadata: map[string]string{"value": strconv.Itoa(int(*m.Resource.Target.AverageUtilization))}})
	}
	return &ScaledObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: "keda.sh/v1alpha1", Kind: "ScaledObject"},
		ObjectMeta: n.Meta(n.HPA(p.Name), p.Labels()),
		Spec: ScaledObjectSpec{
			ScaleTargetRef:  ScaleTarget{APIVersion: "apps/v1", Kind: "StatefulSet", Name: p.StatefulSet},
			MinReplicaCount: ptr.To(*a.MinReplicas),
			MaxReplicaCount: ptr.To(a.MaxReplicas),
			Advanced:        &KEDAAdvanced{HorizontalPodAutoscalerConfig: &KEDAHPAConfig{Behavior: hpa.Spec.Behavior}},
			Triggers:        triggers,
		},
	}
}
