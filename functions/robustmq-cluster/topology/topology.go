// Package topology resolves a defaulted, valid RobustMQCluster once per render into the facts every builder
// reads: per pool its names, selectors, roles, broker ids, pods, ports and whether it keeps state; per cluster the
// meta addresses, the ports grouped by who may use them, the credentials and the TLS Secret. Builders read these
// facts and never derive them again.
package topology

import (
	"fmt"
	"slices"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Cluster is a resolved cluster. The embedded RobustMQCluster is the defaulted spec, for settings that are read
// as they are (image, resources, monitoring switches).
type Cluster struct {
	*v1alpha1.RobustMQCluster
	Names naming.Cluster
	// Pools in spec order.
	Pools []*Pool
	// Meta is the pool of the Raft voters; validation allows exactly one.
	Meta  *Pool
	Ports Ports
	// MetaAddrs is server.toml meta_addrs, in broker_id order.
	MetaAddrs []MetaAddr
	// Credentials are the server.toml keys filled from Secrets, in a fixed order.
	Credentials []Credential
	// TLSSecret holds the listener certificate; "" means the image's self-signed pair.
	TLSSecret string
}

// Pool is one resolved pool: one StatefulSet.
type Pool struct {
	*v1alpha1.Pool
	// Names of the pool's objects.
	StatefulSet, HeadlessService, ConfigMap, PDB string
	// Stateful pools keep Raft state (meta) or segments (engine) on a PVC; a broker-only pool keeps only local
	// diagnostics (docs/robustmq.md §6).
	Stateful bool
	// Pods in ordinal order. Ordinals start at brokerIdStart, and pod <sts>-<ordinal> runs broker_id <ordinal>.
	Pods []Pod
	// Ports the pool's pods listen on: the ports of every node plus those of the pool's roles, in model order.
	Ports []v1alpha1.NamedPort
	// Quorum is the Raft majority of the pool's voters; 0 for pools without the meta role.
	Quorum int32

	names naming.Cluster
}

// Pod is one pod of a pool.
type Pod struct {
	// Ordinal is the StatefulSet ordinal and the broker_id.
	Ordinal int32
	Name    string
	// Host is the pod's DNS name relative to its namespace (naming.Cluster.PodHost).
	Host string
}

// MetaAddr is one meta_addrs entry: a voter's broker_id and its gRPC address.
type MetaAddr struct {
	ID   int32
	Addr string
}

// Credential is one server.toml key whose value comes from a Secret.
type Credential struct {
	Key       string // the server.toml key, e.g. admin.password
	Secret    string // the Secret's name
	SecretKey string // the key inside the Secret
}

// Ports groups the port model by who may use it.
type Ports struct {
	// All is every port a node may listen on, in model order.
	All []v1alpha1.NamedPort
	// Peer are the fixed inter-node ports: gRPC and http on every node, the engine port on engine nodes.
	Peer []v1alpha1.NamedPort
	// Exposed are the client listeners on the client Service and open to spec.networkPolicy.clients.
	Exposed []v1alpha1.NamedPort
	// Closed are the client listeners not exposed. RobustMQ listens on them anyway (it has no per-listener
	// switch), so only the default-deny policy keeps them shut.
	Closed []v1alpha1.NamedPort
	// Admin is the http port: /metrics, the admin API and /mcp (docs/robustmq.md §11.9).
	Admin v1alpha1.NamedPort
	// GRPC carries Raft and node calls; Engine the storage engine's traffic.
	GRPC, Engine v1alpha1.NamedPort
}

// Resolve builds the topology of a defaulted, valid cluster.
func Resolve(c *v1alpha1.RobustMQCluster) (*Cluster, error) {
	n := naming.For(c)
	t := &Cluster{RobustMQCluster: c, Names: n, TLSSecret: tlsSecret(c, n), Credentials: credentials(&c.Spec.Auth)}
	ports, err := groupPorts(c.Spec.Ports())
	if err != nil {
		return nil, err
	}
	t.Ports = ports
	for i := range c.Spec.Pools {
		p := &c.Spec.Pools[i]
		rp := &Pool{
			Pool:            p,
			StatefulSet:     n.StatefulSet(p.Name),
			HeadlessService: n.HeadlessService(p.Name),
			ConfigMap:       n.ConfigMap(p.Name),
			PDB:             n.PDB(p.Name),
			Stateful:        p.Has(v1alpha1.RoleMeta) || p.Has(v1alpha1.RoleEngine),
			names:           n,
		}
		for id := *p.BrokerIDStart; id < *p.BrokerIDStart+*p.Replicas; id++ {
			rp.Pods = append(rp.Pods, Pod{Ordinal: id, Name: n.Pod(p.Name, id), Host: n.PodHost(p.Name, id)})
		}
		for _, np := range ports.All {
			if np.Role == "" || p.Has(np.Role) {
				rp.Ports = append(rp.Ports, np)
			}
		}
		if p.Has(v1alpha1.RoleMeta) {
			rp.Quorum = *p.Replicas/2 + 1
			if t.Meta != nil {
				return nil, fmt.Errorf("pools %s and %s both carry the meta role", t.Meta.Name, p.Name)
			}
			t.Meta = rp
		}
		t.Pools = append(t.Pools, rp)
	}
	if t.Meta == nil {
		return nil, fmt.Errorf("no pool carries the meta role")
	}
	for _, pod := range t.Meta.Pods {
		t.MetaAddrs = append(t.MetaAddrs, MetaAddr{ID: pod.Ordinal, Addr: fmt.Sprintf("%s:%d", pod.Host, ports.GRPC.Port)})
	}
	return t, nil
}

func groupPorts(all []v1alpha1.NamedPort) (Ports, error) {
	p := Ports{All: all}
	fixed := map[int32]*v1alpha1.NamedPort{v1alpha1.HTTPPort: &p.Admin, v1alpha1.GRPCPort: &p.GRPC, v1alpha1.EnginePort: &p.Engine}
	for _, np := range all {
		switch {
		case np.Path == "":
			p.Peer = append(p.Peer, np)
			if dst, ok := fixed[np.Port]; ok {
				*dst = np
			}
		case np.Expose:
			p.Exposed = append(p.Exposed, np)
		default:
			p.Closed = append(p.Closed, np)
		}
	}
	for port, dst := range fixed {
		if dst.Name == "" {
			return Ports{}, fmt.Errorf("no fixed port %d in the port model", port)
		}
	}
	return p, nil
}

// credentials lists the Secret-backed keys of spec.auth. Each key is written empty into server.toml and filled at
// start-up through RobustMQ's env override, so no credential ever reaches a ConfigMap (docs/robustmq.md §3).
func credentials(a *v1alpha1.Auth) []Credential {
	var out []Credential
	if c := a.Admin; c != nil {
		out = append(out, Credential{configkeys.KeyAdminUsername, c.SecretName, c.UsernameKey},
			Credential{configkeys.KeyAdminPassword, c.SecretName, c.PasswordKey})
	}
	if j := a.JWTSecret; j != nil {
		out = append(out, Credential{configkeys.KeyAdminJWTSecret, j.Name, j.Key})
	}
	if c := a.MQTT; c != nil {
		out = append(out, Credential{configkeys.KeyMQTTDefaultUser, c.SecretName, c.UsernameKey},
			Credential{configkeys.KeyMQTTDefaultPassword, c.SecretName, c.PasswordKey})
	}
	return out
}

func tlsSecret(c *v1alpha1.RobustMQCluster, n naming.Cluster) string {
	switch {
	case c.Spec.TLS.SecretName != "":
		return c.Spec.TLS.SecretName
	case c.Spec.TLS.CertManager != nil:
		return n.TLSSecret()
	}
	return ""
}

// Runs reports whether any pool runs the role.
func (t *Cluster) Runs(r v1alpha1.Role) bool {
	return slices.ContainsFunc(t.Pools, func(p *Pool) bool { return p.Has(r) })
}

// PoolsWith returns the pools that run the role, in spec order.
func (t *Cluster) PoolsWith(r v1alpha1.Role) []*Pool {
	var out []*Pool
	for _, p := range t.Pools {
		if p.Has(r) {
			out = append(out, p)
		}
	}
	return out
}

// StatefulPools are the pools with a data PVC.
func (t *Cluster) StatefulPools() []*Pool {
	var out []*Pool
	for _, p := range t.Pools {
		if p.Stateful {
			out = append(out, p)
		}
	}
	return out
}

// Pods are every pod of the cluster, pool by pool.
func (t *Cluster) Pods() []Pod {
	var out []Pod
	for _, p := range t.Pools {
		out = append(out, p.Pods...)
	}
	return out
}

// Labels are on the pool's objects and pods: the cluster labels, the pool and its roles. A new map each call.
func (p *Pool) Labels() map[string]string { return p.names.PoolLabels(p.Name, p.Roles) }

// Selector selects the pool's pods. A new map each call.
func (p *Pool) Selector() map[string]string { return p.names.PoolSelector(p.Name) }
