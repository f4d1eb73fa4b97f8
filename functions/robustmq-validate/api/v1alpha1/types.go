// Package v1alpha1 is the functionConfig of robustmq-validate: RobustMQValidation, robustmq.io/v1alpha1.
package v1alpha1

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	cluster "github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

const (
	Group      = "robustmq.io"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
	Kind       = "RobustMQValidation"
)

// RobustMQValidation configures the checks. Every field is optional: without a functionConfig the function checks
// against the default release, strictly unless the package's RobustMQCluster says otherwise.
type RobustMQValidation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              Spec `json:"spec,omitempty"`
}

type Spec struct {
	// Version is the RobustMQ release the manifests run: it picks the config keys and probe rules. Default v0.4.11.
	Version string `json:"version,omitempty"`
	// Environment sets how strict the hardening rules are: errors in prod, warnings in dev and staging. Default: the
	// spec.environment of the RobustMQCluster the objects were generated from, when it is in the input (kpt render);
	// otherwise prod.
	Environment cluster.Environment `json:"environment,omitempty"`
	// Severities overrides the severity of rules, by rule id: error, warning or info.
	Severities map[string]string `json:"severities,omitempty"`
	// Skip turns rules off, each with the reason, for every object or one.
	Skip []Skip `json:"skip,omitempty"`
}

// Skip turns one rule off. Kind, Name and Namespace, when set, limit it to matching objects.
type Skip struct {
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// Matches reports whether the skip covers a finding of rule on the object.
func (s Skip) Matches(rule, kind, name, namespace string) bool {
	return s.Rule == rule && (s.Kind == "" || s.Kind == kind) && (s.Name == "" || s.Name == name) &&
		(s.Namespace == "" || s.Namespace == namespace)
}

var severities = []string{"error", "warning", "info"}

// Decode reads a RobustMQValidation strictly: a typo in a rule id or field is an error, not a silent default.
func Decode(data []byte) (*RobustMQValidation, field.ErrorList) {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, fmt.Sprintf("read yaml: %v", err))}
	}
	var head metav1.TypeMeta
	if err := json.Unmarshal(j, &head); err != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, err.Error())}
	}
	if head.APIVersion != APIVersion || head.Kind != Kind {
		return nil, field.ErrorList{field.Invalid(field.NewPath("apiVersion"), head.APIVersion+", "+head.Kind,
			fmt.Sprintf("supported: apiVersion %s, kind %s", APIVersion, Kind))}
	}
	var v RobustMQValidation
	strict, err := sigsjson.UnmarshalStrict(j, &v, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, strings.TrimPrefix(err.Error(), "json: "))}
	}
	var errs field.ErrorList
	for _, e := range strict {
		p := e.Error()
		if fe, ok := e.(sigsjson.FieldError); ok {
			p = fe.FieldPath()
		}
		errs = append(errs, field.Forbidden(field.NewPath(p), "unknown or duplicate field; see the function README"))
	}
	return &v, errs
}

// Default fills the version. The environment is left empty: the processor knows whether a RobustMQCluster says it.
func (v *RobustMQValidation) Default() {
	if v.Spec.Version == "" {
		v.Spec.Version = cluster.DefaultVersion
	}
}

// Validate returns every problem; known reports whether a rule id exists.
func (v *RobustMQValidation) Validate(known func(string) bool) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	s := &v.Spec
	if !slices.Contains(cluster.SupportedVersions, s.Version) {
		errs = append(errs, field.NotSupported(spec.Child("version"), s.Version, cluster.SupportedVersions))
	}
	switch s.Environment {
	case "", cluster.Dev, cluster.Staging, cluster.Prod:
	default:
		errs = append(errs, field.NotSupported(spec.Child("environment"), s.Environment, []string{"dev", "staging", "prod"}))
	}
	ids := make([]string, 0, len(s.Severities))
	for id := range s.Severities {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := spec.Child("severities").Key(id)
		if !known(id) {
			errs = append(errs, field.NotFound(p, id))
		}
		if !slices.Contains(severities, s.Severities[id]) {
			errs = append(errs, field.NotSupported(p, s.Severities[id], severities))
		}
	}
	for i, sk := range s.Skip {
		p := spec.Child("skip").Index(i)
		if !known(sk.Rule) {
			errs = append(errs, field.NotFound(p.Child("rule"), sk.Rule))
		}
		if strings.TrimSpace(sk.Reason) == "" {
			errs = append(errs, field.Required(p.Child("reason"), "say why the rule does not apply: the reason is kept in the results"))
		}
	}
	return errs
}
