package monitoring

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

const (
	// LabelGrafanaDashboard is the label the Grafana sidecar (kiwigrid k8s-sidecar, as in kube-prometheus-stack)
	// watches for by default.
	LabelGrafanaDashboard = "grafana_dashboard"
	// AnnotationGrafanaFolder is the folder annotation kube-prometheus-stack configures for its sidecar.
	AnnotationGrafanaFolder = "grafana_folder"
	GrafanaFolder           = "RobustMQ"

	GrafanaOperatorAPIVersion = "grafana.integreatly.org/v1beta1"
	GrafanaDashboardKind      = "GrafanaDashboard"
)

// DashboardConfigMap ships one dashboard to the Grafana sidecar.
func DashboardConfigMap(c *topology.Cluster, d Dashboard) *corev1.ConfigMap {
	n := c.Names
	labels := n.Labels()
	labels[LabelGrafanaDashboard] = "1"
	meta := objectMeta(c, dashboardObjectName(c, d), labels)
	meta.Annotations[AnnotationGrafanaFolder] = GrafanaFolder
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta,
		Data:       map[string]string{dashboardObjectName(c, d) + ".json": string(d.JSON)},
	}
}

// GrafanaDashboard ships one dashboard to grafana-operator (v5).
func GrafanaDashboard(c *topology.Cluster, d Dashboard) *GrafanaDashboardObject {
	selector := &metav1.LabelSelector{}
	if s := c.Spec.Monitoring.GrafanaInstanceSelector; s != nil {
		selector = s.DeepCopy()
	}
	return &GrafanaDashboardObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: GrafanaOperatorAPIVersion, Kind: GrafanaDashboardKind},
		ObjectMeta: objectMeta(c, dashboardObjectName(c, d), c.Names.Labels()),
		Spec: GrafanaDashboardSpec{
			InstanceSelector: selector,
			// Grafana usually runs in another namespace than the cluster; the operator refuses that unless allowed.
			AllowCrossNamespaceImport: true,
			FolderTitle:               GrafanaFolder,
			JSON:                      string(d.JSON),
		},
	}
}

func dashboardObjectName(c *topology.Cluster, d Dashboard) string {
	return c.Names.Dashboard(d.Kind)
}

// GrafanaDashboardObject is the part of grafana-operator's GrafanaDashboard (grafana.integreatly.org/v1beta1) this
// function writes. A small local type rather than the operator's module, which would pull in controller-runtime.
type GrafanaDashboardObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              GrafanaDashboardSpec `json:"spec"`
}

type GrafanaDashboardSpec struct {
	// InstanceSelector picks the Grafana instances; an empty selector matches every instance the operator sees.
	InstanceSelector          *metav1.LabelSelector `json:"instanceSelector"`
	AllowCrossNamespaceImport bool                  `json:"allowCrossNamespaceImport,omitempty"`
	FolderTitle               string                `json:"folder,omitempty"`
	JSON                      string                `json:"json"`
}
