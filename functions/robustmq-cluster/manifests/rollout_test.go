package manifests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Every StatefulSet waits minReadySeconds between pods, holds at the canary partition counted from ordinals.start,
// and bounds every emptyDir.
func TestRolloutAndEphemeralStorage(t *testing.T) {
	c := clusters()["split"]
	c.Spec.Pools[2].Rollout.Partition = ptr.To[int32](203)
	c.Spec.Pools[1].Rollout.MaxUnavailable = ptr.To(intstr.FromInt32(2))
	for _, sts := range statefulSets(built(t, c)) {
		pool := sts.Spec.Template.Labels[naming.LabelComponent]
		ru := sts.Spec.UpdateStrategy.RollingUpdate
		switch pool {
		case "meta":
			assert.Equal(t, v1alpha1.DefaultMinReadySecondsStateful, sts.Spec.MinReadySeconds)
			assert.Nil(t, ru, "no partition, one at a time")
		case "broker":
			assert.Equal(t, v1alpha1.DefaultMinReadySecondsBroker, sts.Spec.MinReadySeconds)
			require.NotNil(t, ru)
			assert.Nil(t, ru.Partition)
			assert.Equal(t, intstr.FromInt32(2), *ru.MaxUnavailable)
		case "engine":
			require.NotNil(t, ru)
			assert.Equal(t, int32(2), *ru.Partition, "broker_id 203 is index 2 from ordinals.start 201")
			assert.Equal(t, int32(201), sts.Spec.Ordinals.Start)
		}
		ctr := sts.Spec.Template.Spec.Containers[0]
		assert.Equal(t, ctr.Resources.Requests.StorageEphemeral().String(), ctr.Resources.Limits.StorageEphemeral().String(), pool)
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.EmptyDir != nil {
				assert.NotNil(t, v.EmptyDir.SizeLimit, "%s: emptyDir %s has a sizeLimit", pool, v.Name)
			}
		}
	}
}
