package topology

import "github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"

// RuntimeConfigTarget is the pool whose admin API the runtime-config Job calls: the first with the broker role.
// The receiving node applies the change, stores it in meta, and meta pushes it to the other brokers
// (docs/robustmq.md §11.6). Validation guarantees a broker pool.
func (t *Cluster) RuntimeConfigTarget() *Pool {
	return t.PoolsWith(v1alpha1.RoleBroker)[0]
}
