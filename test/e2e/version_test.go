package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/internal/testenv"
)

// Every reference to the function image in the repository (Kptfiles, kustomize generator configs, docs) uses the
// release tag in VERSION (robustmqkpt.Version), the one place the version lives. Release tags are immutable; a
// floating or `latest` tag here would make renders unreproducible.
func TestImageReferencesFollowVERSION(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	version := robustmqkpt.Version

	ref := regexp.MustCompile(`ghcr\.io/robustmq/kpt-fn/robustmq-cluster:([A-Za-z0-9._-]+)`)
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "bin" || name == "out" {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".md" && d.Name() != "Kptfile" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
			found++
			rel, _ := filepath.Rel(root, path)
			assert.Equal(t, version, m[1], "%s references %s", rel, m[0])
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, found, 7, "Kptfiles of the base package and the blueprints at least")
}

// Every way the functions are built reports the same version, the VERSION file, with no build flag: the binary
// hack/render.sh and the kustomize generator run (exec mode), `go run`, the Helm 4 plugin and the image's binary
// (test/image runs the image itself).
func TestEveryBuildReportsVERSION(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	mk := testenv.Command(t, "make", "install GNU make (Debian: apt-get install make)")
	tmp := t.TempDir()
	run := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = root
		out, err := cmd.Output()
		require.NoError(t, err, "%s %s", name, strings.Join(args, " "))
		return string(out)
	}
	run(t, mk, "helm-plugin", "OUT="+tmp)
	run(t, mk, "-f", "make/image.mk", "image-binaries", "ARCH="+runtime.GOARCH, "IMAGE_BIN_DIR="+tmp)
	fnBin, err := FunctionBinary()
	require.NoError(t, err)
	validateBin, err := ValidatorBinary()
	require.NoError(t, err)

	builds := map[string][]string{
		"exec-mode robustmq-cluster":  {fnBin},
		"exec-mode robustmq-validate": {validateBin},
		"go run robustmq-cluster":     {"go", "run", "./functions/robustmq-cluster"},
		"go run robustmq-validate":    {"go", "run", "./functions/robustmq-validate"},
		"helm plugin":                 {filepath.Join(tmp, "helm-plugin", "robustmq", "bin", "robustmq-cluster")},
	}
	if runtime.GOOS == "linux" { // the image binaries are linux ones
		for _, fn := range []string{"robustmq-cluster", "robustmq-validate"} {
			builds["image binary "+fn] = []string{filepath.Join(tmp, "linux_"+runtime.GOARCH, fn)}
		}
	}
	for name, cmd := range builds {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, robustmqkpt.Version+"\n", run(t, cmd[0], append(cmd[1:], "--version")...))
		})
	}
}
