package main

import (
	"fmt"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"k8s.io/apimachinery/pkg/util/validation/field"

	cluster "github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/rules"
)

// Process checks the items and appends results. It only reads rl.Items: a validator that changed an object would
// hide the very problem it reports.
func Process(rl *fn.ResourceList) (bool, error) {
	cfg, versionSet, results := functionConfig(rl.FunctionConfig)
	if len(results) > 0 {
		rl.Results = append(rl.Results, results...)
		return false, nil
	}
	inv := inventory.Read(rl.Items)
	env := environment(cfg, inv)
	findings := rules.Check(inv, rules.Options{Version: cfg.Spec.Version, VersionSet: versionSet, Prod: env == cluster.Prod})
	skipped := make([]int, len(cfg.Spec.Skip))
	ok := true
	for _, f := range findings {
		ko := f.Object.KO
		if i := skipIndex(cfg, f.Rule, ko); i >= 0 {
			skipped[i]++
			continue
		}
		sev := severity(cfg, env, f.Rule)
		if sev == fn.Error {
			ok = false
		}
		msg := fmt.Sprintf("%s: %s", f.Rule, f.Message)
		if f.Object.File != "" {
			// kpt prints the field path but not the file; say it in the message too.
			msg = f.Object.File + ": " + msg
		}
		r := &fn.Result{
			Message:  msg,
			Severity: sev,
			ResourceRef: &fn.ResourceRef{
				APIVersion: ko.GetAPIVersion(), Kind: ko.GetKind(), Name: ko.GetName(), Namespace: ko.GetNamespace(),
			},
			Tags: map[string]string{"rule": f.Rule},
		}
		if f.Object.File != "" {
			r.File = &fn.File{Path: f.Object.File, Index: f.Object.Index}
		}
		if f.Field != "" {
			r.Field = &fn.Field{Path: f.Field}
		}
		rl.Results = append(rl.Results, r)
	}
	for i, s := range cfg.Spec.Skip {
		rl.Results = append(rl.Results, fn.GeneralResult(fmt.Sprintf("rule %s skipped (%d findings): %s", s.Rule, skipped[i], s.Reason), fn.Info))
	}
	if len(inv.Nodes) == 0 {
		rl.Results = append(rl.Results, fn.GeneralResult("no RobustMQ workload found (by image, mounted server.toml or the "+
			"app.kubernetes.io/name=robustmq label): nothing to check", fn.Info))
	}
	return ok, nil
}

// functionConfig decodes, defaults and validates the RobustMQValidation; an empty functionConfig means defaults.
// versionSet reports whether it names the version itself.
func functionConfig(fc *fn.KubeObject) (cfg *v1alpha1.RobustMQValidation, versionSet bool, results fn.Results) {
	cfg, results = decodeConfig(fc)
	if len(results) > 0 {
		return nil, false, results
	}
	versionSet = cfg.Spec.Version != ""
	cfg.Default()
	if errs := cfg.Validate(rules.Known); len(errs) > 0 {
		return nil, false, configResults(fc, errs)
	}
	return cfg, versionSet, nil
}

func decodeConfig(fc *fn.KubeObject) (*v1alpha1.RobustMQValidation, fn.Results) {
	cfg := &v1alpha1.RobustMQValidation{}
	switch {
	case fc == nil || (fc.GetKind() == "" && fc.GetAPIVersion() == ""):
	case fc.GetKind() == "ConfigMap" && fc.GetAPIVersion() == "v1":
		// kpt fn eval -- environment=dev version=v0.4.11, or an empty one when kpt has no config.
		data, _, _ := fc.NestedStringMap("data")
		cfg.Spec.Version, cfg.Spec.Environment = data["version"], cluster.Environment(data["environment"])
		for k := range data {
			if k != "version" && k != "environment" {
				return nil, configResults(fc, field.ErrorList{field.NotSupported(field.NewPath("data").Key(k), k,
					[]string{"version", "environment"})})
			}
		}
	default:
		decoded, errs := v1alpha1.Decode([]byte(fc.String()))
		if len(errs) > 0 {
			return nil, configResults(fc, errs)
		}
		cfg = decoded
	}
	return cfg, nil
}

func configResults(fc *fn.KubeObject, errs field.ErrorList) fn.Results {
	var out fn.Results
	for _, e := range errs {
		r := &fn.Result{Message: "functionConfig: " + e.ErrorBody(), Severity: fn.Error}
		if fc != nil && fc.GetKind() != "" {
			r.ResourceRef = &fn.ResourceRef{APIVersion: fc.GetAPIVersion(), Kind: fc.GetKind(), Name: fc.GetName(), Namespace: fc.GetNamespace()}
			if p := fc.PathAnnotation(); p != "" {
				r.File = &fn.File{Path: p, Index: max(fc.IndexAnnotation(), 0)}
				r.Message = p + ": " + r.Message
			}
		}
		if e.Field != "" && e.Field != "<nil>" {
			r.Field = &fn.Field{Path: e.Field}
		}
		out = append(out, r)
	}
	return out
}

// environment: the functionConfig's, else the strictest of the RobustMQClusters in the input (their own default is
// dev), else prod: manifests of unknown origin are checked strictly.
func environment(cfg *v1alpha1.RobustMQValidation, inv *inventory.Inventory) cluster.Environment {
	if cfg.Spec.Environment != "" {
		return cfg.Spec.Environment
	}
	if len(inv.Sources) == 0 {
		return cluster.Prod
	}
	rank := map[cluster.Environment]int{cluster.Dev: 0, cluster.Staging: 1, cluster.Prod: 2}
	env := cluster.Dev
	for _, s := range inv.Sources {
		e, _, _ := s.KO.NestedString("spec", "environment")
		r, known := rank[cluster.Environment(e)]
		if !known && e != "" {
			return cluster.Prod
		}
		if r > rank[env] {
			env = cluster.Environment(e)
		}
	}
	return env
}

func severity(cfg *v1alpha1.RobustMQValidation, env cluster.Environment, rule string) fn.Severity {
	if s, ok := cfg.Spec.Severities[rule]; ok {
		return fn.Severity(s)
	}
	r := rules.Lookup(rule)
	if r.Hardening && env != cluster.Prod {
		return fn.Warning
	}
	return fn.Severity(r.Default)
}

func skipIndex(cfg *v1alpha1.RobustMQValidation, rule string, ko *fn.KubeObject) int {
	for i, s := range cfg.Spec.Skip {
		if s.Matches(rule, ko.GetKind(), ko.GetName(), ko.GetNamespace()) {
			return i
		}
	}
	return -1
}
