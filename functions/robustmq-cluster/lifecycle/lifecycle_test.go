package lifecycle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/networking"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

func raw(s string) v1alpha1.ConfigValue { return v1alpha1.ConfigValue{Raw: []byte(s)} }

// day2 is a split cluster with every day-2 setting on; mutate changes the spec before defaults.
func day2(t *testing.T, mutate func(*v1alpha1.RobustMQCluster)) *topology.Cluster {
	t.Helper()
	c := &v1alpha1.RobustMQCluster{}
	c.Name, c.Namespace = "mq", "ns"
	c.Spec.Environment = v1alpha1.Staging
	c.Spec.Auth.Admin = &v1alpha1.CredentialsRef{SecretName: "admin"}
	c.Spec.Pools = []v1alpha1.Pool{
		{Name: "core", Roles: []v1alpha1.Role{v1alpha1.RoleMeta, v1alpha1.RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](1)},
		{Name: "edge", Roles: []v1alpha1.Role{v1alpha1.RoleBroker}, BrokerIDStart: ptr.To[int32](101),
			Autoscaling: &v1alpha1.Autoscaling{MinReplicas: ptr.To[int32](2), MaxReplicas: 8}},
	}
	c.Spec.TLS.CertManager = &v1alpha1.CertManager{IssuerRef: v1alpha1.IssuerRef{Name: "ca"}}
	c.Spec.TLS.RollOnRenewal = ptr.To(true)
	c.Spec.RuntimeConfig = &v1alpha1.RuntimeConfig{KafkaDynamic: map[string]v1alpha1.ConfigValue{"auto_create_topics_enable": raw("false")}}
	c.Spec.Backup = &v1alpha1.Backup{Schedule: "0 3 * * *"}
	if mutate != nil {
		mutate(c)
	}
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}

func all(t *testing.T, c *topology.Cluster) []output.Object {
	t.Helper()
	var out []output.Object
	for _, b := range []func(*topology.Cluster) ([]output.Object, error){manifests.Build, networking.Build, Build} {
		objs, err := b(c)
		require.NoError(t, err)
		out = append(out, objs...)
	}
	return out
}

func find[T any](objs []output.Object, name string) T {
	var zero T
	for _, o := range objs {
		if x, ok := o.Object.(T); ok {
			if m, ok := any(x).(interface{ GetName() string }); ok && (name == "" || m.GetName() == name) {
				return x
			}
		}
	}
	return zero
}

func TestAutoscaledPool(t *testing.T) {
	c := day2(t, nil)
	objs := all(t, c)
	edge := find[*appsv1.StatefulSet](objs, "mq-edge")
	core := find[*appsv1.StatefulSet](objs, "mq-core")
	hpa := find[*autoscalingv2.HorizontalPodAutoscaler](objs, "mq-edge")
	require.NotNil(t, hpa)

	assert.Nil(t, edge.Spec.Replicas, "the HPA owns the count")
	assert.Equal(t, naming.ReplicasOwnerHPA, edge.Annotations[naming.AnnotationReplicasOwner])
	assert.Equal(t, int32(3), *core.Spec.Replicas)
	assert.NotContains(t, core.Annotations, naming.AnnotationReplicasOwner)
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: edge.Name}, hpa.Spec.ScaleTargetRef)
	assert.Equal(t, int32(2), *hpa.Spec.MinReplicas)
	assert.Equal(t, int32(8), hpa.Spec.MaxReplicas)
	require.Len(t, hpa.Spec.Metrics, 1)
	assert.Equal(t, corev1.ResourceCPU, hpa.Spec.Metrics[0].Resource.Name)
	assert.Equal(t, int32(70), *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization)
	assert.Equal(t, int32(600), *hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds)
	assert.Nil(t, hpa.Spec.Behavior.ScaleUp, "scale-up keeps the HPA's defaults")
	// The certificate names every pod the HPA may create: broker_id 101..108.
	cert := find[*networking.Certificate](objs, "")
	assert.Contains(t, cert.Spec.DNSNames, "mq-edge-108.mq-edge-headless")
	assert.NotContains(t, cert.Spec.DNSNames, "mq-edge-109.mq-edge-headless")
}

func TestRollOnRenewalOnlyWhereTheSecretIsMounted(t *testing.T) {
	objs := all(t, day2(t, nil))
	assert.Equal(t, "mq-tls", find[*appsv1.StatefulSet](objs, "mq-edge").Annotations[naming.AnnotationReloaderSecret])
	assert.NotContains(t, find[*appsv1.StatefulSet](objs, "mq-core").Annotations, naming.AnnotationReloaderSecret, "core has no broker role, mounts no certificate")
	off := all(t, day2(t, func(c *v1alpha1.RobustMQCluster) { c.Spec.TLS.RollOnRenewal = nil }))
	assert.NotContains(t, find[*appsv1.StatefulSet](off, "mq-edge").Annotations, naming.AnnotationReloaderSecret)
}

// A runtime config change makes a new Job and rolls no pod; the same content keeps the Job's name.
func TestRuntimeConfigChangeRollsNoPod(t *testing.T) {
	withValue := func(v string) []output.Object {
		return all(t, day2(t, func(c *v1alpha1.RobustMQCluster) {
			c.Spec.RuntimeConfig.KafkaDynamic["auto_create_topics_enable"] = raw(v)
		}))
	}
	a, again, b := withValue("false"), withValue("false"), withValue("true")
	jobName := func(objs []output.Object) string { return find[*batchv1.Job](objs, "").Name }
	assert.Equal(t, jobName(a), jobName(again))
	assert.NotEqual(t, jobName(a), jobName(b))
	// Any change of the Job's immutable template makes a new Job too, or the apply would be refused.
	slower := all(t, day2(t, func(c *v1alpha1.RobustMQCluster) {
		c.Spec.RuntimeConfig.Timeout = &metav1.Duration{Duration: time.Hour}
	}))
	assert.NotEqual(t, jobName(a), jobName(slower))
	assert.Equal(t, `{"auto_create_topics_enable":true}`, find[*corev1.ConfigMap](b, "mq-runtime-config").Data["KafkaDynamic.json"])
	for _, sts := range []string{"mq-core", "mq-edge"} {
		assert.Equal(t, find[*appsv1.StatefulSet](a, sts).Spec.Template, find[*appsv1.StatefulSet](b, sts).Spec.Template, "pod template of %s", sts)
	}
	for _, cm := range []string{"mq-core-config", "mq-edge-config"} {
		assert.Equal(t, find[*corev1.ConfigMap](a, cm).Data, find[*corev1.ConfigMap](b, cm).Data, "server.toml of %s", cm)
	}
}

func TestRuntimeConfigJob(t *testing.T) {
	c := day2(t, nil)
	objs := all(t, c)
	job := find[*batchv1.Job](objs, "")
	require.NotNil(t, job)
	pod := job.Spec.Template
	assert.Equal(t, corev1.RestartPolicyNever, pod.Spec.RestartPolicy)
	assert.Equal(t, int32(0), *job.Spec.BackoffLimit, "a refusal fails the Job at once")
	assert.Equal(t, int32(86400), *job.Spec.TTLSecondsAfterFinished)
	assert.Equal(t, int64(15*60+jobDeadlineMargin), *job.Spec.ActiveDeadlineSeconds)
	assert.False(t, *pod.Spec.AutomountServiceAccountToken)
	sc := pod.Spec.Containers[0].SecurityContext
	assert.True(t, *sc.ReadOnlyRootFilesystem)
	assert.False(t, *sc.AllowPrivilegeEscalation)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	assert.Equal(t, v1alpha1.DefaultRuntimeConfigImage, pod.Spec.Containers[0].Image)

	// The cluster's own policies never select the Job's pods (they would open gRPC to them)...
	podLabels := labels.Set(pod.Labels)
	var own []*networkingv1.NetworkPolicy
	for _, o := range objs {
		np, ok := o.Object.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		sel := labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels)
		if sel.Matches(podLabels) {
			own = append(own, np)
		}
	}
	// ...only the Job's own does: no ingress, egress to DNS and the admin port of the target pool.
	require.Len(t, own, 1)
	np := own[0]
	assert.ElementsMatch(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, np.Spec.PolicyTypes)
	assert.Empty(t, np.Spec.Ingress)
	require.Len(t, np.Spec.Egress, 2)
	admin := np.Spec.Egress[1]
	assert.Equal(t, int32(v1alpha1.HTTPPort), admin.Ports[0].Port.IntVal)
	target := labels.SelectorFromSet(admin.To[0].PodSelector.MatchLabels)
	edge := find[*appsv1.StatefulSet](objs, "mq-edge")
	assert.True(t, target.Matches(labels.Set(edge.Spec.Template.Labels)), "egress reaches the first broker pool")
	assert.Contains(t, pod.Spec.Containers[0].Args, "--url=http://mq-edge-headless:58080")

	// The target pool admits the Job's pods on the admin port.
	in := find[*networkingv1.NetworkPolicy](objs, "mq-admin-runtime-config")
	require.NotNil(t, in)
	assert.True(t, labels.SelectorFromSet(in.Spec.PodSelector.MatchLabels).Matches(labels.Set(edge.Spec.Template.Labels)))
	assert.True(t, labels.SelectorFromSet(in.Spec.Ingress[0].From[0].PodSelector.MatchLabels).Matches(podLabels))
	assert.Equal(t, int32(v1alpha1.HTTPPort), in.Spec.Ingress[0].Ports[0].Port.IntVal)

	off := all(t, day2(t, func(c *v1alpha1.RobustMQCluster) { c.Spec.NetworkPolicy.Enabled = ptr.To(false) }))
	assert.Nil(t, find[*networkingv1.NetworkPolicy](off, ""))
}

func TestBackupSchedule(t *testing.T) {
	objs := all(t, day2(t, nil))
	s := find[*Schedule](objs, "ns-mq")
	require.NotNil(t, s)
	assert.Equal(t, "velero", s.Namespace)
	assert.Equal(t, []string{"ns"}, s.Spec.Template.IncludedNamespaces)
	assert.Equal(t, "720h0m0s", s.Spec.Template.TTL.Duration.String())
	assert.True(t, *s.Spec.Template.SnapshotVolumes)
	assert.False(t, *s.Spec.Template.DefaultVolumesToFsBackup)
	// The selector takes every generated object of the cluster and the data PVCs.
	sel := labels.SelectorFromSet(s.Spec.Template.LabelSelector.MatchLabels)
	core := find[*appsv1.StatefulSet](objs, "mq-core")
	assert.True(t, sel.Matches(labels.Set(core.Labels)))
	assert.True(t, sel.Matches(labels.Set(core.Spec.VolumeClaimTemplates[0].Labels)), "PVCs are in the backup")
	assert.True(t, sel.Matches(labels.Set(find[*autoscalingv2.HorizontalPodAutoscaler](objs, "mq-edge").Labels)))
	assert.NotContains(t, core.Spec.Template.Annotations, naming.AnnotationVeleroBackupVolumes)

	fs := all(t, day2(t, func(c *v1alpha1.RobustMQCluster) { c.Spec.Backup.Method = v1alpha1.BackupFileSystem }))
	assert.False(t, *find[*Schedule](fs, "").Spec.Template.SnapshotVolumes)
	assert.Equal(t, naming.DataVolume, find[*appsv1.StatefulSet](fs, "mq-core").Spec.Template.Annotations[naming.AnnotationVeleroBackupVolumes])
	assert.NotContains(t, find[*appsv1.StatefulSet](fs, "mq-edge").Spec.Template.Annotations, naming.AnnotationVeleroBackupVolumes, "no PVC on broker-only pods")
}

func TestKEDAReplacesTheHPA(t *testing.T) {
	c := day2(t, func(c *v1alpha1.RobustMQCluster) {
		c.Spec.Monitoring.Enabled = ptr.To(true)
		c.Spec.Pools[1].Autoscaling.TargetCPUUtilization = ptr.To[int32](70)
		c.Spec.Pools[1].Autoscaling.TargetMemoryUtilization = ptr.To[int32](75)
		c.Spec.Pools[1].Autoscaling.KEDA = &v1alpha1.KEDA{PrometheusAddress: "http://prom:9090", ConnectionsPerPod: 4000}
	})
	objs := all(t, c)
	assert.Nil(t, find[*autoscalingv2.HorizontalPodAutoscaler](objs, ""), "KEDA creates the HPA itself")
	so := find[*ScaledObject](objs, "mq-edge")
	require.NotNil(t, so)
	edge := find[*appsv1.StatefulSet](objs, "mq-edge")
	assert.Nil(t, edge.Spec.Replicas)
	assert.Equal(t, ScaleTarget{APIVersion: "apps/v1", Kind: "StatefulSet", Name: edge.Name}, so.Spec.ScaleTargetRef)
	assert.Equal(t, int32(2), *so.Spec.MinReplicaCount)
	assert.Equal(t, int32(8), *so.Spec.MaxReplicaCount)
	assert.Equal(t, int32(600), *so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior.ScaleDown.StabilizationWindowSeconds)
	require.Len(t, so.Spec.Triggers, 3)
	assert.Equal(t, ScaledTrigger{Type: "prometheus", Metadata: map[string]string{
		"serverAddress": "http://prom:9090",
		"query":         `sum(mqtt_connections_count{namespace="ns",job="robustmq",cluster="mq",pool="edge"})`,
		"threshold":     "4000",
	}}, so.Spec.Triggers[0])
	assert.Equal(t, ScaledTrigger{Type: "cpu", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "70"}}, so.Spec.Triggers[1])
	assert.Equal(t, ScaledTrigger{Type: "memory", MetricType: autoscalingv2.UtilizationMetricType, Metadata: map[string]string{"value": "75"}}, so.Spec.Triggers[2])
}
