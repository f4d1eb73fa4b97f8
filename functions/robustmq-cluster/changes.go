package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/changes"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// Result tags of change findings, for CI (examples/ci) to group them.
const (
	TagChange   = "robustmq.io/change"
	TagChangeID = "robustmq.io/change-id"
	TagCluster  = naming.AnnotationCluster
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
	before := changeObjects(rl.Items, func(o *fn.KubeObject) bool {
		if o.GetAnnotation(naming.AnnotationGenerated) != naming.FunctionName {
			return false
		}
		objects[o.PathAnnotation()+"\x00"+o.GetKind()+"\x00"+o.GetName()] = o
		return true
	})
	after := changeObjects(generated, func(*fn.KubeObject) bool { return true })
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

// changeObjects converts for the check; StatefulSets and Services get a digest, so an unchanged cluster costs
// only a walk over their YAML nodes.
func changeObjects(objs fn.KubeObjects, keep func(*fn.KubeObject) bool) []changes.Object {
	var out []changes.Object
	for _, o := range objs {
		if !keep(o) {
			continue
		}
		c := changeObject(o)
		// The objects Compare reads first: the pools' StatefulSets, the client Service and the Certificate.
		if k := o.GetKind(); (k == "StatefulSet" && c.Pool != "") || (k == "Service" || k == "Certificate") && c.Pool == "" {
			c.Digest = digest(o.CopyToResourceNode().YNode())
		}
		out = append(out, c)
	}
	return out
}

// digest hashes a YAML node tree, leaving out the annotations kpt adds (file path, index).
func digest(n *yaml.Node) string {
	var buf []byte
	var walk func(n *yaml.Node, annotations bool)
	walk = func(n *yaml.Node, annotations bool) {
		buf = append(buf, byte(n.Kind))
		buf = append(buf, n.Value...)
		buf = append(buf, 0)
		for i := 0; i < len(n.Content); i++ {
			c := n.Content[i]
			if n.Kind != yaml.MappingNode || i+1 >= len(n.Content) {
				walk(c, false)
				continue
			}
			i++
			if annotations && (strings.HasPrefix(c.Value, "internal.config.kubernetes.io/") ||
				strings.HasPrefix(c.Value, "config.kubernetes.io/") && c.Value != "config.kubernetes.io/local-config") {
				continue
			}
			buf = append(buf, c.Value...)
			buf = append(buf, 0)
			walk(n.Content[i], c.Value == "annotations")
		}
		buf = append(buf, 1)
	}
	walk(n, false)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
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
	field := "kind"
	if gk.Kind == v1alpha1.Kind {
		field = "apiVersion"
	}
	return resultFor(src, fmt.Sprintf("%s %s is not a kind this function reads: did you mean apiVersion: %s, kind: %s?",
		o.GetAPIVersion(), gk.Kind, v1alpha1.APIVersion, v1alpha1.Kind), field, fn.Error)
}
