package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// brokerIDs: broker_id is the node id and the Raft node id, unique across every node of every role, and at least
// 1 (docs/robustmq.md §2, §7). Nothing in RobustMQ derives it from the pod (docs/robustmq.md §3), so the ids come
// from the manifests: the env override from the pod-index label (the StatefulSet ordinal), a literal override, or
// the literal broker_id of server.toml, which every pod of a workload shares.
func brokerIDs(c *inventory.Cluster) []Finding {
	var out []Finding
	type holder struct {
		n   *inventory.Node
		pod inventory.Pod
	}
	byID := map[int64][]holder{}
	for _, n := range c.Nodes {
		if n.Config == nil {
			continue
		}
		src, envIndex, _, problem := n.BrokerID()
		if problem != "" {
			out = append(out, Finding{Rule: BrokerIDOverride, Object: n.Object, Field: fmt.Sprintf("%s.env[%d]", n.ContainerPath, envIndex),
				Message: fmt.Sprintf("container %s: %s", n.Container.Name, problem)})
		}
		if src == inventory.IDUnknown {
			continue
		}
		for _, p := range n.Pods {
			if !p.IDKnown {
				continue
			}
			if p.ID < 1 {
				msg := fmt.Sprintf("%s runs broker_id %d; ids must be at least 1 (the node-leave API refuses 0, docs/robustmq.md §2)", podName(n, p), p.ID)
				if src == inventory.IDFromOrdinal {
					msg += fmt.Sprintf("; the %s label is 0-based, so start the ordinals at 1 or higher", inventory.PodIndexLabel)
				}
				out = append(out, Finding{Rule: BrokerIDRange, Object: idObject(n, p), Field: p.IDField, Message: msg})
			}
			byID[p.ID] = append(byID[p.ID], holder{n, p})
		}
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		hs := byID[id]
		if len(hs) < 2 {
			continue
		}
		var names []string
		for _, h := range hs {
			names = append(names, podName(h.n, h.pod))
		}
		reported := map[*inventory.Node]bool{}
		for _, h := range hs {
			if reported[h.n] {
				continue
			}
			reported[h.n] = true
			src, _, _, _ := h.n.BrokerID()
			why := ""
			if src != inventory.IDFromOrdinal && len(h.n.Pods) > 1 {
				why = fmt.Sprintf("; every pod of %s %s gets the same literal id: feed %s from the %s label instead "+
					"(docs/robustmq.md §3)", h.n.Kind, h.n.Name, inventory.BrokerIDEnv, inventory.PodIndexLabel)
			}
			out = append(out, Finding{Rule: BrokerIDUnique, Object: idObject(h.n, h.pod), Field: h.pod.IDField, Message: fmt.Sprintf(
				"broker_id %d is run by %d pods (%s); ids must be unique across the cluster, or the nodes overwrite each "+
					"other's Raft membership%s", id, len(hs), strings.Join(names, ", "), why)})
		}
	}
	return out
}

// idObject is the object whose field decides a pod's id: the ConfigMap for a literal broker_id, else the workload.
func idObject(n *inventory.Node, p inventory.Pod) *inventory.Object {
	if strings.HasPrefix(p.IDField, "data[") && n.ConfigMap != nil {
		return n.ConfigMap.Object
	}
	return n.Object
}

func podName(n *inventory.Node, p inventory.Pod) string {
	if p.Name != "" {
		return "pod " + p.Name
	}
	return fmt.Sprintf("pod %d of %s %s", p.Ordinal, n.Kind, n.Name)
}
