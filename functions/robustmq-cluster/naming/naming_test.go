package naming

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

// The API refuses user labels that would replace the function's own; its list is the set of labels set here.
func TestFunctionLabelsAreTheAPIsReservedLabels(t *testing.T) {
	c := Cluster{Name: "mq", Namespace: "ns", Version: "v0.4.11"}
	set := c.PoolLabels("node", nil)
	assert.ElementsMatch(t, v1alpha1.FunctionLabels, slices.Collect(maps.Keys(set)))
}

// The annotations on every object are in the API's reserved domain, so no config can set or replace them (the
// Service's annotations are the user's too).
func TestMetaAnnotationsAreReserved(t *testing.T) {
	m := Cluster{Name: "mq", Namespace: "ns", Version: "v0.4.11", GeneratorVersion: "v0.1.0"}.Meta("x", nil)
	assert.Equal(t, "v0.1.0", m.Annotations[AnnotationGeneratorVersion])
	for k := range m.Annotations {
		assert.True(t, strings.HasPrefix(k, v1alpha1.ReservedPrefix), k)
	}
}

// For stamps the release this function was built from.
func TestForStampsTheRelease(t *testing.T) {
	c := &v1alpha1.RobustMQCluster{}
	c.Name = "mq"
	assert.Equal(t, robustmqkpt.Version, For(c).GeneratorVersion)
}
