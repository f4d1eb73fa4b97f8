package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func listOf(t *testing.T, files map[string]string) *fn.ResourceList {
	t.Helper()
	var items fn.KubeObjects
	for _, name := range sortedNames(files) {
		objs, err := fn.ParseKubeObjects([]byte(files[name]))
		require.NoError(t, err)
		for i, o := range objs {
			require.NoError(t, o.SetPathAnnotation(name))
			require.NoError(t, o.SetIndexAnnotation(i))
		}
		items = append(items, objs...)
	}
	return &fn.ResourceList{Items: items, FunctionConfig: fn.NewEmptyKubeObject()}
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func clusterDoc(name, ns, spec string) string {
	meta := "{name: " + name
	if ns != "" {
		meta += ", namespace: " + ns
	}
	return "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: " + meta + "}\nspec: " + spec + "\n"
}

// One name in two namespaces is two clusters (Kubernetes scopes names by namespace): each renders into its
// own folder, and the files never meet.
func TestSameNameInTwoNamespaces(t *testing.T) {
	rl := listOf(t, map[string]string{"clusters.yaml": clusterDoc("mq", "a", "{}") + "---\n" + clusterDoc("mq", "b", "{}")})
	ok, err := Process(rl)
	require.NoError(t, err)
	require.True(t, ok, "%v", rl.Results)
	files := map[string]bool{}
	dirs := map[string]bool{}
	for _, it := range rl.Items {
		if isCluster(it) {
			continue
		}
		p := it.PathAnnotation()
		assert.False(t, files[p], "two objects written to %s", p)
		files[p] = true
		dirs[strings.SplitN(p, "/", 2)[0]] = true
	}
	assert.Equal(t, map[string]bool{"mq.a": true, "mq.b": true}, dirs)
}

// Objects of two clusters that would be one object in the cluster are an error naming both clusters.
func TestClustersWhoseObjectsCollide(t *testing.T) {
	rl := listOf(t, map[string]string{
		"a.yaml": clusterDoc("mq", "x", "{pools: [{name: a-b}]}"),
		"b.yaml": clusterDoc("mq-a", "x", "{pools: [{name: b}]}"),
	})
	before := itemsYAML(rl)
	ok, err := Process(rl)
	require.NoError(t, err)
	require.False(t, ok)
	var errs []string
	for _, r := range rl.Results {
		if r.Severity == fn.Error {
			errs = append(errs, r.Message)
		}
	}
	require.Len(t, errs, 1, "%v", rl.Results)
	assert.Contains(t, errs[0], "clusters x/mq and x/mq-a would both generate ConfigMap x/mq-a-b-config")
	assert.Equal(t, before, itemsYAML(rl), "nothing changed")

	// In different namespaces the same names are different objects.
	rl = listOf(t, map[string]string{
		"a.yaml": clusterDoc("mq", "x", "{pools: [{name: a-b}]}"),
		"b.yaml": clusterDoc("mq-a", "z", "{pools: [{name: b}]}"),
	})
	ok, err = Process(rl)
	require.NoError(t, err)
	assert.True(t, ok, "%v", rl.Results)
}

// Reserved metadata on the cluster or in its spec fails the run and leaves the package as it was: the
// generated-by annotation on the cluster used to make the prune step delete cluster.yaml.
func TestReservedMetadataChangesNothing(t *testing.T) {
	for name, doc := range map[string]string{
		"on the cluster": "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: mq, annotations: {robustmq.io/generated-by: robustmq-cluster}}\n",
		"on the Service": clusterDoc("mq", "", "{service: {annotations: {robustmq.io/generated-by: robustmq-cluster}}}"),
	} {
		t.Run(name, func(t *testing.T) {
			rl := listOf(t, map[string]string{"cluster.yaml": doc})
			before := itemsYAML(rl)
			ok, err := Process(rl)
			require.NoError(t, err)
			assert.False(t, ok)
			assert.Equal(t, before, itemsYAML(rl))
			require.NotEmpty(t, rl.Results)
			assert.Contains(t, rl.Results[0].Field.Path, "robustmq.io/generated-by")
		})
	}
}

func TestNearMissKind(t *testing.T) {
	for _, head := range []string{
		"apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluser\n",
		"apiVersion: robustmq.com/v1alpha1\nkind: RobustMQCluster\n",
		"apiVersion: robustmq.io/v1alpha1\nkind: robustmqcluster\n",
	} {
		rl := listOf(t, map[string]string{"cluster.yaml": head + "metadata: {name: mq}\n"})
		ok, err := Process(rl)
		require.NoError(t, err)
		assert.False(t, ok, head)
		var found bool
		for _, r := range rl.Results {
			found = found || r.Severity == fn.Error && strings.Contains(r.Message, "did you mean apiVersion robustmq.io/v1alpha1, kind RobustMQCluster?")
		}
		assert.True(t, found, "%s: %v", head, rl.Results)
	}
}

// A pool list of megabytes ends in one error quickly, without being decoded.
func TestHugePoolListIsRefusedFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: mq}\nspec:\n  pools:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "  - {name: pool-%d, roles: [broker], replicas: 3, brokerIdStart: %d}\n", i, 3*i+1)
	}
	rl := listOf(t, map[string]string{"cluster.yaml": b.String()})
	start := time.Now()
	ok, err := Process(rl)
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.False(t, ok)
	require.Len(t, rl.Results, 1)
	assert.Equal(t, "spec.pools", rl.Results[0].Field.Path)
	assert.Contains(t, rl.Results[0].Message, "Too many: 20000: must have at most 16 items")
	assert.Less(t, elapsed, 2*time.Second)
}

// A generated object the package already holds as one of its own is an error, not a second copy.
func TestGeneratedObjectAlreadyInThePackage(t *testing.T) {
	rl := listOf(t, map[string]string{
		"cluster.yaml": clusterDoc("mq", "", "{}"),
		"mine.yaml":    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: mq}\n",
	})
	before := itemsYAML(rl)
	ok, err := Process(rl)
	require.NoError(t, err)
	require.False(t, ok)
	assert.Equal(t, before, itemsYAML(rl))
	var found bool
	for _, r := range rl.Results {
		found = found || r.Severity == fn.Error && strings.Contains(r.Message, "cluster mq would generate ServiceAccount mq, which the package already has in mine.yaml")
	}
	assert.True(t, found, "%v", rl.Results)
}

// A YAML-level problem names the line of the file as written, although kpt adds its annotations to the
// document it passes on. The list below is what kpt sends for this file:
//
//	# a comment
//	apiVersion: robustmq.io/v1alpha1
//	kind: RobustMQCluster
//	metadata:
//	  name: mq
//	  annotations:
//	    config.kubernetes.io/local-config: "true"
//	spec:
//	  pools:
//	  - name: a
//	    name: b
func TestYAMLLineOfTheFile(t *testing.T) {
	rl, err := fn.ParseResourceList([]byte(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- # a comment
  apiVersion: robustmq.io/v1alpha1
  kind: RobustMQCluster
  metadata:
    name: mq
    annotations:
      config.kubernetes.io/local-config: "true"
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'cluster.yaml'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'cluster.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
  spec:
    pools:
    - name: a
      name: b
`))
	require.NoError(t, err)
	ok, err := Process(rl)
	require.NoError(t, err)
	require.False(t, ok)
	require.Len(t, rl.Results, 1)
	assert.Equal(t, "spec.pools[0].name", rl.Results[0].Field.Path)
	assert.Equal(t, `cluster.yaml: Duplicate value: "line 11 (first at line 10)"`, rl.Results[0].Message)
}
