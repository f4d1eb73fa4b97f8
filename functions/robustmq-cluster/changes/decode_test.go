package changes

import (
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
)

// A previous object is read as the API server reads it: a key that differs in case only is no field (here the
// user's "Replicas" is ignored, as the API server ignores it), and large integers stay exact.
func TestDecodeReadsAsTheAPIServer(t *testing.T) {
	var sts appsv1.StatefulSet
	require.NoError(t, decode(map[string]any{"spec": map[string]any{
		"Replicas": int64(5), "minReadySeconds": int64(30), "revisionHistoryLimit": int64(2147483647)}}, &sts, "f.yaml"))
	require.Nil(t, sts.Spec.Replicas)
	require.Equal(t, int32(30), sts.Spec.MinReadySeconds)
	require.Equal(t, int32(2147483647), *sts.Spec.RevisionHistoryLimit)

	err := decode(map[string]any{"spec": map[string]any{"replicas": "three"}}, &sts, "f.yaml")
	require.ErrorContains(t, err, "f.yaml: ")

	_, err = toMap([]string{"a"})
	require.Error(t, err, "not an object")
	m, err := toMap(appsv1.StatefulSetSpec{MinReadySeconds: 30})
	require.NoError(t, err)
	require.Equal(t, int64(30), m["minReadySeconds"], "integers as int64, like the values decode reads")
}
