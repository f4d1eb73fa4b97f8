package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/internal/testenv"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// TestFunctionImageFromLocalRegistry pushes the function image to the local registry, removes it from Docker, and
// renders packages/robustmq with kpt in container mode: kpt must pull the image from the registry, and the render
// must equal the exec-mode render.
func TestFunctionImageFromLocalRegistry(t *testing.T) {
	testenv.Docker(t)
	testenv.Kpt(t)
	testenv.Command(t, "make", "install GNU make (Debian: apt-get install make)")
	root, err := e2e.Root()
	require.NoError(t, err)
	addr := startRegistry(t)
	ref := addr + "/kpt-fn/robustmq-cluster:" + robustmqkpt.Version

	sh(t, root, "make", "-f", "make/image.mk", "image", "FUNCTIONS=robustmq-cluster", "REGISTRY="+addr+"/kpt-fn")
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", ref).Run() })
	sh(t, root, "docker", "push", ref)
	sh(t, root, "docker", "image", "rm", ref)
	require.Error(t, exec.Command("docker", "image", "inspect", ref).Run(), "the image is gone from Docker before the render")

	pkg := func() string {
		dir := filepath.Join(t.TempDir(), "robustmq")
		require.NoError(t, e2e.CopyDir(filepath.Join(root, "packages", "robustmq"), dir))
		return dir
	}
	container := pkg()
	kptfile := filepath.Join(container, "Kptfile")
	b, err := os.ReadFile(kptfile)
	require.NoError(t, err)
	edited := strings.Replace(string(b), "image: ghcr.io/robustmq/kpt-fn/robustmq-cluster:", "image: "+addr+"/kpt-fn/robustmq-cluster:", 1)
	require.NotEqual(t, string(b), edited)
	require.NoError(t, os.WriteFile(kptfile, []byte(edited), 0o644))
	sh(t, root, "kpt", "fn", "render", container, "--truncate-output=false")
	assert.NoError(t, exec.Command("docker", "image", "inspect", ref).Run(), "kpt pulled the image from the local registry")

	execMode := pkg()
	out, err := e2e.Render(execMode)
	require.NoError(t, err, out)
	got, err := e2e.Snapshot(container)
	require.NoError(t, err)
	want, err := e2e.Snapshot(execMode)
	require.NoError(t, err)
	delete(got, "Kptfile")
	delete(want, "Kptfile")
	assert.Equal(t, want, got, "container mode from the registry renders what exec mode renders")
}

func sh(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}
