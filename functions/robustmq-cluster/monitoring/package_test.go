package monitoring

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/robustmq/robustmq-kpt/internal/golden"
)

// DashboardPackage is where the one set of boards lives, rendered from Dashboards: a plain kpt package (no
// function) applied once per Grafana. Its YAML files are goldens of this test; make update-golden rewrites them.
const DashboardPackage = "../../../packages/robustmq-dashboards"

func TestDashboardPackageGolden(t *testing.T) {
	ds, err := Dashboards()
	require.NoError(t, err)
	for _, d := range ds {
		golden.Compare(t, filepath.Join(DashboardPackage, "sidecar", DashboardObjectName(d)+".yaml"), objectYAML(t, DashboardConfigMap(d)))
		golden.Compare(t, filepath.Join(DashboardPackage, "grafana-operator", DashboardObjectName(d)+".yaml"), objectYAML(t, GrafanaDashboard(d)))
	}
}

// objectYAML writes an object as the function writes its output: sorted keys, no null creationTimestamp.
func objectYAML(t *testing.T, obj any) []byte {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	require.NoError(t, err)
	delete(m["metadata"].(map[string]any), "creationTimestamp")
	var b bytes.Buffer
	require.NoError(t, kyaml.NewEncoder(&b).Encode(m))
	return b.Bytes()
}
