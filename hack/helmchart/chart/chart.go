// Package chart generates the files of charts/robustmq that must follow the function: values.yaml (every key of
// the RobustMQCluster spec, in the Go types' order, with the types' comments; values from the base package
// packages/robustmq), values.schema.json (the CRD's spec schema, closed to unknown keys) and Chart.yaml (the chart
// version from VERSION (robustmqkpt.Version), appVersion the RobustMQ release the function pins).
package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

const (
	Dir         = "charts/robustmq"
	crdFile     = "functions/robustmq-cluster/crd/robustmq.io_robustmqclusters.yaml"
	defaultsPkg = "packages/robustmq/cluster.yaml"

	// ApproveKey is the one chart value that is not in the spec: it becomes the robustmq.io/approve annotation.
	ApproveKey = "approve"
)

// Files returns the generated files by path relative to the repository root.
func Files(root string) (map[string][]byte, error) {
	spec, err := specSchema(filepath.Join(root, crdFile))
	if err != nil {
		return nil, err
	}
	defaults, err := packageSpec(filepath.Join(root, defaultsPkg))
	if err != nil {
		return nil, err
	}
	values, err := Values(spec, defaults)
	if err != nil {
		return nil, err
	}
	schema, err := Schema(spec)
	if err != nil {
		return nil, err
	}
	chartYAML, err := ChartYAML(strings.TrimPrefix(robustmqkpt.Version, "v"))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		Dir + "/values.yaml":        values,
		Dir + "/values.schema.json": schema,
		Dir + "/Chart.yaml":         chartYAML,
	}, nil
}

// Write regenerates the files.
func Write(root string) error {
	files, err := Files(root)
	if err != nil {
		return err
	}
	for p, b := range files {
		if err := os.WriteFile(filepath.Join(root, p), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Check reports every generated file that differs from what Write would write.
func Check(root string) error {
	files, err := Files(root)
	if err != nil {
		return err
	}
	var stale []string
	for p, b := range files {
		have, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || !bytes.Equal(have, b) {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		return fmt.Errorf("out of date: %s (run make generate)", strings.Join(stale, ", "))
	}
	return nil
}

// ChartYAML is the chart's metadata. Keys come out sorted (sigs.k8s.io/yaml), which Helm does not mind.
func ChartYAML(version string) ([]byte, error) {
	return yaml.Marshal(map[string]any{
		"apiVersion":  "v2",
		"name":        "robustmq",
		"description": "A RobustMQ cluster; its manifests are rendered by the robustmq-cluster post-renderer (docs/helm.md)",
		"type":        "application",
		"version":     version,
		"appVersion":  v1alpha1.DefaultVersion,
		// StatefulSet ordinals.start is GA in 1.31; the pod-index label needs 1.28.
		"kubeVersion": ">=1.31.0-0",
		"home":        "https://github.com/robustmq/robustmq-kpt",
		"sources":     []string{"https://github.com/robustmq/robustmq-kpt", "https://github.com/robustmq/robustmq"},
		"keywords":    []string{"robustmq", "mqtt", "kafka", "amqp", "nats", "message-broker"},
	})
}

// specSchema reads the OpenAPI schema of spec from the CRD.
func specSchema(crd string) (map[string]any, error) {
	b, err := os.ReadFile(crd)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read %s: %w", crd, err)
	}
	versions, _ := dig(doc, "spec", "versions").([]any)
	for _, v := range versions {
		if vm, ok := v.(map[string]any); ok && vm["name"] == v1alpha1.Version {
			if s, ok := dig(vm, "schema", "openAPIV3Schema", "properties", "spec").(map[string]any); ok {
				return s, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: no spec schema for %s", crd, v1alpha1.Version)
}

// packageSpec reads the spec of the base package's RobustMQCluster: the chart's defaults are that package.
func packageSpec(file string) (map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	spec, _ := doc["spec"].(map[string]any)
	return spec, nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Schema turns the CRD's spec schema into the chart's values.schema.json: every object with properties refuses
// unknown keys (so `helm install` names a typo's path), every optional value may be null (a key values.yaml
// leaves unset), and the chart's own approve list is added.
func Schema(spec map[string]any) ([]byte, error) {
	root := closed(spec, false)
	props := root["properties"].(map[string]any)
	props[ApproveKey] = map[string]any{
		"description": "Ids of blocked changes you approve (the robustmq.io/approve annotation). See docs/helm.md.",
		"type":        "array",
		"items":       map[string]any{"type": "string"},
	}
	// An umbrella chart passes its globals down; the template leaves them out of the spec.
	props["global"] = map[string]any{"type": "object"}
	root["$schema"] = "http://json-schema.org/draft-07/schema#"
	root["title"] = "RobustMQCluster spec (robustmq.io/v1alpha1), as Helm values"
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// closed copies a schema node: JSON Schema keywords only, objects closed, optional values nullable.
func closed(s map[string]any, nullable bool) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"description", "type", "enum", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"} {
		if v, ok := s[k]; ok {
			out[k] = v
		}
	}
	required := map[string]bool{}
	if req, ok := s["required"].([]any); ok {
		out["required"] = req
		for _, r := range req {
			required[r.(string)] = true
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		cp := map[string]any{}
		for k, v := range props {
			vm := v.(map[string]any)
			// An object may be null even when required: values.yaml leaves an unset object empty, and the
			// template drops it.
			cp[k] = closed(vm, !required[k] || kindOf(vm) == kindObject)
		}
		out["properties"] = cp
		if s["x-kubernetes-preserve-unknown-fields"] != true {
			out["additionalProperties"] = false
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		out["additionalProperties"] = closed(ap, false)
	}
	if items, ok := s["items"].(map[string]any); ok {
		out["items"] = closed(items, false)
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var alts []any
		for _, a := range anyOf {
			alts = append(alts, closed(a.(map[string]any), false))
		}
		out["anyOf"] = alts
	}
	if !nullable {
		return out
	}
	switch t := out["type"].(type) {
	case string:
		out["type"] = []any{t, "null"}
	case nil:
		if alts, ok := out["anyOf"].([]any); ok {
			out["anyOf"] = append(alts, map[string]any{"type": "null"})
		}
	}
	if enum, ok := out["enum"].([]any); ok {
		out["enum"] = append(enum, nil)
	}
	return out
}

// Values writes values.yaml: every spec key in the order of the Go types, each under its comment. Keys the base
// package sets carry its values; the others are commented out with a placeholder, and an object none of whose
// keys is set is left empty (null), which the chart's template drops.
func Values(spec, defaults map[string]any) ([]byte, error) {
	w := newValuesWriter()
	w.line(0, "# The RobustMQCluster spec (robustmq.io/v1alpha1) as Helm values, one key per spec field: see")
	w.line(0, "# functions/robustmq-cluster/README.md for the full reference. Generated from the Go types by `make generate`;")
	w.line(0, "# the values set here are those of the base kpt package packages/robustmq. A key left empty (null) or an empty")
	w.line(0, "# object means \"not set\": the function's defaults apply, some of them by environment.")
	w.line(0, "")
	if err := w.object(reflect.TypeFor[v1alpha1.Spec](), spec, defaults, 0, "spec"); err != nil {
		return nil, err
	}
	w.line(0, "")
	w.line(0, "# --- Chart setting, not part of the spec ---")
	w.line(0, "# Approve lists the ids of changes the function blocked and you accept (the robustmq.io/approve annotation):")
	w.line(0, "# `helm upgrade ... --set approve={<id>}`. An id approves exactly one change; see docs/helm.md.")
	w.line(0, ApproveKey+": []")
	return w.buf.Bytes(), nil
}

// valuesWriter writes values.yaml. Inside a commented-out block (commentAt >= 0) every line is commented at
// that column, and unset keys need no comment mark of their own.
type valuesWriter struct {
	buf       bytes.Buffer
	commentAt int
}

func newValuesWriter() *valuesWriter { return &valuesWriter{commentAt: -1} }

func (w *valuesWriter) line(indent int, s string) {
	switch {
	case s == "":
		w.buf.WriteString("\n")
	case w.commentAt >= 0:
		w.buf.WriteString(strings.Repeat(" ", w.commentAt) + "# " + strings.Repeat(" ", indent-w.commentAt) + s + "\n")
	default:
		w.buf.WriteString(strings.Repeat(" ", indent) + s + "\n")
	}
}

// unset writes a key that is not set: commented out, unless the whole block already is.
func (w *valuesWriter) unset(indent int, s string) {
	if w.commentAt >= 0 {
		w.line(indent, s)
		return
	}
	w.line(indent, "# "+s)
}

func (w *valuesWriter) comment(indent int, desc string) {
	para, _, _ := strings.Cut(strings.TrimSpace(desc), "\n\n")
	if para == "" {
		return
	}
	for _, l := range strings.Split(para, "\n") {
		w.line(indent, strings.TrimRight("# "+l, " "))
	}
}

// object writes the fields of struct type t at indent; vals holds the values set (nil: none).
func (w *valuesWriter) object(t reflect.Type, schema, vals map[string]any, indent int, path string) error {
	props, _ := schema["properties"].(map[string]any)
	seen := map[string]bool{}
	lastDesc := ""
	for _, f := range fields(t) {
		s, ok := props[f.name].(map[string]any)
		if !ok {
			return fmt.Errorf("%s.%s: in the Go types but not in the CRD (run make generate)", path, f.name)
		}
		seen[f.name] = true
		// Fields of one type share its comment (listeners); say it once per object.
		desc := str(s["description"])
		if desc == lastDesc {
			s = withoutDescription(s)
		}
		lastDesc = desc
		if err := w.field(f, s, vals, indent, path+"."+f.name); err != nil {
			return err
		}
	}
	for k := range props {
		if !seen[k] {
			return fmt.Errorf("%s.%s: in the CRD but not in the Go types", path, k)
		}
	}
	for k := range vals {
		if !seen[k] {
			return fmt.Errorf("%s: %s sets %s, which the spec does not have", defaultsPkg, path, k)
		}
	}
	return nil
}

func (w *valuesWriter) field(f field, s map[string]any, vals map[string]any, indent int, path string) error {
	w.comment(indent, str(s["description"]))
	v, set := vals[f.name]
	switch kindOf(s) {
	case kindObject:
		m, _ := v.(map[string]any)
		// An unset object is written as a key with nothing set below it (null, which Helm drops). Below an unset
		// object it is commented out instead: Helm would drop it and leave its parent an empty object, which
		// the schema refuses when the parent requires it (tls.certManager.issuerRef).
		if !set && vals == nil && w.commentAt < 0 {
			w.commentAt = indent
			defer func() { w.commentAt = -1 }()
		}
		w.line(indent, f.name+":")
		return w.object(f.typ, s, m, indent+2, path)
	case kindList:
		list, _ := v.([]any)
		if !set || len(list) == 0 {
			w.unset(indent, f.name+": []")
			return nil
		}
		items, _ := s["items"].(map[string]any)
		if kindOf(items) != kindObject {
			w.line(indent, f.name+": "+flow(list))
			return nil
		}
		w.line(indent, f.name+":")
		for i, it := range list {
			m, _ := it.(map[string]any)
			sub := newValuesWriter()
			if err := sub.object(f.typ, items, m, indent+4, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
			w.listItem(indent+2, sub.buf.String())
		}
		return nil
	case kindMap:
		m, _ := v.(map[string]any)
		if len(m) == 0 {
			w.unset(indent, f.name+": {}")
			return nil
		}
		w.line(indent, f.name+":")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w.line(indent+2, scalar(k)+": "+valueText(m[k]))
		}
		return nil
	default:
		if !set || v == nil {
			w.unset(indent, f.name+": "+placeholder(s))
			return nil
		}
		w.line(indent, f.name+": "+valueText(v))
		return nil
	}
}

// listItem writes one list element: its comments at the dash's indent, then `- ` in front of its first key.
func (w *valuesWriter) listItem(indent int, body string) {
	dashed := false
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		trimmed := strings.TrimLeft(l, " ")
		switch {
		case dashed:
			w.buf.WriteString(l + "\n")
		case strings.HasPrefix(trimmed, "#"):
			w.line(indent, trimmed)
		default:
			w.line(indent, "- "+trimmed)
			dashed = true
		}
	}
}

func withoutDescription(s map[string]any) map[string]any {
	cp := map[string]any{}
	for k, v := range s {
		if k != "description" {
			cp[k] = v
		}
	}
	return cp
}

type kind int

const (
	kindLeaf kind = iota
	kindObject
	kindList
	kindMap
)

func kindOf(s map[string]any) kind {
	switch {
	case s["type"] == "object" && s["properties"] != nil:
		return kindObject
	case s["type"] == "object" && s["additionalProperties"] != nil:
		return kindMap
	case s["type"] == "array":
		return kindList
	}
	return kindLeaf
}

func placeholder(s map[string]any) string {
	if enum, ok := s["enum"].([]any); ok {
		var alts []string
		for _, e := range enum {
			alts = append(alts, fmt.Sprint(e))
		}
		return "<" + strings.Join(alts, " | ") + ">"
	}
	if s["x-kubernetes-int-or-string"] == true {
		return "<quantity>"
	}
	if t := str(s["type"]); t != "" {
		return "<" + t + ">"
	}
	return "<value>"
}

type field struct {
	name string
	// typ is the field's struct type: the element type for lists and the pointed-to type for pointers.
	typ reflect.Type
}

// fields lists the JSON fields of a struct type in declaration order.
func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" || !f.IsExported() {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		out = append(out, field{name: name, typ: ft})
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// scalar writes one YAML scalar, quoted where YAML would read it as something else.
func scalar(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func valueText(v any) string {
	if list, ok := v.([]any); ok {
		return flow(list)
	}
	return scalar(v)
}

func flow(list []any) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = scalar(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
