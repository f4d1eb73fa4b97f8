package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Rollout is how a pool's StatefulSet replaces its pods when the pod template changes (new image, config,
// resources): one pod at a time, highest broker_id first.
type Rollout struct {
	// Partition holds a canary: only pods whose broker_id (the number in the pod name, the StatefulSet ordinal)
	// is at least partition take the new revision; the others keep the old one until partition is lowered or
	// removed. Between brokerIdStart and brokerIdStart+replicas (that holds every pod back). Unset: every pod
	// updates. Kubernetes counts its own partition from ordinals.start, so the StatefulSet gets
	// partition - brokerIdStart.
	//
	// +kubebuilder:validation:Minimum=1
	Partition *int32 `json:"partition,omitempty"`
	// MinReadySeconds a replaced pod must stay Ready before the roll moves to the next one (and before the pod
	// counts as available for the PodDisruptionBudget). Default 30 for pools with meta or engine, 10 otherwise
	// (docs/operations.md explains the numbers).
	//
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	MinReadySeconds *int32 `json:"minReadySeconds,omitempty"`
	// MaxUnavailable is how many pods of a broker-only pool (no meta, no engine: nothing of theirs is a Raft vote
	// or a replica) may be replaced at once, a number or a percentage of replicas. Kubernetes v1.36 honours it
	// only with the MaxUnavailableStatefulSet feature gate (beta, off by default) enabled on kube-apiserver and
	// kube-controller-manager; without the gate the API server drops the field and pods roll one at a time.
	// Unset: one at a time.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
}

// Minimum time a replaced pod stays Ready before the next one goes. RobustMQ v0.4.11 runs openraft with a 500 ms
// heartbeat and a 10-20 s election timeout (src/meta-service/src/raft/manager.rs, create_raft_node): a meta pod's
// gRPC port, which its readiness probe checks, opens before its Raft groups have rejoined, and when the stopped
// pod was the leader the others elect a new one only after up to 20 s of silence. 30 s covers that plus the
// restarted voter's catch-up. Engine nodes heartbeat to meta every 3 s and meta judges a node by a 30 s
// heartbeat timeout (meta_runtime.heartbeat_timeout_ms): waiting one timeout window lets the restarted engine
// re-register and its replicas catch up before the next engine stops. Broker-only pods hold no replicated
// state; 10 s lets the stopped pod's MQTT clients reconnect before the next pod drops its own.
const (
	DefaultMinReadySecondsStateful int32 = 30
	DefaultMinReadySecondsBroker   int32 = 10
)

func (r *Rollout) defaults(p *Pool) {
	if p.Has(RoleMeta) || p.Has(RoleEngine) {
		defaultPtr(&r.MinReadySeconds, DefaultMinReadySecondsStateful)
	} else {
		defaultPtr(&r.MinReadySeconds, DefaultMinReadySecondsBroker)
	}
}

// KubernetesPartition is the StatefulSet's updateStrategy.rollingUpdate.partition for the pool, or nil.
func (p *Pool) KubernetesPartition() *int32 {
	if p.Rollout.Partition == nil || p.BrokerIDStart == nil {
		return nil
	}
	k := *p.Rollout.Partition - *p.BrokerIDStart
	return &k
}

func (r *Rollout) validate(pp *field.Path, p *Pool) field.ErrorList {
	var errs field.ErrorList
	path := pp.Child("rollout")
	if r.Partition != nil && p.BrokerIDStart != nil && p.Replicas != nil {
		start, end := *p.BrokerIDStart, *p.BrokerIDStart+*p.Replicas
		if part := *r.Partition; part < start || part > end {
			errs = append(errs, field.Invalid(path.Child("partition"), part, fmt.Sprintf(
				"must be a broker_id of the pool, %d-%d (pods with a broker_id at least this take the new revision), or %d to hold every pod back",
				start, end-1, end)))
		}
	}
	if m := r.MinReadySeconds; m != nil && (*m < 0 || *m > 3600) {
		errs = append(errs, field.Invalid(path.Child("minReadySeconds"), *m, "must be between 0 and 3600"))
	}
	if mu := r.MaxUnavailable; mu != nil {
		mp := path.Child("maxUnavailable")
		switch {
		case p.Has(RoleMeta) || p.Has(RoleEngine):
			errs = append(errs, field.Forbidden(mp,
				"only for broker-only pools: meta pods are Raft voters and engine pods hold replicas, so they roll one at a time"))
		case mu.Type == intstr.Int && mu.IntVal < 1:
			errs = append(errs, field.Invalid(mp, mu.IntVal, "must be at least 1"))
		case mu.Type == intstr.String:
			var pct int
			if _, err := fmt.Sscanf(mu.StrVal, "%d%%", &pct); err != nil || fmt.Sprintf("%d%%", pct) != mu.StrVal || pct < 1 || pct > 100 {
				errs = append(errs, field.Invalid(mp, mu.StrVal, "must be a number of pods or a percentage between 1% and 100%"))
			}
		}
	}
	return errs
}
