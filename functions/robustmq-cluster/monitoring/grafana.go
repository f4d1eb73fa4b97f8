package monitoring

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
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

// DashboardObjectName is the ConfigMap or GrafanaDashboard of one board, e.g. robustmq-dashboard-overview.
func DashboardObjectName(d Dashboard) string { return naming.AppName + "-dashboard-" + d.Kind }

// dashboardMeta names a board's object. No namespace (the Grafana's, set where the package is applied) and no
// generated-by annotation: these objects are not any cluster's, and the function never prunes them.
func dashboardMeta(d Dashboard, labels map[string]string) metav1.ObjectMeta {
	labels[naming.LabelName] = naming.AppName
	labels[naming.LabelPartOf] = naming.AppName
	labels[naming.LabelComponent] = "dashboards"
	return metav1.ObjectMeta{
		Name:        DashboardObjectName(d),
		Labels:      labels,
		Annotations: map[string]string{AnnotationFluxSubstitute: "disabled"},
	}
}

// DashboardConfigMap ships one dashboard to the Grafana sidecar.
func DashboardConfigMap(d Dashboard) *corev1.ConfigMap {
	meta := dashboardMeta(d, map[string]string{LabelGrafanaDashboard: "1"})
	meta.Annotations[AnnotationGrafanaFolder] = GrafanaFolder
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta,
		Data:       map[string]string{DashboardObjectName(d) + ".json": string(d.JSON)},
	}
}

// GrafanaDashboard ships one dashboard to grafana-operator (v5); the empty instance selector matches every Grafana
// the operator sees.
func GrafanaDashboard(d Dashboard) *GrafanaDashboardObject {
	return &GrafanaDashboardObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: GrafanaOperatorAPIVersion, Kind: GrafanaDashboardKind},
		ObjectMeta: dashboardMeta(d, map[string]string{}),
		Spec: GrafanaDashboardSpec{
			InstanceSelector: &metav1.LabelSelector{},
			// The package may be applied in another namespace than Grafana's; the operator refuses that unless allowed.
			AllowCrossNamespaceImport: true,
			FolderTitle:               GrafanaFolder,
			JSON:                      string(d.JSON),
		},
	}
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
