package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"
)

func TestAutoscalingDefaults(t *testing.T) {
	c := &RobustMQCluster{}
	c.Name, c.Namespace = "mq", "ns"
	c.Spec.Environment = Staging
	c.Spec.Pools = []Pool{
		{Name: "core", Roles: []Role{RoleMeta, RoleEngine}, Replicas: ptr.To(int32(3)), BrokerIDStart: ptr.To(int32(1))},
		{Name: "edge", Roles: []Role{RoleBroker}, BrokerIDStart: ptr.To(int32(4)), Autoscaling: &Autoscaling{MaxReplicas: 5}},
		{Name: "tail", Roles: []Role{RoleBroker}, BrokerIDStart: ptr.To(int32(8)), Autoscaling: &Autoscaling{MaxReplicas: 2}},
	}
	c.Default()
	edge := c.Spec.Pools[1].Autoscaling
	require.Equal(t, int32(5), *c.Spec.Pools[1].Replicas, "replicas is the ceiling, for the broker_id range")
	require.Equal(t, int32(3), *edge.MinReplicas)
	require.Equal(t, int32(70), *edge.TargetCPUUtilization)
	require.Nil(t, edge.TargetMemoryUtilization)
	require.Equal(t, int32(600), *edge.ScaleDownStabilizationSeconds)
	require.Equal(t, int32(2), *c.Spec.Pools[2].Autoscaling.MinReplicas, "the floor never exceeds the ceiling")
	// edge reserves 4-8, which overlaps tail's 8-9.
	errs := c.Validate()
	require.Len(t, errs, 1)
	require.Equal(t, "spec.pools", errs[0].Field)
	require.Contains(t, errs[0].Detail, `broker_id range 8-9 of pool "tail" overlaps range 4-8 of pool "edge"`)
}
