// Package kubescore runs kube-score (hack/tools.sh builds it at KUBE_SCORE_VERSION) on the rendered output of every
// package and blueprint: the static checks a platform team runs on manifests before they reach a cluster.
package kubescore

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// deviations are the kube-score checks the rendered defaults fail on purpose (docs/operations.md, "kube-score").
// Each stays listed only while some package still fails it (TestDeviationsAreStillNeeded).
var deviations = map[string]string{
	// Release tags are immutable, and a digest can be pinned (image.digest); Always would make every restart
	// of a broker depend on the registry. image.pullPolicy sets it.
	"container-image-pull-policy": "IfNotPresent with pinned tags",
	// 999 is the RobustMQ image's own user (docs/robustmq.md, the image user); kube-score wants > 10000.
	// security.runAsUser/runAsGroup set another.
	"container-security-context-user-group-id": "the image's user 999",
	// Pods are kept apart by topologySpreadConstraints on kubernetes.io/hostname (required in prod), which
	// kube-score checks separately (pod-topology-spread-constraints) and does not count here.
	"statefulset-has-host-podantiaffinity": "host spread by topologySpreadConstraints",
}

// optionalChecks are kube-score checks off by default that every package passes and must keep passing.
var optionalChecks = []string{"container-seccomp-profile", "container-ports-check"}

func TestEveryPackagePassesKubeScore(t *testing.T) {
	bin := kubeScore(t)
	pkgs, err := e2e.Packages()
	require.NoError(t, err)
	require.NotEmpty(t, pkgs)
	args := []string{"score", "--output-format", "ci"}
	for _, c := range optionalChecks {
		args = append(args, "--enable-optional-test", c)
	}
	for c := range deviations {
		args = append(args, "--ignore-test", c)
	}
	for _, pkg := range pkgs {
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			out, err := score(t, bin, pkg, args...)
			assert.NoError(t, err, "kube-score exits non-zero on a critical finding")
			for _, line := range strings.Split(out, "\n") {
				assert.False(t, strings.HasPrefix(line, "[CRITICAL]") || strings.HasPrefix(line, "[WARNING]"), "%s", line)
			}
			assert.Contains(t, out, "[OK]", "kube-score checked something")
		})
	}
}

// Every deviation is one some package really fails: a fix in the generator must take its entry out. With every
// other deviation ignored, whatever kube-score still reports comes from the one under test, since
// TestEveryPackagePassesKubeScore holds the rest clean.
func TestDeviationsAreStillNeeded(t *testing.T) {
	bin := kubeScore(t)
	pkgs, err := e2e.Packages()
	require.NoError(t, err)
	for check, why := range deviations {
		args := []string{"score", "--output-format", "ci"}
		for c := range deviations {
			if c != check {
				args = append(args, "--ignore-test", c)
			}
		}
		failing := 0
		for _, pkg := range pkgs {
			out, _ := score(t, bin, pkg, args...)
			if strings.Contains(out, "[CRITICAL]") || strings.Contains(out, "[WARNING]") {
				failing++
			}
		}
		assert.Positive(t, failing, "no package fails %s any more (%s): remove it from deviations", check, why)
		t.Logf("%s: %d of %d packages fail it (%s)", check, failing, len(pkgs), why)
	}
}

// score runs kube-score on the objects a package applies (its checked-in render, without local config), written
// to one file.
func score(t *testing.T, bin, pkg string, args ...string) (string, error) {
	t.Helper()
	objs, err := e2e.Applyable(pkg)
	require.NoError(t, err)
	var docs [][]byte
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		require.NoError(t, err)
		docs = append(docs, b)
	}
	file := filepath.Join(t.TempDir(), "objects.yaml")
	require.NoError(t, os.WriteFile(file, bytes.Join(docs, []byte("---\n")), 0o644))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, append(args, file)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	require.Empty(t, stderr.String(), "kube-score %s", strings.Join(args, " "))
	return stdout.String(), err
}

func kubeScore(t *testing.T) string {
	t.Helper()
	bins, err := repo.Tools("kube-score")
	require.NoError(t, err, "hack/tools.sh kube-score builds it from the Go module proxy")
	return bins[0]
}
