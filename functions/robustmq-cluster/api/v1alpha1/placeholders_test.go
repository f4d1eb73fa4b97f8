package v1alpha1

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlaceholders(t *testing.T) {
	c, errs := Load([]byte(loadHead + `spec:
  environment: prod
  image: {digest: "sha256:` + strings.Repeat("0", 64) + `"}
  service: {type: LoadBalancer, loadBalancerSourceRanges: [203.0.113.0/24, 10.0.0.0/8, "2001:db8:1::/48"]}
  networkPolicy: {clients: [{cidr: 198.51.100.7/32}, {cidr: 192.0.0.0/8}], admin: [{cidr: 192.0.2.0/24}]}
`))
	require.Empty(t, errs, "placeholders are valid: blueprints carry them")
	var fields []string
	for _, p := range c.Placeholders() {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"spec.image.digest", "spec.service.loadBalancerSourceRanges[0]",
		"spec.service.loadBalancerSourceRanges[2]", "spec.networkPolicy.clients[0].cidr", "spec.networkPolicy.admin[0].cidr"}, fields,
		"192.0.0.0/8 holds a documentation range but is not one")
}
