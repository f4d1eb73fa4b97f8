package helmpost

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

// process stands in for the function's Process (package main cannot be imported): it generates one object per
// cluster and prunes what it generated before, the contract Process keeps, and records what it was given.
type recorder struct{ got fn.KubeObjects }

func (r *recorder) process(rl *fn.ResourceList) (bool, error) {
	r.got = append(fn.KubeObjects(nil), rl.Items...)
	var kept, gen fn.KubeObjects
	for _, it := range rl.Items {
		if it.GetAnnotation(naming.AnnotationGenerated) == naming.FunctionName {
			continue
		}
		kept = append(kept, it)
		if isCluster(it) {
			if it.GetNamespace() == "bad" {
				rl.Results = append(rl.Results, &fn.Result{Message: "replicas must be odd", Severity: fn.Error,
					Field: &fn.Field{Path: "spec.pools[0].replicas"}, Tags: map[string]string{"robustmq.io/change-id": "abc123"}})
				return false, nil
			}
			o := fn.NewEmptyKubeObject()
			_ = o.SetAPIVersion("v1")
			_ = o.SetKind("ServiceAccount")
			_ = o.SetName(it.GetName())
			_ = o.SetNamespace(it.GetNamespace())
			_ = o.SetAnnotation(naming.AnnotationGenerated, naming.FunctionName)
			_ = o.SetPathAnnotation(it.GetName() + "/serviceaccount.yaml")
			_ = o.SetIndexAnnotation(0)
			gen = append(gen, o)
		}
	}
	rl.Items = append(kept, gen...)
	return true, nil
}

const other = "# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other   # a comment\ndata: {a: \"1\"}\n"

func cluster(ns string, annotations ...string) string {
	s := "# Source: robustmq/templates/cluster.yaml\napiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata:\n  name: mq\n  namespace: " + ns +
		"\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n"
	for _, a := range annotations {
		s += "    " + a + "\n"
	}
	return s + "spec: {}\n"
}

func run(t *testing.T, in string, args ...string) (stdout, stderr string, code int, r *recorder) {
	t.Helper()
	r = &recorder{}
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(in), &out, &errOut, r.process)
	return out.String(), errOut.String(), code, r
}

func TestPassThroughAndExpand(t *testing.T) {
	out, stderr, code, _ := run(t, "---\n"+other+"---\n# empty template\n---\n"+cluster("mq"), "--previous=none")
	require.Equal(t, 0, code, stderr)
	// The other document is unchanged, byte for byte (comments, flow style), then the generated object, without
	// kpt's file annotations; the RobustMQCluster (local config) is gone.
	assert.Equal(t, "---\n"+other+"---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: mq\n  namespace: mq\n"+
		"  annotations:\n    robustmq.io/generated-by: robustmq-cluster\n", out)
}

func TestErrorsReachStderr(t *testing.T) {
	out, stderr, code, _ := run(t, cluster("bad"))
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "error: replicas must be odd field spec.pools[0].replicas (Helm value pools[0].replicas)\n  robustmq.io/change-id: abc123\n")
	assert.Contains(t, stderr, "Helm stops before applying anything")
}

func TestBadInput(t *testing.T) {
	_, stderr, code, _ := run(t, "kind: [unclosed\n")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "document 0")

	_, stderr, code, _ = run(t, "", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unexpected argument "extra"`)
}

// The previous release's generated objects reach Process; everything else in that manifest does not.
func TestPreviousFromFile(t *testing.T) {
	prev := filepath.Join(t.TempDir(), "prev.yaml")
	require.NoError(t, os.WriteFile(prev, []byte("---\n"+other+"---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: mq-node\n"+
		"  annotations:\n    robustmq.io/generated-by: robustmq-cluster\n"), 0o644))
	out, stderr, code, r := run(t, cluster("mq"), "--previous="+prev)
	require.Equal(t, 0, code, stderr)
	var kinds []string
	for _, o := range r.got {
		kinds = append(kinds, o.GetKind())
	}
	assert.Equal(t, []string{"RobustMQCluster", "StatefulSet"}, kinds)
	assert.NotContains(t, out, "StatefulSet", "the previous objects are input to the comparison, never output")
}

// Without the chart's release annotation (helm install, helm template) helm is never called; with it, a helm
// that fails stops the render, naming the release.
func TestPreviousFromHelm(t *testing.T) {
	_, stderr, code, _ := run(t, cluster("mq"), "--helm=/nonexistent/helm")
	require.Equal(t, 0, code, stderr)

	_, stderr, code, _ = run(t, cluster("mq", AnnotationRelease+": mq"), "--helm=/nonexistent/helm")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "read the previous release mq/mq for change safety")
	assert.Contains(t, stderr, "--previous=none")
}
