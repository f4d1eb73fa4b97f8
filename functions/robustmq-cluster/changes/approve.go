package changes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// AnnotationApprove on a RobustMQCluster lists the ids of blocked changes to let through: "<id>[,<id>…]".
const AnnotationApprove = "robustmq.io/approve"

// ID is the approval id of a change: its kind and a short hash of the cluster, pool, kind and both values, so an
// approval never lets another change through (other values, other id) and is the same on every render.
func ID(namespace, cluster, pool, change, before, after string) string {
	h := sha256.New()
	for _, s := range []string{namespace, cluster, pool, change, before, after} {
		fmt.Fprintf(h, "%s\x00", s)
	}
	return change + "-" + hex.EncodeToString(h.Sum(nil))[:8]
}

// withID makes f approvable and says how in its message.
func withID(f Finding, before, after string) Finding {
	f.ID = ID(f.Namespace, f.Cluster, f.Pool, f.Change, before, after)
	f.Message += fmt.Sprintf("; approve with annotation %s: %s", AnnotationApprove, f.ID)
	return f
}

// never marks f as an error no approval lets through.
func never(f Finding) Finding {
	f.Severity = Error
	f.Message += "; this change cannot be approved"
	return f
}

// ParseApprovals reads the value of AnnotationApprove.
func ParseApprovals(v string) []string {
	var out []string
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Approve lets through the findings whose id is approved: they become info. It returns the approved ids that
// match no finding, in their order: the change they approved is gone (done, or its values changed).
func Approve(findings []Finding, approved []string) (stale []string) {
	used := map[string]bool{}
	for i := range findings {
		f := &findings[i]
		for _, id := range approved {
			if f.ID != "" && f.ID == id {
				f.Approved, f.Severity = true, Info
				f.Message = "approved (" + id + "): " + strings.TrimSuffix(f.Message, fmt.Sprintf("; approve with annotation %s: %s", AnnotationApprove, id))
				used[id] = true
			}
		}
	}
	for _, id := range approved {
		if !used[id] {
			stale = append(stale, id)
		}
	}
	return stale
}
