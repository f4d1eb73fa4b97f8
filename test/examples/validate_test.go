package examples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// validateBuild runs `kustomize build DIR | kpt fn eval - --exec robustmq-validate` (the command the
// kustomize-overlays README gives, with the validator built from this checkout) and returns kpt's output and error.
func validateBuild(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	build := exec.Command(kustomize(t), "build", dir)
	var manifests, stderr bytes.Buffer
	build.Stdout, build.Stderr = &manifests, &stderr
	require.NoError(t, build.Run(), "kustomize build %s\n%s", dir, stderr.String())
	bin, err := e2e.ValidatorBinary()
	require.NoError(t, err)
	cmdArgs := append([]string{"fn", "eval", "-", "--exec", bin, "--truncate-output=false"}, args...)
	eval := exec.Command("kpt", cmdArgs...)
	eval.Stdin = &manifests
	var out bytes.Buffer
	eval.Stdout, eval.Stderr = &out, &out
	err = eval.Run()
	return out.String(), err
}

// The output of every overlay passes the validator, strictly (no functionConfig: prod rules), and it is the
// validator's verdict: an overlay of the user's own on top of overlays/prod that moves the ordinals fails it.
func TestOverlaysPassValidator(t *testing.T) {
	for _, env := range overlayEnvironments(t) {
		t.Run(env.Name, func(t *testing.T) {
			out, err := validateBuild(t, filepath.Join(overlaysDir(t), "overlays", env.Name))
			require.NoError(t, err, out)
			assert.Contains(t, out, "[PASS]")
			assert.NotContains(t, out, "nothing to check", "the validator found the RobustMQ workloads")
		})
	}

	mine := t.TempDir()
	prod, err := filepath.Rel(mine, filepath.Join(overlaysDir(t), "overlays", "prod"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mine, "kustomization.yaml"), []byte(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - `+prod+`
patches:
  - target: {group: apps, kind: StatefulSet, name: robustmq-node}
    patch: |
      - op: replace
        path: /spec/ordinals/start
        value: 0
`), 0o644))
	out, err := validateBuild(t, mine)
	require.Error(t, err, out)
	assert.Contains(t, out, "broker-id-range: pod robustmq-node-0 runs broker_id 0")
	assert.Contains(t, out, "spec.ordinals.start")
	assert.Contains(t, out, "meta-addrs")
}
