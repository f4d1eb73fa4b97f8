package configkeys

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The embedded list is well formed: a header naming its source, one key and type per line, sorted, no duplicates,
// and every type one that CheckValue knows how to check.
func TestKeyListIsWellFormed(t *testing.T) {
	lines := strings.Split(strings.TrimRight(v0411, "\n"), "\n")
	require.NotEmpty(t, lines)
	assert.Contains(t, lines[0], "src/common/config", "the header names the RobustMQ source the list is derived from")
	var keys []string
	for _, line := range lines[1:] {
		name, typ, ok := strings.Cut(line, "\t")
		require.True(t, ok, "line %q: key<TAB>type", line)
		require.NotEmpty(t, typ, line)
		keys = append(keys, name)
	}
	assert.True(t, sort.StringsAreSorted(keys), "sorted, so a diff against a new release reads well")
	assert.Len(t, Keys, len(keys), "no duplicate keys")
	for _, k := range append([]string{"broker_id", "meta_addrs", "storage_runtime.data_path"}, CredentialKeys...) {
		assert.Contains(t, Keys, k)
	}
}

// The embedded list equals a key list derived from the release source elsewhere, when one is given: CI passes the
// project's reference list in ROBUSTMQ_CONFIG_KEYS (.ci/run).
func TestKeyListMatchesUpstreamList(t *testing.T) {
	path := os.Getenv("ROBUSTMQ_CONFIG_KEYS")
	if path == "" {
		t.Skip("set ROBUSTMQ_CONFIG_KEYS to the key list derived from the release source to compare")
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "ROBUSTMQ_CONFIG_KEYS is set but unreadable")
	assert.Equal(t, string(want), v0411)
}

// Every type of the key list has a check, with and without Option<…>: a list of strings is a list of strings.
func TestCheckValueKnowsEveryType(t *testing.T) {
	for _, typ := range Keys {
		if typ == "*map" {
			continue
		}
		assert.NotContains(t, CheckValue(typ, struct{}{}).Error(), "not supported", typ)
	}
	assert.NoError(t, CheckValue("Vec<String>", []any{"meta", "broker"}))
	assert.Error(t, CheckValue("Vec<String>", []any{1}))
	assert.NoError(t, CheckValue("Option<String>", "x"))
}
