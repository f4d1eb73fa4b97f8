package changes

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// compareCluster classifies the changes of a cluster present in both renders.
func compareCluster(old, cur *cluster) []Finding {
	var out []Finding
	for _, name := range sortedNames(old.pools) {
		if _, ok := cur.pools[name]; !ok {
			out = append(out, poolRemoved(old, cur, old.pools[name]))
		}
	}
	for _, name := range sortedNames(cur.pools) {
		if o, ok := old.pools[name]; ok {
			out = append(out, comparePool(cur.key, o, cur.pools[name])...)
		} else {
			out = append(out, poolAdded(cur.key, cur.pools[name]))
		}
	}
	out = append(out, collisions(old, cur)...)
	out = append(out, clientChanges(old, cur)...)
	if f, ok := otherObjects(old, cur); ok {
		out = append(out, f)
	}
	return out
}

// otherObjects reports the objects the render creates or deletes besides the pools' StatefulSets (PDBs, policies,
// monitoring…). Deleting a PodDisruptionBudget or NetworkPolicy takes a protection away: a warning.
func otherObjects(old, cur *cluster) (Finding, bool) {
	was, is := map[string]bool{}, map[string]bool{}
	for _, id := range old.ids {
		was[id] = true
	}
	for _, id := range cur.ids {
		is[id] = true
	}
	// A pool's StatefulSet, and every object of an added or removed pool, has a finding of its own.
	skip := func(c *cluster, id string) bool {
		p := c.poolOf[id]
		_, inOld := old.pools[p]
		_, inCur := cur.pools[p]
		return strings.HasPrefix(id, "StatefulSet ") && p != "" || p != "" && !(inOld && inCur)
	}
	var created, deleted []string
	sev := Info
	for _, id := range cur.ids {
		if !was[id] && !skip(cur, id) {
			created = append(created, id)
		}
	}
	for _, id := range old.ids {
		if !is[id] && !skip(old, id) {
			deleted = append(deleted, id)
			if strings.HasPrefix(id, "PodDisruptionBudget ") || strings.HasPrefix(id, "NetworkPolicy ") {
				sev = Warning
			}
		}
	}
	if len(created)+len(deleted) == 0 {
		return Finding{}, false
	}
	var parts []string
	if len(created) > 0 {
		parts = append(parts, "creates "+joinList(created))
	}
	if len(deleted) > 0 {
		parts = append(parts, "deletes "+joinList(deleted))
	}
	return Finding{Severity: sev, Change: "objects", Namespace: cur.key.namespace, Cluster: cur.key.name, Field: "spec",
		Message: fmt.Sprintf("cluster %s: %s", cur.key.name, strings.Join(parts, "; "))}, true
}

func poolRemoved(old, cur *cluster, p *pool) Finding {
	var added []string
	for _, n := range sortedNames(cur.pools) {
		if _, ok := old.pools[n]; !ok {
			added = append(added, n)
		}
	}
	f := Finding{Severity: Error, Change: "pool-removed", Namespace: cur.key.namespace, Cluster: cur.key.name, Pool: p.name,
		Field: "spec.pools"}
	f.Message = fmt.Sprintf("pool %s is removed: pruning deletes StatefulSet %s and its %d pods (broker ids %s)",
		p.name, p.sts.Name, replicas(p.sts), idRange(p.sts))
	if roles(p.sts)["meta"] || roles(p.sts)["engine"] {
		f.Message += "; their Raft membership or engine segments are not moved anywhere"
	}
	if len(added) > 0 {
		f.Message += fmt.Sprintf(" (renamed to %s?)", joinList(added))
	}
	f.Message += "; a renamed pool is a new pool (new pods, new PVCs): migrate as described in docs/changes.md#pool-migration"
	return withID(f, p.name, "")
}

func poolAdded(k key, p *pool) Finding {
	return Finding{Severity: Info, Change: "pool-added", Namespace: k.namespace, Cluster: k.name, Pool: p.name,
		Field: "spec.pools",
		Message: fmt.Sprintf("new pool %s starts %d pods (%s, broker ids %s)", p.name, replicas(p.sts),
			joinList(podNames(p.sts, 0, replicas(p.sts), false)), idRange(p.sts))}
}

// comparePool classifies the changes of one pool's StatefulSet and config.
func comparePool(k key, o, n *pool) []Finding {
	base := Finding{Namespace: k.namespace, Cluster: k.name, Pool: n.name}
	var out []Finding
	// Raft identities first: with other roles or ids, pods rejoin as other nodes; nothing else matters then.
	if or, nr := roleList(o.sts), roleList(n.sts); or != nr {
		f := base
		f.Change, f.Field = "roles", "roles"
		f.Message = fmt.Sprintf("pool %s changes roles from [%s] to [%s]: its pods would rejoin the cluster under the "+
			"same broker ids with other roles (Raft identities); create a new pool with its own brokerIdStart instead "+
			"(docs/changes.md#pool-migration)", n.name, or, nr)
		out = append(out, never(f))
	}
	if os, ns := start(o.sts), start(n.sts); os != ns {
		f := base
		f.Change, f.Field = "broker-id-start", "brokerIdStart"
		f.Message = fmt.Sprintf("pool %s changes brokerIdStart from %d to %d: the StatefulSet would replace its pods "+
			"with pods of other broker ids (Raft identities) on new, empty PVCs; create a new pool instead "+
			"(docs/changes.md#pool-migration)", n.name, os, ns)
		out = append(out, never(f))
	}
	if len(out) > 0 {
		return out
	}
	out = append(out, immutable(base, o.sts, n.sts)...)
	out = append(out, scale(base, o.sts, n.sts)...)
	if f, ok := rolls(base, o, n); ok {
		out = append(out, f)
	}
	if f, ok := mutableSpec(base, o.sts, n.sts); ok {
		out = append(out, f)
	}
	return out
}

// immutable reports the StatefulSet fields the API server refuses to update. apps/v1 validation
// (ValidateStatefulSetUpdate, Kubernetes 1.36) lets only replicas, ordinals, template, updateStrategy,
// revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds change.
func immutable(base Finding, o, n *appsv1.StatefulSet) []Finding {
	var out []Finding
	refused := func(change, field, what, before, after string) {
		f := base
		f.Severity, f.Change, f.Field = Error, change, field
		f.Message = fmt.Sprintf("pool %s: %s changes from %s to %s; the API server refuses this update of StatefulSet %s "+
			"(Forbidden: updates to statefulset spec for fields other than …); the safe procedure is in "+
			"docs/changes.md#%s", base.Pool, what, before, after, n.Name, change)
		out = append(out, withID(f, before, after))
	}
	if len(o.Spec.VolumeClaimTemplates) == 1 && len(n.Spec.VolumeClaimTemplates) == 1 {
		oc, nc := o.Spec.VolumeClaimTemplates[0], n.Spec.VolumeClaimTemplates[0]
		os, ns := oc.Spec.Resources.Requests[corev1.ResourceStorage], nc.Spec.Resources.Requests[corev1.ResourceStorage]
		switch c := ns.Cmp(os); {
		case c < 0:
			f := base
			f.Change, f.Field = "storage-shrink", "storage.size"
			f.Message = fmt.Sprintf("pool %s: storage.size shrinks from %s to %s; a PersistentVolumeClaim can never "+
				"shrink, and the data on it would not fit", base.Pool, os.String(), ns.String())
			out = append(out, never(f))
		case c > 0:
			refused("storage-size", "storage.size", "storage.size", os.String(), ns.String())
		}
		if a, b := deref(oc.Spec.StorageClassName), deref(nc.Spec.StorageClassName); a != b {
			refused("storage-class", "storage.storageClassName", "storage.storageClassName", quoteOr(a), quoteOr(b))
		}
		if a, b := fmt.Sprint(oc.Spec.AccessModes), fmt.Sprint(nc.Spec.AccessModes); a != b {
			refused("access-modes", "storage", "the data PVC's accessModes", a, b)
		}
		oc.Spec.Resources, oc.Spec.StorageClassName, oc.Spec.AccessModes = nc.Spec.Resources, nc.Spec.StorageClassName, nc.Spec.AccessModes
		if !equality.Semantic.DeepEqual(oc, nc) {
			refused("volume-claim-templates", "storage", "the data PVC template", summary(oc), summary(nc))
		}
	} else if len(o.Spec.VolumeClaimTemplates) != len(n.Spec.VolumeClaimTemplates) {
		refused("volume-claim-templates", "storage", "the number of volumeClaimTemplates",
			fmt.Sprint(len(o.Spec.VolumeClaimTemplates)), fmt.Sprint(len(n.Spec.VolumeClaimTemplates)))
	}
	if !equality.Semantic.DeepEqual(o.Spec.Selector, n.Spec.Selector) {
		refused("selector", "name", "the pod selector", summary(o.Spec.Selector), summary(n.Spec.Selector))
	}
	if o.Spec.ServiceName != n.Spec.ServiceName {
		refused("service-name", "name", "serviceName", o.Spec.ServiceName, n.Spec.ServiceName)
	}
	if o.Spec.PodManagementPolicy != n.Spec.PodManagementPolicy {
		refused("pod-management-policy", "roles", "podManagementPolicy", string(o.Spec.PodManagementPolicy), string(n.Spec.PodManagementPolicy))
	}
	// Anything else outside the mutable fields (a field a future builder sets): refused all the same.
	rest := n.Spec.DeepCopy()
	rest.Replicas, rest.Template, rest.UpdateStrategy, rest.MinReadySeconds = o.Spec.Replicas, o.Spec.Template, o.Spec.UpdateStrategy, o.Spec.MinReadySeconds
	rest.Ordinals, rest.RevisionHistoryLimit, rest.PersistentVolumeClaimRetentionPolicy = o.Spec.Ordinals, o.Spec.RevisionHistoryLimit, o.Spec.PersistentVolumeClaimRetentionPolicy
	rest.VolumeClaimTemplates, rest.Selector, rest.ServiceName, rest.PodManagementPolicy = o.Spec.VolumeClaimTemplates, o.Spec.Selector, o.Spec.ServiceName, o.Spec.PodManagementPolicy
	if len(out) == 0 && !equality.Semantic.DeepEqual(*rest, o.Spec) {
		refused("statefulset-spec", "", "an immutable StatefulSet field", summary(o.Spec), summary(*rest))
	}
	return out
}

// scale classifies replica changes: any change of the meta pool (Raft voters), and a scale-down of a pool
// holding engine data, need approval; the rest is information.
func scale(base Finding, o, n *appsv1.StatefulSet) []Finding {
	or, nr := replicas(o), replicas(n)
	if or == nr {
		return nil
	}
	f := base
	f.Field = "replicas"
	r := roles(n)
	switch {
	case r["meta"] && nr > or:
		f.Severity, f.Change = Error, "meta-replicas"
		f.Message = fmt.Sprintf("meta pool %s grows from %d to %d Raft voters: new pods %s join, and meta_addrs changes "+
			"on every voter, so all %d existing voters restart; follow docs/changes.md#meta-scale-up",
			base.Pool, or, nr, joinList(podNames(n, or, nr, false)), or)
		return []Finding{withID(f, fmt.Sprint(or), fmt.Sprint(nr))}
	case r["meta"]:
		f.Severity, f.Change = Error, "meta-replicas"
		f.Message = fmt.Sprintf("meta pool %s shrinks from %d to %d Raft voters: pods %s (broker ids %s) must leave the "+
			"cluster first (POST /api/cluster/node/leave), or Raft keeps counting them in its quorum; follow "+
			"docs/changes.md#meta-scale-down", base.Pool, or, nr, joinList(podNames(o, nr, or, true)), ids(o, nr, or))
		if nr < 3 {
			// RobustMQ src/meta-service/src/raft/services.rs leave_cluster_by_req.
			f.Message += "; RobustMQ refuses a leave that drops a Raft group below 3 voters, so this cannot be done on a running cluster"
		}
		return []Finding{withID(f, fmt.Sprint(or), fmt.Sprint(nr))}
	case nr > or:
		f.Severity, f.Change = Info, "scale-up"
		f.Message = fmt.Sprintf("pool %s scales up from %d to %d pods: starts %s", base.Pool, or, nr, joinList(podNames(n, or, nr, false)))
	case r["engine"]:
		f.Severity, f.Change = Error, "engine-scale-down"
		f.Message = fmt.Sprintf("pool %s scales down from %d to %d pods: pods %s (broker ids %s) hold engine segments "+
			"that are not moved first; follow docs/changes.md#engine-scale-down", base.Pool, or, nr,
			joinList(podNames(o, nr, or, true)), ids(o, nr, or))
		return []Finding{withID(f, fmt.Sprint(or), fmt.Sprint(nr))}
	default:
		f.Severity, f.Change = Info, "scale-down"
		f.Message = fmt.Sprintf("pool %s scales down from %d to %d pods: stops %s (highest ordinal first); their "+
			"clients reconnect to the others", base.Pool, or, nr, joinList(podNames(o, nr, or, true)))
	}
	return []Finding{f}
}

// rolls says which pods restart because the pod template changed, in which order, and why.
func rolls(base Finding, o, n *pool) (Finding, bool) {
	ot, nt := o.sts.Spec.Template, n.sts.Spec.Template
	if equality.Semantic.DeepEqual(ot, nt) {
		return Finding{}, false
	}
	why := templateReasons(o, n)
	kept := min(replicas(o.sts), replicas(n.sts))
	f := base
	f.Severity, f.Change = Info, "rolls"
	pods := podNames(n.sts, 0, kept, true)
	f.Message = fmt.Sprintf("rolls pool %s: %d pods restart one at a time, highest ordinal first (%s), because %s",
		n.name, kept, joinList(pods), strings.Join(why, "; "))
	if roles(n.sts)["meta"] {
		f.Message += fmt.Sprintf("; all %d meta voters restart one at a time, each after the previous one is Ready "+
			"(quorum holds while the others stay up)", kept)
	}
	return f, true
}

func templateReasons(o, n *pool) []string {
	var why []string
	ot, nt := o.sts.Spec.Template, n.sts.Spec.Template
	if ot.Annotations[naming.AnnotationConfigHash] != nt.Annotations[naming.AnnotationConfigHash] {
		why = append(why, configReasons(o.config(), n.config())...)
	}
	oc, nc := container(&ot.Spec), container(&nt.Spec)
	if oc != nil && nc != nil {
		if oc.Image != nc.Image {
			why = append(why, fmt.Sprintf("image %s → %s", oc.Image, nc.Image))
		}
		if !equality.Semantic.DeepEqual(oc.Resources, nc.Resources) {
			why = append(why, fmt.Sprintf("resources %s → %s", summary(oc.Resources), summary(nc.Resources)))
		}
		if d := envDiff(oc.Env, nc.Env); d != "" {
			why = append(why, "env "+d)
		}
		occ, ncc := oc.DeepCopy(), nc.DeepCopy()
		occ.Image, occ.Resources, occ.Env = ncc.Image, ncc.Resources, ncc.Env
		if d := fieldDiff(occ, ncc); d != "" {
			why = append(why, "container "+d)
		}
	}
	os, ns := ot.Spec.DeepCopy(), nt.Spec.DeepCopy()
	os.Containers, ns.Containers = nil, nil
	if d := fieldDiff(os, ns); d != "" {
		why = append(why, "pod "+d)
	}
	if d := mapDiff(ot.Labels, nt.Labels, ""); d != "" {
		why = append(why, "pod labels "+d)
	}
	if d := mapDiff(ot.Annotations, nt.Annotations, naming.AnnotationConfigHash); d != "" {
		why = append(why, "pod annotations "+d)
	}
	if len(why) == 0 {
		why = append(why, "the pod template changed")
	}
	return why
}

// mutableSpec reports changes of the StatefulSet fields that update in place without restarting pods.
func mutableSpec(base Finding, o, n *appsv1.StatefulSet) (Finding, bool) {
	type pair struct{ a, b any }
	var changed []string
	for name, p := range map[string]pair{
		"updateStrategy":                       {o.Spec.UpdateStrategy, n.Spec.UpdateStrategy},
		"minReadySeconds":                      {o.Spec.MinReadySeconds, n.Spec.MinReadySeconds},
		"revisionHistoryLimit":                 {o.Spec.RevisionHistoryLimit, n.Spec.RevisionHistoryLimit},
		"persistentVolumeClaimRetentionPolicy": {o.Spec.PersistentVolumeClaimRetentionPolicy, n.Spec.PersistentVolumeClaimRetentionPolicy},
	} {
		if !equality.Semantic.DeepEqual(p.a, p.b) {
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 {
		return Finding{}, false
	}
	sort.Strings(changed)
	f := base
	f.Severity, f.Change = Info, "statefulset-update"
	f.Message = fmt.Sprintf("pool %s: StatefulSet %s changes %s in place (no pod restarts)", base.Pool, n.Name, joinList(changed))
	return f, true
}

// collisions finds pods of the new render whose broker id another pool used before: a new node under a Raft id
// the cluster still knows.
func collisions(old, cur *cluster) []Finding {
	owner := map[int32]string{}
	for _, name := range sortedNames(old.pools) {
		s := old.pools[name].sts
		for id := start(s); id < start(s)+replicas(s); id++ {
			owner[id] = name
		}
	}
	var out []Finding
	for _, name := range sortedNames(cur.pools) {
		s := cur.pools[name].sts
		var clash []string
		from := ""
		for id := start(s); id < start(s)+replicas(s); id++ {
			if o, ok := owner[id]; ok && o != name {
				clash, from = append(clash, fmt.Sprint(id)), o
			}
		}
		if len(clash) == 0 {
			continue
		}
		f := Finding{Change: "id-collision", Namespace: cur.key.namespace, Cluster: cur.key.name, Pool: name, Field: "brokerIdStart"}
		f.Message = fmt.Sprintf("pool %s would run broker ids %s that pool %s used before: Raft still knows those ids as "+
			"the old nodes; give the pool a brokerIdStart above every id in use (docs/changes.md#pool-migration)",
			name, joinList(clash), from)
		out = append(out, never(f))
	}
	return out
}

// clientChanges warns about what clients see: the client Service's type and ports, and the TLS and credential
// Secrets the pods read.
func clientChanges(old, cur *cluster) []Finding {
	var out []Finding
	base := Finding{Severity: Warning, Namespace: cur.key.namespace, Cluster: cur.key.name}
	if o, n := old.client, cur.client; o != nil && n != nil {
		if o.Spec.Type != n.Spec.Type {
			f := base
			f.Change, f.Field = "service-type", "spec.service.type"
			f.Message = fmt.Sprintf("client Service %s changes type from %s to %s: its address changes for clients",
				n.Name, typeOr(o.Spec.Type), typeOr(n.Spec.Type))
			out = append(out, f)
		}
		if a, b := ports(o), ports(n); a != b {
			f := base
			f.Change, f.Field = "ports", "spec.listeners"
			f.Message = fmt.Sprintf("client Service %s exposes other ports: [%s] → [%s]; clients of a removed port lose "+
				"their connection", n.Name, a, b)
			out = append(out, f)
		}
	}
	if o, n := old.certObj, cur.certObj; o != nil && n != nil {
		if d := specDiff(*o, *n); d != "" {
			f := base
			f.Change, f.Field = "certificate", "spec.tls.certManager"
			f.Message = fmt.Sprintf("Certificate %s changes (%s): once cert-manager issues the new certificate, clients see it "+
				"(another issuer needs clients that trust it); RobustMQ reads it only at start, so the pods serve it after "+
				"their next restart", n.Name, d)
			out = append(out, f)
		}
	}
	if a, b := secrets(old), secrets(cur); a != b {
		f := base
		f.Change, f.Field = "secrets", "spec"
		f.Message = fmt.Sprintf("pods read other Secrets: [%s] → [%s]; create the new ones before applying, or the pods "+
			"cannot start", a, b)
		out = append(out, f)
	}
	return out
}

func ports(s *corev1.Service) string {
	var out []string
	for _, p := range s.Spec.Ports {
		out = append(out, fmt.Sprintf("%s %d/%s", p.Name, p.Port, protoOr(p.Protocol)))
	}
	return strings.Join(out, ", ")
}

// secrets lists the Secrets every pool's pods mount or read env from.
func secrets(c *cluster) string {
	set := map[string]bool{}
	for _, p := range c.pools {
		spec := &p.sts.Spec.Template.Spec
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				set[v.Secret.SecretName] = true
			}
		}
		for _, ct := range spec.Containers {
			for _, e := range ct.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					set[e.ValueFrom.SecretKeyRef.Name] = true
				}
			}
		}
	}
	return strings.Join(sortedNames(set), ", ")
}

// mapDiff names the keys added (+), removed (-) or changed (~), skipping one.
func mapDiff(o, n map[string]string, skip string) string {
	var parts []string
	for _, k := range sortedNames(n) {
		if v, ok := o[k]; !ok && k != skip {
			parts = append(parts, "+"+k)
		} else if ok && v != n[k] && k != skip {
			parts = append(parts, "~"+k)
		}
	}
	for _, k := range sortedNames(o) {
		if _, ok := n[k]; !ok && k != skip {
			parts = append(parts, "-"+k)
		}
	}
	return joinList(parts)
}

func envDiff(o, n []corev1.EnvVar) string {
	om, nm := map[string]corev1.EnvVar{}, map[string]corev1.EnvVar{}
	for _, e := range o {
		om[e.Name] = e
	}
	for _, e := range n {
		nm[e.Name] = e
	}
	var parts []string
	for _, k := range sortedNames(nm) {
		if e, ok := om[k]; !ok {
			parts = append(parts, "+"+k)
		} else if !equality.Semantic.DeepEqual(e, nm[k]) {
			parts = append(parts, "~"+k)
		}
	}
	for _, k := range sortedNames(om) {
		if _, ok := nm[k]; !ok {
			parts = append(parts, "-"+k)
		}
	}
	return joinList(parts)
}

// specDiff names the fields of spec in which two objects differ, "" when equal or unreadable.
func specDiff(o, n Object) string {
	om, err1 := o.content()
	nm, err2 := n.content()
	if err1 != nil || err2 != nil {
		return ""
	}
	os, _ := om["spec"].(map[string]any)
	ns, _ := nm["spec"].(map[string]any)
	set := map[string]bool{}
	for k, v := range os {
		if !reflect.DeepEqual(v, ns[k]) {
			set[k] = true
		}
	}
	for k := range ns {
		if _, ok := os[k]; !ok {
			set[k] = true
		}
	}
	return joinList(sortedNames(set))
}

// fieldDiff names the top-level fields in which two typed values differ.
func fieldDiff(a, b any) string {
	am, err1 := runtime.DefaultUnstructuredConverter.ToUnstructured(a)
	bm, err2 := runtime.DefaultUnstructuredConverter.ToUnstructured(b)
	if err1 != nil || err2 != nil {
		if !reflect.DeepEqual(a, b) {
			return "fields"
		}
		return ""
	}
	set := map[string]bool{}
	for k, v := range am {
		if !reflect.DeepEqual(v, bm[k]) {
			set[k] = true
		}
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			set[k] = true
		}
	}
	return joinList(sortedNames(set))
}

func container(s *corev1.PodSpec) *corev1.Container {
	if len(s.Containers) == 0 {
		return nil
	}
	return &s.Containers[0]
}

func roles(s *appsv1.StatefulSet) map[string]bool {
	out := map[string]bool{}
	for k, v := range s.Labels {
		if strings.HasPrefix(k, naming.LabelRolePrefix) && v == "true" {
			out[strings.TrimPrefix(k, naming.LabelRolePrefix)] = true
		}
	}
	return out
}

func roleList(s *appsv1.StatefulSet) string {
	var order = []string{"meta", "broker", "engine"}
	r := roles(s)
	var out []string
	for _, k := range order {
		if r[k] {
			out = append(out, k)
			delete(r, k)
		}
	}
	return strings.Join(append(out, sortedNames(r)...), ", ")
}

func replicas(s *appsv1.StatefulSet) int32 {
	if s.Spec.Replicas == nil {
		return 1
	}
	return *s.Spec.Replicas
}

func start(s *appsv1.StatefulSet) int32 {
	if s.Spec.Ordinals == nil {
		return 0
	}
	return s.Spec.Ordinals.Start
}

// podNames are the pods of ordinal index from..to-1 (relative to the start), highest first when desc.
func podNames(s *appsv1.StatefulSet, from, to int32, desc bool) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%d", s.Name, start(s)+i))
	}
	if desc {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

func ids(s *appsv1.StatefulSet, from, to int32) string {
	if to-from == 1 {
		return fmt.Sprint(start(s) + from)
	}
	return fmt.Sprintf("%d–%d", start(s)+from, start(s)+to-1)
}

func idRange(s *appsv1.StatefulSet) string { return ids(s, 0, replicas(s)) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func quoteOr(s string) string {
	if s == "" {
		return "(cluster default)"
	}
	return fmt.Sprintf("%q", s)
}

func typeOr(t corev1.ServiceType) string {
	if t == "" {
		return string(corev1.ServiceTypeClusterIP)
	}
	return string(t)
}

func protoOr(p corev1.Protocol) string {
	if p == "" {
		return string(corev1.ProtocolTCP)
	}
	return string(p)
}

// summary is a compact one-line form of a value, for messages.
func summary(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
