package helm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

const release = "robustmq"

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// prerequisites: the chart's own check of the operators' CRDs fails exactly when the function renders kinds of
// theirs, with a message that says what to do; helm template (offline) never checks.
func prerequisites(t *testing.T, c *kubeapi.Cluster, hs []*helm) {
	ns := "prereq"
	c.RestrictedNamespace(t, ns)
	for _, h := range hs {
		for _, env := range []string{"dev", "staging", "prod"} {
			for _, enabled := range []string{"", "true", "false"} {
				name := fmt.Sprintf("%s/%s/enabled=%s", h.name, env, enabled)
				if h.name == "helm4" && (env != "staging" || enabled != "") {
					continue // the template logic is Helm's, not the major's: one case is enough for Helm 4
				}
				set := []string{"--set", "environment=" + env}
				if enabled != "" {
					set = append(set, "--set", "monitoring.enabled="+enabled)
				}
				offline := h.mustRun(t, append(append([]string{"template", release, chartDir(t), "-n", ns}, set...), h.postRender...)...)
				rendersServiceMonitor := strings.Contains(offline, "\nkind: ServiceMonitor\n")
				_, stderr, err := h.run(t, append(append([]string{"install", release, chartDir(t), "-n", ns, "--dry-run=server"}, set...), h.postRender...)...)
				if rendersServiceMonitor {
					require.Error(t, err, name)
					assert.Contains(t, stderr, "needs monitoring.coreos.com/v1/ServiceMonitor, which this cluster does not serve", name)
					assert.Contains(t, stderr, "install the Prometheus Operator CRDs first, or set monitoring.prometheusOperator=false", name)
				} else {
					assert.NoError(t, err, "%s:\n%s", name, stderr)
				}
			}
		}
	}
	h := hs[0]
	set := []string{"--set", "environment=dev", "--set", "tls.secretName=null", "--set", "tls.certManager.issuerRef.name=ca"}
	h.mustRun(t, append(append([]string{"template", release, chartDir(t), "-n", ns}, set...), h.postRender...)...)
	_, stderr, err := h.run(t, append(append([]string{"install", release, chartDir(t), "-n", ns, "--dry-run=server"}, set...), h.postRender...)...)
	require.Error(t, err)
	assert.Contains(t, stderr, "tls.certManager needs cert-manager.io/v1/Certificate, which this cluster does not serve: install cert-manager first")
}

// lifecycle: install, upgrade with a change, history, rollback, a dangerous upgrade that must not reach the
// cluster, an approved change, uninstall with the PVCs kept.
func lifecycle(t *testing.T, c *kubeapi.Cluster, h *helm) {
	ns := "life-" + h.name
	c.RestrictedNamespace(t, ns)
	kube := c.Clientset()
	chart := chartDir(t)
	withPR := func(args ...string) []string { return append(args, h.postRender...) }

	out := h.mustRun(t, withPR("install", release, chart, "-n", ns)...)
	assert.Contains(t, out, "kubectl -n "+ns+" create secret generic robustmq-admin", "NOTES: the Secrets to create")
	assert.Contains(t, out, "kubectl -n "+ns+" port-forward svc/robustmq 1883", "NOTES: how to connect")
	assert.Contains(t, out, "`helm uninstall` keeps the data PVCs", "NOTES: PVCs are retained")

	cmName, stsName := "robustmq-node-config", "robustmq-node"
	cm0, err := kube.CoreV1().ConfigMaps(ns).Get(ctx(t), cmName, metav1.GetOptions{})
	require.NoError(t, err)
	// The controller creates the first pod (admitted by the restricted policy) and its data PVC.
	c.WaitFor(t, time.Minute, "pod robustmq-node-1 and its PVC", func(ctx context.Context) (bool, error) {
		if _, err := kube.CoreV1().Pods(ns).Get(ctx, "robustmq-node-1", metav1.GetOptions{}); err != nil {
			return false, err
		}
		_, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-robustmq-node-1", metav1.GetOptions{})
		return err == nil, err
	})

	// On upgrade, and only then, the post-renderer reads the previous release: with a helm that cannot run, the
	// upgrade stops and says why.
	_, stderr, err := h.run(t, append(withPR("upgrade", release, chart, "-n", ns), "--post-renderer-args", "--helm=/nonexistent/helm")...)
	require.Error(t, err)
	assert.Contains(t, stderr, "error while running post render")
	assert.Contains(t, stderr, "read the previous release "+ns+"/robustmq for change safety")
	assert.Equal(t, []string{"1 deployed"}, history(t, h, release, ns))

	h.mustRun(t, withPR("upgrade", release, chart, "-n", ns, "--reuse-values", "--set", "logging.level=debug")...)
	cm1, err := kube.CoreV1().ConfigMaps(ns).Get(ctx(t), cmName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, cm0.Data, cm1.Data, "the upgrade changed the config")
	assert.Equal(t, []string{"1 superseded", "2 deployed"}, history(t, h, release, ns))

	h.mustRun(t, "rollback", release, "1", "-n", ns)
	cm2, err := kube.CoreV1().ConfigMaps(ns).Get(ctx(t), cmName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, cm0.Data, cm2.Data, "the rollback restored the first config")
	assert.Equal(t, []string{"1 superseded", "2 superseded", "3 deployed"}, history(t, h, release, ns))

	t.Run("DangerousUpgradeFailsBeforeApplying", func(t *testing.T) {
		// A storage size decrease is never approvable (change safety, #11): the post-renderer reads revision 3
		// with `helm get manifest`, compares, and fails, so Helm applies nothing and records no revision.
		sts, err := kube.AppsV1().StatefulSets(ns).Get(ctx(t), stsName, metav1.GetOptions{})
		require.NoError(t, err)
		values := poolValues(t, 3, "5Gi")
		_, stderr, err := h.run(t, withPR("upgrade", release, chart, "-n", ns, "-f", values)...)
		require.Error(t, err, "a storage size decrease must be refused")
		assert.Contains(t, stderr, "error while running post render", "refused by the post-renderer, not by the API server")
		assert.Contains(t, stderr, "storage", "the function's result names the change")
		assert.Equal(t, []string{"1 superseded", "2 superseded", "3 deployed"}, history(t, h, release, ns))
		after, err := kube.AppsV1().StatefulSets(ns).Get(ctx(t), stsName, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, sts.ResourceVersion, after.ResourceVersion, "nothing was applied")
	})

	t.Run("ApprovedChange", func(t *testing.T) {
		// Growing the meta pool is blocked until approved by the id the block printed.
		values := poolValues(t, 5, "10Gi")
		_, stderr, err := h.run(t, withPR("upgrade", release, chart, "-n", ns, "-f", values)...)
		require.Error(t, err, "a meta pool scale-up needs an approval")
		m := regexp.MustCompile(`robustmq\.io/change-id: (\S+)`).FindStringSubmatch(stderr)
		require.NotNil(t, m, "the block prints its approval id:\n%s", stderr)
		h.mustRun(t, withPR("upgrade", release, chart, "-n", ns, "-f", values, "--set", "approve={"+m[1]+"}")...)
		sts, err := kube.AppsV1().StatefulSets(ns).Get(ctx(t), stsName, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(5), *sts.Spec.Replicas)
	})

	t.Run("ComparesWithTheDeployedRevision", func(t *testing.T) {
		// An upgrade that skipped the comparison and that the API server refused leaves a failed revision that was
		// never applied. The next upgrade is compared with the deployed revision, as Helm itself upgrades from it:
		// compared with the failed one, going back to 10Gi would look like a storage shrink and stay blocked.
		_, stderr, err := h.run(t, append(withPR("upgrade", release, chart, "-n", ns, "-f", poolValues(t, 5, "20Gi")),
			"--post-renderer-args", "--previous=none")...)
		require.Error(t, err)
		assert.Contains(t, stderr, "updates to statefulset spec for fields other than")
		revs := history(t, h, release, ns)
		require.Regexp(t, ` failed$`, revs[len(revs)-1])
		h.mustRun(t, withPR("upgrade", release, chart, "-n", ns, "-f", poolValues(t, 5, "10Gi"))...)
		revs = history(t, h, release, ns)
		assert.Regexp(t, ` deployed$`, revs[len(revs)-1])
	})

	pvc, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx(t), "data-robustmq-node-1", metav1.GetOptions{})
	require.NoError(t, err)
	out = h.mustRun(t, "uninstall", release, "-n", ns)
	assert.Contains(t, out, `release "robustmq" uninstalled`)
	_, err = kube.AppsV1().StatefulSets(ns).Get(ctx(t), stsName, metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "the StatefulSet is gone: %v", err)
	kept, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx(t), "data-robustmq-node-1", metav1.GetOptions{})
	require.NoError(t, err, "the PVC is retained")
	assert.Equal(t, pvc.UID, kept.UID)
	assert.Nil(t, kept.DeletionTimestamp)
}

// poolValues writes a values file with the chart's one pool at the given replicas and storage size. Helm replaces
// lists whole, so the pool is spelt out.
func poolValues(t *testing.T, replicas int, size string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(f, []byte(fmt.Sprintf("pools:\n  - name: node\n    roles: [meta, broker, engine]\n    replicas: %d\n    storage: {size: %s}\n", replicas, size)), 0o644))
	return f
}

// oci: helm package, helm push to a local registry, helm install oci://.
func oci(t *testing.T, c *kubeapi.Cluster, hs []*helm) {
	addr := startRegistry(t)
	tgzDir := t.TempDir()
	out := hs[0].mustRun(t, "package", chartDir(t), "-d", tgzDir)
	tgz := filepath.Join(tgzDir, "robustmq-0.1.0.tgz")
	require.FileExists(t, tgz, out)
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			repoURL := "oci://" + addr + "/" + h.name
			stdout, stderr, err := h.run(t, "push", tgz, repoURL, "--plain-http")
			require.NoError(t, err, stderr)
			// Helm 3 reports on stderr, Helm 4 on stdout.
			assert.Contains(t, stdout+stderr, "Pushed: "+addr+"/"+h.name+"/robustmq:0.1.0")
			// The release workflow signs the chart by the digest it reads from this line.
			assert.Regexp(t, `(?m)^Digest: sha256:[0-9a-f]{64}$`, stdout+stderr)
			ref := repoURL + "/robustmq"
			values := h.mustRun(t, "show", "values", ref, "--version", "0.1.0", "--plain-http")
			want, err := os.ReadFile(filepath.Join(chartDir(t), "values.yaml"))
			require.NoError(t, err)
			assert.Equal(t, strings.TrimSpace(string(want)), strings.TrimSpace(values), "the pushed chart carries the generated values")
			ns := "oci-" + h.name
			c.RestrictedNamespace(t, ns)
			h.mustRun(t, append([]string{"install", release, ref, "--version", "0.1.0", "--plain-http", "-n", ns}, h.postRender...)...)
			_, err = c.Clientset().AppsV1().StatefulSets(ns).Get(ctx(t), "robustmq-node", metav1.GetOptions{})
			assert.NoError(t, err)
		})
	}
}

// startRegistry runs the distribution registry on a free loopback port until the test ends.
func startRegistry(t *testing.T) string {
	t.Helper()
	bins, err := repo.Tools("registry")
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yml")
	require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(`version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: %s}
http:
  addr: %s
  secret: test-only
`, filepath.Join(dir, "data"), addr)), 0o644))
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	require.NoError(t, err)
	cmd := exec.Command(bins[0], "serve", config)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("registry log:\n%s", b)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		require.True(t, time.Now().Before(deadline), "registry not ready at %s: %v", addr, err)
		time.Sleep(100 * time.Millisecond)
	}
}
