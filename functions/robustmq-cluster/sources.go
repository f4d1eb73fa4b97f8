package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

// outputDir is where a cluster's objects go: <folder of its file>/<name>, or <name>.<namespace> when another
// cluster in that folder has the same name (in another namespace). Names and namespaces are DNS labels, so a
// dotted folder never meets another cluster's.
func outputDir(src source, all []source) string {
	dir := path.Dir(src.file)
	name, ns := src.obj.GetName(), src.obj.GetNamespace()
	for _, o := range all {
		if o.obj != src.obj && o.obj.GetName() == name && path.Dir(o.file) == dir && ns != "" {
			return path.Join(dir, name+"."+ns)
		}
	}
	return path.Join(dir, name)
}

// objectID is how the API server tells objects apart: group, kind, namespace and name.
func objectID(o *fn.KubeObject) string {
	kind := o.GetKind()
	if g := o.GroupKind().Group; g != "" {
		kind += "." + g
	}
	if ns := o.GetNamespace(); ns != "" {
		return kind + " " + ns + "/" + o.GetName()
	}
	return kind + " " + o.GetName()
}

// collisions reports generated objects of two clusters that would be the same object once applied (cluster mq
// with pool a-b and cluster mq-a with pool b both make StatefulSet mq-a-b). Local config is never applied.
func collisions(byCluster []fn.KubeObjects, sources []source) fn.Results {
	owner := map[string]int{}
	var results fn.Results
	reported := map[[2]int]bool{}
	for i, objs := range byCluster {
		for _, o := range objs {
			if o.GetAnnotation("config.kubernetes.io/local-config") == "true" {
				continue
			}
			id := objectID(o)
			j, taken := owner[id]
			if !taken {
				owner[id] = i
				continue
			}
			if reported[[2]int{j, i}] {
				continue
			}
			reported[[2]int{j, i}] = true
			msg := fmt.Sprintf("clusters %s and %s would both generate %s (and maybe more): rename a cluster or a pool",
				clusterID(sources[j]), clusterID(sources[i]), id)
			results = append(results, resultFor(sources[i], msg, "metadata.name", fn.Error))
		}
	}
	return results
}

func clusterID(src source) string {
	if ns := src.obj.GetNamespace(); ns != "" {
		return ns + "/" + src.obj.GetName()
	}
	return src.obj.GetName()
}

// nearMisses finds objects that look meant to be a RobustMQCluster but are not read as one: a kind or apiVersion
// off by a typo would otherwise leave the package without a cluster and the run without an error.
func nearMisses(rl *fn.ResourceList) fn.Results {
	var results fn.Results
	for _, it := range rl.Items {
		if isCluster(it) {
			continue
		}
		kind := it.GetKind()
		if !nearly(kind, v1alpha1.Kind) {
			continue
		}
		src := source{obj: it, file: it.PathAnnotation(), idx: max(it.IndexAnnotation(), 0)}
		results = append(results, resultFor(src, fmt.Sprintf("%s %s is not read: did you mean apiVersion %s, kind %s?",
			it.GetAPIVersion(), kind, v1alpha1.APIVersion, v1alpha1.Kind), "kind", fn.Error))
	}
	return results
}

// nearly reports whether a is b but for case or at most two edits.
func nearly(a, b string) bool {
	return v1alpha1.EditDistance(strings.ToLower(a), strings.ToLower(b)) <= 2
}

// oversized refuses, before it is decoded, a cluster with more pools than the caps allow: serializing and
// decoding a pool list of megabytes takes longer than any render should, to end in the same error.
func oversized(src source) *fn.Result {
	pools, _, err := src.obj.NestedSlice("spec", "pools")
	if err != nil || len(pools) <= v1alpha1.MaxPools {
		return nil
	}
	return resultFor(src, fmt.Sprintf("Too many: %d: must have at most %d items", len(pools), v1alpha1.MaxPools), "spec.pools", fn.Error)
}

// placeholderResults warns about example values left in a valid cluster (v1alpha1.Placeholders says why warnings).
func placeholderResults(src source, c *v1alpha1.RobustMQCluster) fn.Results {
	var out fn.Results
	for _, e := range c.Placeholders() {
		out = append(out, resultFor(src, fmt.Sprintf("placeholder: %v: %s", e.BadValue, e.Detail), e.Field, fn.Warning))
	}
	return out
}
