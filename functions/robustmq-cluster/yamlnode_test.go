package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// encode writes a node as the SDK's emit does (kyaml's encoder: indent 2, compact sequences).
func encode(t *testing.T, n *yaml.Node) string {
	t.Helper()
	var b strings.Builder
	e := yaml.NewEncoder(&b)
	require.NoError(t, e.Encode(n))
	require.NoError(t, e.Close())
	return b.String()
}

// toNode must give what the text round trip (yaml.FromMap) gives, byte for byte once emitted, for the odd strings
// go-yaml treats specially: YAML 1.1 booleans and base-60 numbers, strings that read as other types, leading and
// trailing spaces and breaks, indicators, long lines the emitter folds, and keys in natural order.
func TestToNodeMatchesTheTextRoundTrip(t *testing.T) {
	odd := []string{
		"", " ", "a", "yes", "Yes", "YES", "yEs", "on", "Off", "y", "N", "true", "True", "FALSE", "null", "~", "Null",
		"1", "-1", "0x1F", "0o17", "017", "1e3", "1.5", ".5", ".inf", "-.Inf", ".nan", "1:20", "-3:25:45.5", "1_000",
		"12:60", "2001-12-14", "a: b", "a #b", "#a", "- a", "-a", "?", ":", "a:", "*a", "&a", "!a", "%a", "@a", "`a",
		"'a'", `"a"`, "{a}", "[a]", "a,b", " lead", "trail ", "two\nlines", "two\nlines\n", "keep\n\n", "\nlead",
		"tab\there", "trail \nspace", "ünïcödé", "emoji 🙂", "a\u00a0b", "x\x7fy", "\u2028",
		strings.Repeat("word ", 40), strings.Repeat("longword", 20), `{"json": [1, 2], "k": "v"}`,
		"${datasource}", "$labels.pod", "100Gi", "250m", "0.5", "sha256:00ff", "robustmq.io/v1alpha1",
	}
	keys := append(slices.Clone(odd[1:]), "a1", "a01", "a001", "a10", "a2", "a9b", "a10b", "10", "9", "a0", "a00",
		"b", "B", "_a", "a_b", "a.b", "a-b", "a/b", "app.kubernetes.io/name", "app.kubernetes.io/part-of",
		"x1y2", "x1y10", "x10y1", "100", "1000", "01", "001", "0", "00", "a100b", "a0100b", "a1.2", "a1.10", "é", "z")
	m := map[string]any{}
	for i, k := range keys {
		m[k] = odd[i%len(odd)]
	}
	for i, s := range odd {
		m["list"+string(rune('a'+i%26))] = []any{s, int64(i), float64(i) / 4, i%2 == 0, nil, map[string]any{}, []any{}}
	}
	m["numbers"] = []any{int64(math.MaxInt64), int64(math.MinInt64), 3.0, -0.0, 1e21, 1e-7, math.Inf(1), math.Inf(-1), math.NaN()}
	m["nested"] = map[string]any{"empty": map[string]any{}, "deeper": map[string]any{"list": []any{map[string]any{"k": "yes"}}}}
	assertSameAsRoundTrip(t, m)
}

// Random keys and values from a small alphabet of the runes that matter for order and quoting.
func TestToNodeMatchesTheTextRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aAbz09 1_-./:#'\"\n\t{}[],&*!|>%@`é٣🙂")
	word := func() string {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	compared := 0
	for range 500 {
		m := map[string]any{}
		for range 1 + r.IntN(12) {
			m[word()] = word()
		}
		m[word()] = []any{word(), map[string]any{word(): word(), word(): int64(r.IntN(100))}}
		if _, err := yaml.FromMap(m); err != nil {
			continue // go-yaml cannot read back what it wrote (a tab in a literal block): no round trip to match
		}
		assertSameAsRoundTrip(t, m)
		compared++
	}
	assert.Greater(t, compared, 250)
}

func assertSameAsRoundTrip(t *testing.T, m map[string]any) {
	t.Helper()
	want, err := yaml.FromMap(m)
	require.NoError(t, err)
	got, err := toNode(m)
	require.NoError(t, err)
	// Emitted on their own and nested below a key and a sequence, as items are in a ResourceList.
	assert.Equal(t, encode(t, want.YNode()), encode(t, got))
	wrap := func(n *yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "items"}, {Kind: yaml.SequenceNode, Content: []*yaml.Node{n, n}},
		}}
	}
	assert.Equal(t, encode(t, wrap(want.YNode())), encode(t, wrap(got)))
	// The parser's tags, which the SDK's accessors read.
	assertSameTags(t, want.YNode(), got)
}

func assertSameTags(t *testing.T, want, got *yaml.Node) {
	t.Helper()
	if !assert.Equal(t, want.Kind, got.Kind) || !assert.Equal(t, want.Tag, got.Tag, "value %q", want.Value) ||
		!assert.Len(t, got.Content, len(want.Content)) {
		return
	}
	for i := range want.Content {
		assertSameTags(t, want.Content[i], got.Content[i])
	}
}

func TestToNodeRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, v := range []any{"\xff", int32(1), struct{}{}, map[string]any{"k": []any{uint8(1)}}} {
		_, err := toNode(v)
		assert.Error(t, err, "%#v", v)
	}
	// ... and such objects still convert, through the text round trip.
	ko, err := kubeObjectFromMap(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"bin": "\xff"}})
	require.NoError(t, err)
	assert.Contains(t, ko.String(), "!!binary")
}

// toUnstructured gives what the apimachinery converter gives, for every object of every golden case.
func TestToUnstructuredIsTheConverters(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	compared := 0
	for _, cs := range cases {
		b, err := os.ReadFile(filepath.Join("testdata", cs.Name(), "cluster.yaml"))
		if err != nil {
			continue
		}
		c, errs := v1alpha1.Decode(b)
		if len(errs) > 0 {
			continue
		}
		c.Default()
		if len(c.Validate()) > 0 {
			continue
		}
		tc, err := topology.Resolve(c)
		require.NoError(t, err)
		objs, err := build(tc)
		require.NoError(t, err)
		for _, o := range objs {
			want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Object)
			require.NoError(t, err)
			got, err := toUnstructured(o.Object)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s %s", cs.Name(), o.File)
			compared++
		}
	}
	assert.Greater(t, compared, 50)
	// Numbers: whole ones are int64, the others float64, as the converter has them.
	got, err := toUnstructured(map[string]any{"i": int32(3), "f": 2.5, "w": 4.0, "l": []any{uint8(1)}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"i": int64(3), "f": 2.5, "w": int64(4), "l": []any{int64(1)}}, got)
}
