package main

import (
	"fmt"
	"path"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/monitoring"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/networking"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/policy"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// source is a RobustMQCluster and where it came from, for results and output paths.
type source struct {
	obj  *fn.KubeObject
	file string
	idx  int
}

// Process reads every RobustMQCluster in the package (and the functionConfig, when it is one), and replaces the
// objects it generated before with fresh ones. On any error nothing in the list changes.
func Process(rl *fn.ResourceList) (bool, error) {
	sources := clusterSources(rl)
	var generated fn.KubeObjects
	ok := true
	names := map[string]bool{}
	for _, src := range sources {
		// Two clusters of one name would generate the same objects.
		if id := src.obj.GetNamespace() + "/" + src.obj.GetName(); names[id] {
			rl.Results = append(rl.Results, resultFor(src, fmt.Sprintf("another RobustMQCluster is named %s", id), "metadata.name", fn.Error))
			ok = false
			continue
		} else {
			names[id] = true
		}
		objs, results := render(src)
		rl.Results = append(rl.Results, results...)
		if results.ExitCode() != 0 {
			ok = false
			continue
		}
		generated = append(generated, objs...)
	}
	if len(sources) == 0 {
		rl.Results = append(rl.Results, fn.GeneralResult(
			fmt.Sprintf("no %s %s found in the package or the functionConfig", v1alpha1.APIVersion, v1alpha1.Kind), fn.Warning))
	}
	if !ok {
		return false, nil
	}
	// Change safety (changes.go): what applying this render does to the running cluster; blocks what breaks it.
	results, safe := checkChanges(rl, sources, generated)
	rl.Results = append(rl.Results, results...)
	if !safe {
		return false, nil
	}
	kept := rl.Items[:0:0]
	for _, it := range rl.Items {
		if it.GetAnnotation(naming.AnnotationGenerated) != naming.FunctionName {
			kept = append(kept, it)
		}
	}
	rl.Items = append(kept, generated...)
	return true, nil
}

func clusterSources(rl *fn.ResourceList) []source {
	var out []source
	seen := map[string]bool{}
	for _, it := range rl.Items {
		if isCluster(it) {
			out = append(out, source{obj: it, file: it.PathAnnotation(), idx: max(it.IndexAnnotation(), 0)})
			seen[it.GetNamespace()+"/"+it.GetName()] = true
		}
	}
	// As a kustomize generator or with `kpt fn eval --fn-config`, the cluster arrives as the functionConfig.
	if fc := rl.FunctionConfig; fc != nil && isCluster(fc) && !seen[fc.GetNamespace()+"/"+fc.GetName()] {
		out = append(out, source{obj: fc, file: fc.PathAnnotation(), idx: max(fc.IndexAnnotation(), 0)})
	}
	return out
}

func isCluster(o *fn.KubeObject) bool {
	return o.GroupKind().Group == v1alpha1.Group && o.GetKind() == v1alpha1.Kind
}

// render decodes, defaults and validates one cluster, then builds its objects.
func render(src source) (fn.KubeObjects, fn.Results) {
	c, errs := v1alpha1.Decode([]byte(src.obj.String()))
	if len(errs) == 0 {
		c.Default()
		errs = c.Validate()
	}
	if len(errs) > 0 {
		return nil, fieldResults(src, errs)
	}
	t, err := topology.Resolve(c)
	if err != nil {
		return nil, fn.Results{resultFor(src, fmt.Sprintf("resolve cluster %s: %v", c.Name, err), "", fn.Error)}
	}
	objs, err := build(t)
	if err != nil {
		return nil, fn.Results{resultFor(src, fmt.Sprintf("build cluster %s: %v", c.Name, err), "", fn.Error)}
	}
	var results fn.Results
	for _, f := range policy.Check(t, objs) {
		sev := fn.Warning
		if f.Error {
			sev = fn.Error
		}
		results = append(results, resultFor(src, fmt.Sprintf("%s: %s", f.Rule, f.Message), f.Field, sev))
	}
	if results.ExitCode() != 0 {
		return nil, results
	}
	dir := path.Join(path.Dir(src.file), c.Name)
	var out fn.KubeObjects
	for i, o := range objs {
		ko, err := toKubeObject(o.Object, path.Join(dir, o.File))
		if err != nil {
			return nil, append(results, resultFor(src, fmt.Sprintf("convert object %d of cluster %s: %v", i, c.Name, err), "", fn.Error))
		}
		out = append(out, ko)
	}
	return out, results
}

// build runs every builder of a resolved cluster, in a fixed order.
func build(c *topology.Cluster) ([]output.Object, error) {
	var all []output.Object
	for _, b := range []func(*topology.Cluster) ([]output.Object, error){
		manifests.Build, networking.Build, monitoring.Build,
	} {
		objs, err := b(c)
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
	}
	return all, nil
}

func fieldResults(src source, errs field.ErrorList) fn.Results {
	var out fn.Results
	for _, e := range errs {
		msg := e.ErrorBody()
		out = append(out, resultFor(src, msg, e.Field, fn.Error))
	}
	return out
}

func resultFor(src source, msg, fieldPath string, sev fn.Severity) *fn.Result {
	r := &fn.Result{
		Message:  msg,
		Severity: sev,
		ResourceRef: &fn.ResourceRef{
			APIVersion: src.obj.GetAPIVersion(),
			Kind:       src.obj.GetKind(),
			Name:       src.obj.GetName(),
			Namespace:  src.obj.GetNamespace(),
		},
	}
	if src.file != "" {
		r.File = &fn.File{Path: src.file, Index: src.idx}
		// kpt prints the field path but not the file; say it in the message too.
		r.Message = src.file + ": " + msg
	}
	if fieldPath != "" && fieldPath != "<nil>" {
		r.Field = &fn.Field{Path: fieldPath}
	}
	return r
}

// toKubeObject converts a typed object, dropping status and null timestamps, and sets its file path.
func toKubeObject(obj any, file string) (*fn.KubeObject, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	clean(m)
	ko, err := fn.NewKubeObjectFromMap(m)
	if err != nil {
		return nil, err
	}
	if err := ko.SetPathAnnotation(file); err != nil {
		return nil, err
	}
	// One object per file, so every index is 0.
	return ko, ko.SetIndexAnnotation(0)
}

// clean removes what the API server fills in itself: status maps (at any depth, e.g. in volumeClaimTemplates)
// and null creationTimestamps. Empty maps such as emptyDir: {} stay, they carry meaning.
func clean(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			_, isMap := x.(map[string]any)
			if (k == "status" && isMap) || (k == "creationTimestamp" && x == nil) {
				delete(t, k)
				continue
			}
			clean(x)
		}
	case []any:
		for _, x := range t {
			clean(x)
		}
	}
}
