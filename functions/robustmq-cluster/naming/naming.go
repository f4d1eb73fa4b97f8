// Package naming decides the names, labels and annotations of every generated object, in one place.
package naming

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelVersion   = "app.kubernetes.io/version"

	// LabelRolePrefix + role = "true" marks pods by RobustMQ role, for client Services and NetworkPolicies.
	LabelRolePrefix = "robustmq.io/role-"
	// MetricLabelRolePrefix + role = "true" is the Prometheus target label the ServiceMonitor maps each
	// LabelRolePrefix pod label to (Prometheus label names cannot hold '.', '/' or '-').
	MetricLabelRolePrefix = "role_"
	// MetricLabelCluster and MetricLabelPool are the target labels holding LabelInstance and LabelComponent.
	MetricLabelCluster = "cluster"
	MetricLabelPool    = "pool"

	// PodIndexLabel is set by the StatefulSet controller (Kubernetes ≥ 1.28) to the pod's ordinal.
	PodIndexLabel = "apps.kubernetes.io/pod-index"

	// AnnotationGenerated marks every object the function writes, so a re-render can replace and prune them.
	AnnotationGenerated = "robustmq.io/generated-by"
	// AnnotationGeneratorVersion is the release of the function that wrote the object (robustmqkpt.Version). It is
	// on object metadata only, never on a pod template: a function upgrade must not roll any pod.
	AnnotationGeneratorVersion = "robustmq.io/generator-version"
	// AnnotationCluster names the RobustMQCluster an object was generated from.
	AnnotationCluster = "robustmq.io/cluster"
	// AnnotationConfigHash on the pod template rolls the pods when the rendered configuration changes.
	AnnotationConfigHash = "robustmq.io/config-hash"

	AppName       = "robustmq"
	FunctionName  = "robustmq-cluster"
	ManagedByName = "robustmq-kpt"

	// ContainerName is the broker container of every pod; restart alerts select by it.
	ContainerName = "robustmq"
	// DataVolume is the data volume and claim template: a data PVC is <DataVolume>-<statefulset>-<ordinal>.
	DataVolume = "data"
)

// Cluster holds what every name and mark is derived from.
type Cluster struct {
	Name      string
	Namespace string
	// Version is the RobustMQ release the cluster runs (spec.version).
	Version string
	// GeneratorVersion is the function's own release, stamped on every object's metadata.
	GeneratorVersion string
}

func For(c *v1alpha1.RobustMQCluster) Cluster {
	return Cluster{Name: c.Name, Namespace: c.Namespace, Version: c.Spec.Version, GeneratorVersion: robustmqkpt.Version}
}

func (c Cluster) StatefulSet(pool string) string     { return c.Name + "-" + pool }
func (c Cluster) HeadlessService(pool string) string { return c.Name + "-" + pool + "-headless" }
func (c Cluster) ConfigMap(pool string) string       { return c.Name + "-" + pool + "-config" }
func (c Cluster) PDB(pool string) string             { return c.Name + "-" + pool }
func (c Cluster) ClientService() string              { return c.Name }
func (c Cluster) ServiceAccount() string             { return c.Name }
func (c Cluster) TLSSecret() string                  { return c.Name + "-tls" }
func (c Cluster) ServiceMonitor() string             { return c.Name }
func (c Cluster) PrometheusRule() string             { return c.Name }

// NetworkPolicy is the policy that opens one kind of traffic, e.g. "peers-engine".
func (c Cluster) NetworkPolicy(kind string) string { return c.Name + "-" + kind }

// NetworkTable is the local-config ConfigMap holding the "who can reach what" table.
func (c Cluster) NetworkTable() string { return c.Name + "-network" }

// Dashboard is the ConfigMap or GrafanaDashboard of one board, e.g. "overview".
func (c Cluster) Dashboard(kind string) string { return c.Name + "-dashboard-" + kind }

// Pod is the name of a pool's pod: <statefulset>-<ordinal>.
func (c Cluster) Pod(pool string, ordinal int32) string {
	return fmt.Sprintf("%s-%d", c.StatefulSet(pool), ordinal)
}

// PodHost is the DNS name of a pod relative to its namespace. It resolves through the pod's search domains
// (<ns>.svc.<cluster-domain>), so it holds whatever the namespace and cluster domain turn out to be.
func (c Cluster) PodHost(pool string, ordinal int32) string {
	return c.Pod(pool, ordinal) + "." + c.HeadlessService(pool)
}

// Labels are on every object of the cluster.
func (c Cluster) Labels() map[string]string {
	return map[string]string{
		LabelName:      AppName,
		LabelInstance:  c.Name,
		LabelPartOf:    AppName,
		LabelManagedBy: ManagedByName,
		LabelVersion:   c.Version,
	}
}

// Selector selects every pod of the cluster. Selectors are immutable once applied, so they stay this small.
func (c Cluster) Selector() map[string]string {
	return map[string]string{LabelName: AppName, LabelInstance: c.Name}
}

// PoolSelector selects the pods of one pool.
func (c Cluster) PoolSelector(pool string) map[string]string {
	s := c.Selector()
	s[LabelComponent] = pool
	return s
}

// RoleSelector selects the pods of every pool that runs a role.
func (c Cluster) RoleSelector(r v1alpha1.Role) map[string]string {
	s := c.Selector()
	s[LabelRolePrefix+string(r)] = "true"
	return s
}

// PoolLabels are on the pool's objects and pods: the cluster labels, the pool and its roles.
func (c Cluster) PoolLabels(pool string, roles []v1alpha1.Role) map[string]string {
	l := c.Labels()
	l[LabelComponent] = pool
	for _, r := range roles {
		l[LabelRolePrefix+string(r)] = "true"
	}
	return l
}

// Meta is the ObjectMeta of a generated object. Builders never set metadata any other way. Pod templates and
// claim templates have metadata of their own, without these annotations.
func (c Cluster) Meta(name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: c.Namespace,
		Labels:    labels,
		Annotations: map[string]string{
			AnnotationGenerated:        FunctionName,
			AnnotationGeneratorVersion: c.GeneratorVersion,
			AnnotationCluster:          c.Name,
		},
	}
}
