package naming

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

// The API refuses user labels that would replace the function's own; its list is the set of labels set here.
func TestFunctionLabelsAreTheAPIsReservedLabels(t *testing.T) {
	c := Cluster{Name: "mq", Namespace: "ns", Version: "v0.4.11"}
	set := c.PoolLabels("node", nil)
	assert.ElementsMatch(t, v1alpha1.FunctionLabels, slices.Collect(maps.Keys(set)))
}
