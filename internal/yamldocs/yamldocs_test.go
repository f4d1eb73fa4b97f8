package yamldocs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestObjects(t *testing.T) {
	objs, err := Objects([]byte("---\n# only a comment\n---\nkind: A\n---\n---\nkind: B\nlist: [1]\n"))
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"kind": "A"}, {"kind": "B", "list": []any{float64(1)}}}, objs)

	_, err = Objects([]byte("kind: A\n---\nkind: [unclosed\n"))
	assert.Error(t, err)
}
