package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every package runs the validator after the generator (pipeline.validators), and the validator can stop a
// render: a hand-written Service added to the base package that sends MQTT to a port RobustMQ does not listen on
// fails `kpt fn render` with the validator's result naming the file and field, and the package is left as it was.
func TestValidatorInPipeline(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	for _, pkg := range packages(t) {
		b, err := os.ReadFile(filepath.Join(pkg, "Kptfile"))
		require.NoError(t, err)
		assert.Contains(t, string(b), "  validators:\n    - image: ghcr.io/robustmq/kpt-fn/robustmq-validate:", "%s runs the validator", pkg)
	}

	work := filepath.Join(t.TempDir(), "robustmq")
	require.NoError(t, CopyDir(filepath.Join(root, "packages", "robustmq"), work))
	require.NoError(t, os.WriteFile(filepath.Join(work, "mqtt-nodeport.yaml"), []byte(`apiVersion: v1
kind: Service
metadata:
  name: mqtt-nodeport
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: robustmq
    app.kubernetes.io/instance: robustmq
  ports:
    - name: mqtt
      port: 1883
      targetPort: 1884
`), 0o644))
	before, err := Snapshot(work)
	require.NoError(t, err)
	out, err := Render(work)
	require.Error(t, err, out)
	assert.Contains(t, out, "robustmq-validate")
	assert.Contains(t, out, "mqtt-nodeport.yaml: ports: port mqtt sends to 1884/TCP")
	assert.Contains(t, out, "spec.ports[0]")
	assert.NotContains(t, out, "panic")
	after, err := Snapshot(work)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a failed render must not change the package")
	assert.Contains(t, out, `[FAIL] "`+mustValidator(t)+`"`, "the validator is the function that failed")
}

func mustValidator(t *testing.T) string {
	t.Helper()
	v, err := ValidatorBinary()
	require.NoError(t, err)
	return v
}
