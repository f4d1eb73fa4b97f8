package topology

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

func split(t *testing.T) *Cluster {
	t.Helper()
	c := &v1alpha1.RobustMQCluster{}
	c.Name, c.Namespace = "mq", "brokers"
	c.Spec.Environment = v1alpha1.Prod
	c.Spec.Auth.Admin = &v1alpha1.CredentialsRef{SecretName: "admin"}
	c.Spec.Auth.JWTSecret = &v1alpha1.SecretKeyRef{Name: "jwt", Key: "key"}
	c.Spec.TLS.SecretName = "listener-tls"
	c.Spec.Pools = []v1alpha1.Pool{
		{Name: "meta", Roles: []v1alpha1.Role{v1alpha1.RoleMeta}, Replicas: ptr.To[int32](5), BrokerIDStart: ptr.To[int32](1)},
		{Name: "broker", Roles: []v1alpha1.Role{v1alpha1.RoleBroker}, Replicas: ptr.To[int32](2), BrokerIDStart: ptr.To[int32](101)},
		{Name: "engine", Roles: []v1alpha1.Role{v1alpha1.RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](201)},
	}
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := Resolve(c)
	require.NoError(t, err)
	return tc
}

func TestPoolsPodsAndQuorum(t *testing.T) {
	c := split(t)
	require.Len(t, c.Pools, 3)
	require.Same(t, c.Pools[0], c.Meta)
	assert.Equal(t, int32(3), c.Meta.Quorum, "3 of 5 voters")
	assert.Zero(t, c.Pools[1].Quorum, "no quorum outside the meta pool")

	broker := c.Pools[1]
	assert.Equal(t, "mq-broker", broker.StatefulSet)
	assert.Equal(t, "mq-broker-headless", broker.HeadlessService)
	assert.Equal(t, "mq-broker-config", broker.ConfigMap)
	assert.Equal(t, []Pod{
		{Ordinal: 101, Name: "mq-broker-101", Host: "mq-broker-101.mq-broker-headless"},
		{Ordinal: 102, Name: "mq-broker-102", Host: "mq-broker-102.mq-broker-headless"},
	}, broker.Pods, "ordinals start at brokerIdStart")
	assert.Len(t, c.Pods(), 10)

	assert.True(t, c.Pools[0].Stateful, "meta keeps Raft state")
	assert.False(t, c.Pools[1].Stateful, "broker-only keeps nothing")
	assert.True(t, c.Pools[2].Stateful, "engine keeps segments")
	assert.Equal(t, []*Pool{c.Pools[0], c.Pools[2]}, c.StatefulPools())
}

func TestMetaAddrs(t *testing.T) {
	c := split(t)
	require.Len(t, c.MetaAddrs, 5)
	assert.Equal(t, MetaAddr{ID: 1, Addr: "mq-meta-1.mq-meta-headless:1228"}, c.MetaAddrs[0])
	assert.Equal(t, MetaAddr{ID: 5, Addr: "mq-meta-5.mq-meta-headless:1228"}, c.MetaAddrs[4])
}

func TestPortGroups(t *testing.T) {
	c := split(t)
	names := func(ports []v1alpha1.NamedPort) []string {
		var out []string
		for _, p := range ports {
			out = append(out, p.Name)
		}
		return out
	}
	assert.Equal(t, []string{"grpc", "http", "engine"}, names(c.Ports.Peer))
	assert.Equal(t, v1alpha1.HTTPPort, c.Ports.Admin.Port)
	assert.Equal(t, v1alpha1.GRPCPort, c.Ports.GRPC.Port)
	assert.Equal(t, v1alpha1.EnginePort, c.Ports.Engine.Port)
	assert.Len(t, c.Ports.All, len(c.Ports.Peer)+len(c.Ports.Exposed)+len(c.Ports.Closed), "every port in exactly one group")
	for _, p := range c.Ports.Exposed {
		assert.True(t, p.Expose)
	}
	for _, p := range c.Ports.Closed {
		assert.False(t, p.Expose)
	}
	assert.Equal(t, []string{"grpc", "http"}, names(c.Meta.Ports), "a meta-only pool listens on the node ports only")
	assert.Contains(t, names(c.Pools[1].Ports), "mqtt")
	assert.NotContains(t, names(c.Pools[1].Ports), "engine")
	assert.Contains(t, names(c.Pools[2].Ports), "engine")
}

func TestCredentialsAndTLS(t *testing.T) {
	c := split(t)
	assert.Equal(t, []Credential{
		{Key: "admin.username", Secret: "admin", SecretKey: "username"},
		{Key: "admin.password", Secret: "admin", SecretKey: "password"},
		{Key: "admin.jwt_secret", Secret: "jwt", SecretKey: "key"},
	}, c.Credentials, "only the Secrets the spec references, in a fixed order")
	assert.Equal(t, "listener-tls", c.TLSSecret)
}

func TestLabelsAreFreshMaps(t *testing.T) {
	p := split(t).Pools[1]
	l := p.Labels()
	l["x"] = "y"
	assert.NotContains(t, p.Labels(), "x")
	assert.Equal(t, "true", l["robustmq.io/role-broker"])
	assert.Subset(t, l, p.Selector())
}
