package main

import (
	"fmt"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/changes"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Result tags of change findings, for CI (examples/ci) to group them.
const (
	TagChange   = "robustmq.io/change"
	TagChangeID = "robustmq.io/change-id"
	TagCluster  = "robustmq.io/cluster"
	TagPool     = "robustmq.io/pool"
)

// checkChanges compares what the function generated before (the generated items of the input) with the new
// render, lets through what the clusters' robustmq.io/approve annotations approve, and returns the results. safe
// is false when any change is blocked or a resource looks like a misspelt RobustMQCluster.
func checkChanges(rl *fn.ResourceList, sources []source, generated fn.KubeObjects) (results fn.Results, safe bool) {
	safe = true
	for _, it := range rl.Items {
		if r := misspeltCluster(it); r != nil {
			results, safe = append(results, r), false
		}
	}
	objects := map[string]*fn.KubeObject{}
	var before, after []changes.Object
	for _, it := range rl.Items {
		if it.GetAnnotation(naming.AnnotationGenerated) == naming.FunctionName {
			o := changeObject(it)
			objects[o.File+"\x00"+o.Kind+"\x00"+o.Name] = it
			before = append(before, o)
		}
	}
	for _, g := range generated {
		after = append(after, changeObject(g))
	}
	findings, err := changes.Compare(before, after)
	if err != nil {
		return append(results, fn.GeneralResult(fmt.Sprintf("compare with the previous render: %v", err), fn.Error)), false
	}

	byCluster := map[string]source{}
	var approved []string
	approvedBy := map[string]source{}
	for _, src := range sources {
		byCluster[src.obj.GetNamespace()+"/"+src.obj.GetName()] = src
		for _, id := range changes.ParseApprovals(src.obj.GetAnnotation(changes.AnnotationApprove)) {
			approved = append(approved, id)
			approvedBy[id] = src
		}
	}
	// Approvals hold for the whole package: a removed cluster has no RobustMQCluster left to carry its own.
	stale := changes.Approve(findings, approved)

	for _, f := range findings {
		src, ok := byCluster[f.Namespace+"/"+f.Cluster]
		if !ok && f.Object != nil {
			if ko := objects[f.Object.File+"\x00"+f.Object.Kind+"\x00"+f.Object.Name]; ko != nil {
				src, ok = source{obj: ko, file: ko.PathAnnotation(), idx: max(ko.IndexAnnotation(), 0)}, true
			}
		}
		if !ok {
			results = append(results, fn.GeneralResult(f.Message, severity(f.Severity)))
			continue
		}
		field := f.Field
		if f.Object == nil {
			field = clusterField(src, f)
		}
		r := resultFor(src, f.Message, field, severity(f.Severity))
		r.Tags = map[string]string{TagChange: f.Change, TagCluster: f.Cluster}
		if f.Pool != "" {
			r.Tags[TagPool] = f.Pool
		}
		if f.ID != "" {
			r.Tags[TagChangeID] = f.ID
		}
		results = append(results, r)
		if f.Blocking() {
			safe = false
		}
	}
	for _, id := range stale {
		r := resultFor(approvedBy[id], fmt.Sprintf("approval %s matches no pending change: approval no longer needed, remove it", id),
			"metadata.annotations["+changes.AnnotationApprove+"]", fn.Warning)
		r.Tags = map[string]string{TagChangeID: id}
		results = append(results, r)
	}
	return results, safe
}

func changeObject(o *fn.KubeObject) changes.Object {
	return changes.Object{
		Kind: o.GetKind(), Name: o.GetName(), Namespace: o.GetNamespace(),
		Cluster: o.GetAnnotation(naming.AnnotationCluster), Pool: o.GetLabel(naming.LabelComponent),
		File: o.PathAnnotation(),
		// Through the YAML node, not YAML text as KubeObject.As goes: text made the check cost half a render.
		Map: func() (map[string]any, error) { return o.CopyToResourceNode().Map() },
	}
}

// clusterField is the path in the RobustMQCluster of a finding: pool fields under the pool's entry.
func clusterField(src source, f changes.Finding) string {
	if f.Pool == "" || strings.HasPrefix(f.Field, "spec.") || strings.HasPrefix(f.Field, "metadata.") {
		return f.Field
	}
	pools, _, _ := src.obj.NestedSlice("spec", "pools")
	for i, p := range pools {
		if name, _, _ := p.NestedString("name"); name == f.Pool {
			if f.Field == "" {
				return fmt.Sprintf("spec.pools[%d]", i)
			}
			return fmt.Sprintf("spec.pools[%d].%s", i, f.Field)
		}
	}
	return "spec.pools"
}

func severity(s changes.Severity) fn.Severity {
	switch s {
	case changes.Error:
		return fn.Error
	case changes.Warning:
		return fn.Warning
	}
	return fn.Info
}

// misspeltCluster is an error for a resource that looks like a RobustMQCluster but is not one: the function
// would not read it, and would prune everything generated from it.
func misspeltCluster(o *fn.KubeObject) *fn.Result {
	gk := o.GroupKind()
	if isCluster(o) || (gk.Group != v1alpha1.Group && !strings.Contains(strings.ToLower(gk.Kind), "robustmq")) {
		return nil
	}
	src := source{obj: o, file: o.PathAnnotation(), idx: max(o.IndexAnnotation(), 0)}
	return resultFor(src, fmt.Sprintf("%s %s is not a kind this function reads: did you mean apiVersion: %s, kind: %s?",
		o.GetAPIVersion(), gk.Kind, v1alpha1.APIVersion, v1alpha1.Kind), "kind", fn.Error)
}
