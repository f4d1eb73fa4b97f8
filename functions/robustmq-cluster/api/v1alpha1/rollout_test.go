package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func splitPools(c *RobustMQCluster) {
	c.Spec.Pools = []Pool{
		{Name: "meta", Roles: []Role{RoleMeta}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](1)},
		{Name: "broker", Roles: []Role{RoleBroker}, Replicas: ptr.To[int32](2), BrokerIDStart: ptr.To[int32](101)},
		{Name: "engine", Roles: []Role{RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](201)},
	}
}

func TestRolloutAndResourceDefaults(t *testing.T) {
	c := cluster(func(c *RobustMQCluster) { c.Spec.Environment = Prod; splitPools(c) })
	meta, broker, engine := c.Spec.Pools[0], c.Spec.Pools[1], c.Spec.Pools[2]
	assert.Equal(t, int32(30), *meta.Rollout.MinReadySeconds)
	assert.Equal(t, int32(10), *broker.Rollout.MinReadySeconds)
	assert.Equal(t, int32(30), *engine.Rollout.MinReadySeconds)
	for _, p := range []Pool{meta, engine} {
		assert.Equal(t, p.Resources.Limits.Memory().String(), p.Resources.Requests.Memory().String(), "%s: memory request = limit", p.Name)
		assert.Equal(t, "2Gi", p.Resources.Requests.StorageEphemeral().String(), "%s: logs 1Gi + 1Gi", p.Name)
		assert.Equal(t, "2Gi", p.Resources.Limits.StorageEphemeral().String(), p.Name)
	}
	assert.Equal(t, "2Gi", broker.Resources.Requests.Memory().String(), "broker-only pools keep the profile's request")
	assert.Equal(t, "4Gi", broker.Resources.Limits.Memory().String())
	assert.Equal(t, "4Gi", broker.Resources.Limits.StorageEphemeral().String(), "logs 1Gi + local data 2Gi + 1Gi")
	assert.Equal(t, "1Gi", broker.Storage.LogsSize.String())
	assert.Equal(t, "2Gi", broker.Storage.LocalDataSize.String())
	assert.Nil(t, engine.KubernetesPartition())
	assert.Empty(t, c.Validate())
}

func TestDefaultKeepsUserMemoryRequest(t *testing.T) {
	c := cluster(func(c *RobustMQCluster) {
		c.Spec.Pools = []Pool{{Name: "node", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceMemory: resourceQ("300Mi")}}}}
	})
	assert.Equal(t, "300Mi", c.Spec.Pools[0].Resources.Requests.Memory().String())
}

func TestKubernetesPartitionCountsFromBrokerIDStart(t *testing.T) {
	c := cluster(func(c *RobustMQCluster) {
		splitPools(c)
		c.Spec.Pools[2].Rollout.Partition = ptr.To[int32](202)
	})
	assert.Equal(t, int32(1), *c.Spec.Pools[2].KubernetesPartition(), "broker_id 202 is the second pod of a pool starting at 201")
}

func TestValidateRollout(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*RobustMQCluster)
		want   []string
	}{
		{"partition at the first id", func(c *RobustMQCluster) { splitPools(c); c.Spec.Pools[2].Rollout.Partition = ptr.To[int32](201) }, nil},
		{"partition holding every pod", func(c *RobustMQCluster) { splitPools(c); c.Spec.Pools[2].Rollout.Partition = ptr.To[int32](204) }, nil},
		{"partition below the pool's ids", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[2].Rollout.Partition = ptr.To[int32](2)
		}, []string{"spec.pools[2].rollout.partition"}},
		{"partition beyond the pool", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[0].Rollout.Partition = ptr.To[int32](5)
		}, []string{"spec.pools[0].rollout.partition"}},
		{"negative minReadySeconds", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[1].Rollout.MinReadySeconds = ptr.To[int32](-1)
		}, []string{"spec.pools[1].rollout.minReadySeconds"}},
		{"maxUnavailable on a broker pool", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[1].Rollout.MaxUnavailable = ptr.To(intstr.FromString("50%"))
		}, nil},
		{"maxUnavailable on meta and engine", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[0].Rollout.MaxUnavailable = ptr.To(intstr.FromInt32(2))
			c.Spec.Pools[2].Rollout.MaxUnavailable = ptr.To(intstr.FromInt32(2))
		}, []string{"spec.pools[0].rollout.maxUnavailable", "spec.pools[2].rollout.maxUnavailable"}},
		{"bad maxUnavailable", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[1].Rollout.MaxUnavailable = ptr.To(intstr.FromString("half"))
		}, []string{"spec.pools[1].rollout.maxUnavailable"}},
		{"zero maxUnavailable", func(c *RobustMQCluster) {
			splitPools(c)
			c.Spec.Pools[1].Rollout.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}, []string{"spec.pools[1].rollout.maxUnavailable"}},
		{"empty logs", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Storage: Storage{LogsSize: ptr.To(resourceQ("0"))}}}
		}, []string{"spec.pools[0].storage.logsSize"}},
		{"ephemeral request above limit", func(c *RobustMQCluster) {
			c.Spec.Pools = []Pool{{Name: "node", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceEphemeralStorage: resourceQ("10Gi")}}}}
		}, []string{"spec.pools[0].resources.requests[ephemeral-storage]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fieldsOf(t, cluster(tc.mutate)))
		})
	}
}

func resourceQ(s string) resource.Quantity { return resource.MustParse(s) }
