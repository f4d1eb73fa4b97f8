package changes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// hpaOwned classifies the replicas of a pool whose count an HPA owns (annotation robustmq.io/replicas-owner: hpa,
// docs/lifecycle.md). ok is false when neither render hands replicas to an HPA, and scale decides.
//
// Both renders autoscaled: the rendered StatefulSets carry no replicas, the live count is the HPA's, nothing to
// say. Autoscaling turned on: the apply removes spec.replicas, which the API server defaults to 1, so the pool
// drops to one pod until the HPA raises it to minReplicas (the Kubernetes HPA walkthrough, "Migrating Deployments
// and StatefulSets to horizontal autoscaling"). Turned off: the rendered count replaces whatever the HPA chose.
func hpaOwned(base Finding, o, n *appsv1.StatefulSet) ([]Finding, bool) {
	oh, nh := byHPA(o), byHPA(n)
	switch {
	case oh && nh:
		return nil, true
	case nh:
		f := base
		f.Severity, f.Change, f.Field = Warning, "autoscaling-on", "autoscaling"
		f.Message = fmt.Sprintf("pool %s hands its replicas to a HorizontalPodAutoscaler: the apply removes "+
			"spec.replicas from StatefulSet %s, which then falls from %d to 1 pod until the HPA raises it to minReplicas; "+
			"to keep the pods, hand the field over first (docs/changes.md#autoscaling-on)",
			base.Pool, n.Name, replicas(o))
		return []Finding{f}, true
	case oh:
		f := base
		f.Severity, f.Change, f.Field = Warning, "autoscaling-off", "replicas"
		f.Message = fmt.Sprintf("pool %s takes its replicas back from its HorizontalPodAutoscaler (pruned with this "+
			"apply): StatefulSet %s is set to %d pods, whatever the HPA runs now", base.Pool, n.Name, replicas(n))
		return []Finding{f}, true
	}
	return nil, false
}

func byHPA(s *appsv1.StatefulSet) bool {
	return s.Annotations[naming.AnnotationReplicasOwner] == naming.ReplicasOwnerHPA
}
