package main

import (
	"os"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// operator reads the operator case, which breaks many rules of both kinds.
func operator(t *testing.T) fn.KubeObjects {
	items, _ := readDir(t, "testdata/manifests/operator")
	require.NotEmpty(t, items)
	return items
}

func config(t *testing.T, spec string) *fn.KubeObject {
	t.Helper()
	o, err := fn.ParseKubeObject([]byte("apiVersion: robustmq.io/v1alpha1\nkind: RobustMQValidation\nmetadata:\n  name: v\n  annotations:\n" +
		"    config.kubernetes.io/local-config: \"true\"\nspec:\n" + spec))
	require.NoError(t, err)
	require.NoError(t, o.SetPathAnnotation("validation.yaml"))
	return o
}

func byRule(o outcome, rule string) []*fn.Result {
	var out []*fn.Result
	for _, r := range o.Results {
		if r.Tags["rule"] == rule {
			out = append(out, r)
		}
	}
	return out
}

func TestFunctionConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ spec, field string }{
		"unknown field":       {"  versoin: v0.4.11\n", "spec.versoin"},
		"old version":         {"  version: v0.4.9\n", "spec.version"},
		"bad environment":     {"  environment: production\n", "spec.environment"},
		"unknown rule":        {"  severities: {broker-ids: warning}\n", "spec.severities[broker-ids]"},
		"bad severity":        {"  severities: {ports: fatal}\n", "spec.severities[ports]"},
		"skip without reason": {"  skip: [{rule: ports}]\n", "spec.skip[0].reason"},
		"skip unknown rule":   {"  skip: [{rule: nope, reason: x}]\n", "spec.skip[0].rule"},
	} {
		t.Run(name, func(t *testing.T) {
			o := run(t, operator(t), config(t, tc.spec))
			assert.False(t, o.OK)
			require.NotEmpty(t, o.Results)
			for _, r := range o.Results {
				assert.Equal(t, fn.Error, r.Severity)
				assert.Contains(t, r.Message, "validation.yaml: functionConfig")
			}
			require.NotNil(t, o.Results[0].Field, o.Results[0].Message)
			assert.Equal(t, tc.field, o.Results[0].Field.Path)
		})
	}
}

// Severities and skips change what fails, and a skip's reason is kept in the results.
func TestSeveritiesAndSkips(t *testing.T) {
	base := run(t, operator(t), nil)
	require.False(t, base.OK)
	require.NotEmpty(t, byRule(base, "broker-id-unique"))
	assert.Equal(t, fn.Error, byRule(base, "broker-id-unique")[0].Severity)

	// Every rule the operator case breaks, turned to warnings or skipped: it passes.
	var sev, skip []string
	seen := map[string]bool{}
	for _, r := range base.Results {
		rule := r.Tags["rule"]
		if rule == "" || seen[rule] {
			continue
		}
		seen[rule] = true
		if rule == "broker-id-unique" {
			skip = append(skip, "  - {rule: broker-id-unique, kind: ConfigMap, name: robustmq-sample-config, reason: a wrapper script sets the id}\n")
			continue
		}
		sev = append(sev, "    "+rule+": warning\n")
	}
	o := run(t, operator(t), config(t, "  severities:\n"+strings.Join(sev, "")+"  skip:\n"+strings.Join(skip, "")))
	assert.True(t, o.OK, "%v", o.Results)
	assert.Empty(t, byRule(o, "broker-id-unique"))
	var info []string
	for _, r := range o.Results {
		if r.Severity == fn.Info {
			info = append(info, r.Message)
		}
		if r.Tags["rule"] != "" {
			assert.Equal(t, fn.Warning, r.Severity, r.Message)
		}
	}
	assert.Contains(t, info, "rule broker-id-unique skipped (1 findings): a wrapper script sets the id")

	// A skip limited to another object skips nothing.
	o = run(t, operator(t), config(t, "  skip:\n  - {rule: broker-id-unique, name: other, reason: x}\n"))
	assert.NotEmpty(t, byRule(o, "broker-id-unique"))
}

// Hardening rules follow the environment: errors in prod (the default for manifests of unknown origin), warnings in
// dev; rules on RobustMQ's own behaviour are errors everywhere.
func TestEnvironment(t *testing.T) {
	for env, want := range map[string]fn.Severity{"": fn.Error, "prod": fn.Error, "staging": fn.Warning, "dev": fn.Warning} {
		t.Run("env="+env, func(t *testing.T) {
			var cfg *fn.KubeObject
			if env != "" {
				cfg = config(t, "  environment: "+env+"\n")
			}
			o := run(t, operator(t), cfg)
			require.NotEmpty(t, byRule(o, "pod-security"))
			assert.Equal(t, want, byRule(o, "pod-security")[0].Severity)
			assert.Equal(t, fn.Error, byRule(o, "config-required")[0].Severity)
		})
	}
	// kpt fn eval -- environment=dev passes a ConfigMap.
	cm, err := fn.ParseKubeObject([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {environment: dev}\n"))
	require.NoError(t, err)
	o := run(t, operator(t), cm)
	assert.Equal(t, fn.Warning, byRule(o, "pod-security")[0].Severity)
	assert.Equal(t, fn.Error, byRule(o, "config-required")[0].Severity)
}

// The image's release: any supported one passes unless spec.version names another; an unsupported one fails.
func TestImageVersion(t *testing.T) {
	items := func(tag string) fn.KubeObjects {
		b, err := os.ReadFile("testdata/manifests/hand-written/robustmq.yaml")
		require.NoError(t, err)
		objs, err := fn.ParseKubeObjects([]byte(strings.ReplaceAll(string(b), "robustmq:v0.4.11", "robustmq:"+tag)))
		require.NoError(t, err)
		return objs
	}
	assert.Empty(t, byRule(run(t, items("v0.4.10"), nil), "image-version"), "v0.4.10 is supported")
	assert.NotEmpty(t, byRule(run(t, items("v0.4.10"), config(t, "  version: v0.4.11\n")), "image-version"))
	assert.Empty(t, byRule(run(t, items("v0.4.10"), config(t, "  version: v0.4.10\n")), "image-version"))
	o := run(t, items("v0.4.9"), nil)
	require.Len(t, byRule(o, "image-version"), 2)
	assert.Contains(t, byRule(o, "image-version")[0].Message, "runs RobustMQ v0.4.9")
	assert.False(t, o.OK)
}
