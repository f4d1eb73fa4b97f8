package changes

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// committed copies a package of the repository into a fresh git repository and commits it, as a user's config
// repository holds it.
func committed(t *testing.T, rel string) (dir string, git func(args ...string) string) {
	t.Helper()
	root, err := e2e.Root()
	require.NoError(t, err)
	repo := t.TempDir()
	dir = filepath.Join(repo, filepath.Base(rel))
	require.NoError(t, e2e.CopyDir(filepath.Join(root, rel), dir))
	git = func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return string(out)
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "package")
	return dir, git
}

type expect struct {
	severity, change, field, text string
	approvable                    bool
}

// Each class of change, on a committed copy of a package: the render's results (severity, message, field, id),
// and, when blocked, exit 1 with the package exactly as committed.
func TestRenderClassifies(t *testing.T) {
	cases := []struct {
		name, pkg string
		edit      func(t *testing.T, dir string)
		want      []expect
	}{
		{"no change", "packages/robustmq", func(*testing.T, string) {}, nil},
		{"roll", "packages/robustmq", cfgEdit("  version: v0.4.11", "  version: v0.4.10"), []expect{
			{"info", "rolls", "spec.pools[0]", "rolls pool node: 3 pods restart one at a time, highest ordinal first (robustmq-node-3, robustmq-node-2, robustmq-node-1)", false},
		}},
		{"storage", "packages/robustmq", cfgEdit("size: 10Gi", "size: 20Gi"), []expect{
			{"error", "storage-size", "spec.pools[0].storage.size", "the API server refuses this update of StatefulSet robustmq-node", true},
		}},
		{"storage shrinks", "packages/robustmq", cfgEdit("size: 10Gi", "size: 5Gi"), []expect{
			{"error", "storage-shrink", "spec.pools[0].storage.size", "this change cannot be approved", false},
		}},
		{"meta scale-down", "packages/robustmq", cfgEdit("replicas: 3", "replicas: 1"), []expect{
			{"error", "meta-replicas", "spec.pools[0].replicas", "pods robustmq-node-3, robustmq-node-2 (broker ids 2–3) must leave the cluster first", true},
			{"info", "rolls", "spec.pools[0]", "-meta_addrs.2, -meta_addrs.3", false},
		}},
		{"service type", "packages/robustmq", cfgEdit("    type: ClusterIP", "    type: LoadBalancer"), []expect{
			{"warning", "service-type", "spec.service.type", "from ClusterIP to LoadBalancer", false},
		}},
		{"monitoring off", "packages/robustmq", cfgEdit("  service:", "  monitoring: {enabled: false}\n  service:"), []expect{
			{"info", "objects", "spec", "cluster robustmq: deletes PrometheusRule robustmq, ServiceMonitor robustmq", false},
		}},
		{"rename", "packages/robustmq", cfgEdit("  name: robustmq\n", "  name: broker\n"), []expect{
			{"error", "rename", "metadata.name", "cluster robustmq is renamed to broker", true},
		}},
		{"namespace move", "packages/robustmq", cfgEdit("  name: robustmq\n", "  name: robustmq\n  namespace: mq\n"), []expect{
			{"error", "namespace", "metadata.namespace", `moves from namespace "" to "mq"`, true},
		}},
		{"cluster file deleted", "packages/robustmq", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "cluster.yaml")))
		}, []expect{
			{"error", "cluster-removed", "", "to delete it on purpose, delete the folder robustmq/ in the same commit", true},
		}},
		{"misspelt kind", "packages/robustmq", cfgEdit("kind: RobustMQCluster", "kind: RobustMqCluster"), []expect{
			{"error", "", "kind", "is not read: did you mean apiVersion robustmq.io/v1alpha1, kind RobustMQCluster?", false},
			{"error", "cluster-removed", "", "is gone", true},
		}},
		{"misspelt group", "packages/robustmq", cfgEdit("apiVersion: robustmq.io/v1alpha1", "apiVersion: robustmq.com/v1alpha1"), []expect{
			{"error", "", "apiVersion", "robustmq.com/v1alpha1 RobustMQCluster is not read: did you mean", false},
			{"error", "cluster-removed", "", "is gone", true},
		}},
		{"brokerIdStart", "blueprints/prod-ha", cfgEdit("brokerIdStart: 101", "brokerIdStart: 111"), []expect{
			{"error", "broker-id-start", "spec.pools[1].brokerIdStart", "this change cannot be approved", false},
			{"warning", "certificate", "spec.tls.certManager", "Certificate mq-prod-tls changes (dnsNames)", false},
		}},
		{"certificate issuer", "blueprints/prod-ha", cfgEdit("        name: internal-ca", "        name: other-ca"), []expect{
			{"warning", "certificate", "spec.tls.certManager", "Certificate mq-prod-tls changes (issuerRef)", false},
		}},
		{"roles", "blueprints/prod-ha", cfgEdit("roles: [broker]", "roles: [broker, engine]"), []expect{
			{"error", "roles", "spec.pools[1].roles", "this change cannot be approved", false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, git := committed(t, tc.pkg)
			tc.edit(t, dir)
			before, err := e2e.Snapshot(dir)
			require.NoError(t, err)
			out, results, err := e2e.RenderResults(dir)
			var got []e2e.Result
			for _, r := range results {
				if r.Tags["robustmq.io/change"] != "" || strings.Contains(r.Message, "did you mean") {
					got = append(got, r)
				}
			}
			require.Len(t, got, len(tc.want), out)
			blocking := false
			for i, w := range tc.want {
				r := got[i]
				assert.Equal(t, w.severity, r.Severity, r.Message)
				assert.Equal(t, w.change, r.Tags["robustmq.io/change"], r.Message)
				assert.Equal(t, w.field, r.Field.Path, r.Message)
				assert.Contains(t, r.Message, w.text)
				id := r.Tags["robustmq.io/change-id"]
				if w.approvable {
					assert.Regexp(t, `^`+w.change+`-[0-9a-f]{8}$`, id)
					assert.Contains(t, r.Message, "approve with annotation robustmq.io/approve: "+id)
				} else {
					assert.Empty(t, id, r.Message)
				}
				blocking = blocking || w.severity == "error"
			}
			if !blocking {
				require.NoError(t, err, out)
				return
			}
			require.Error(t, err, out)
			after, err := e2e.Snapshot(dir)
			require.NoError(t, err)
			assert.Equal(t, before, after, "a blocked render must not change the package")
			assert.Contains(t, git("status", "--porcelain"), "cluster.yaml", "only the edit is uncommitted")
		})
	}
}

// Approving: the annotation with the ids from the message lets exactly those changes render; an id of other
// values does not; once rendered, the approval is stale and the next render says to remove it.
func TestApproveSequence(t *testing.T) {
	dir, git := committed(t, "packages/robustmq")
	cfg := filepath.Join(dir, "cluster.yaml")
	editFile(t, cfg, "size: 10Gi", "size: 20Gi", "replicas: 3", "replicas: 5")
	out, err := e2e.Render(dir)
	require.Error(t, err, out)
	ids := e2e.ChangeIDs(out)
	require.Len(t, ids, 2, out)

	// One of two approved: still blocked, on the other one only.
	require.NoError(t, e2e.Approve(cfg, ids[0]))
	out, err = e2e.Render(dir)
	require.Error(t, err, out)
	assert.Equal(t, []string{ids[1]}, e2e.ChangeIDs(out))
	assert.Contains(t, out, "approved ("+ids[0]+")")

	// An approval of other values (20Gi → 30Gi is another id) approves nothing.
	editFile(t, cfg, "size: 20Gi", "size: 30Gi")
	require.NoError(t, e2e.Approve(cfg, ids...))
	out, err = e2e.Render(dir)
	require.Error(t, err, out)
	assert.Contains(t, out, "approval "+ids[0]+" matches no pending change")
	editFile(t, cfg, "size: 30Gi", "size: 20Gi")

	// Both approved: renders, the approved changes are info results.
	require.NoError(t, e2e.Approve(cfg, ids...))
	out, err = e2e.Render(dir)
	require.NoError(t, err, out)
	assert.Contains(t, out, "[info]")
	assert.Contains(t, out, "approved ("+ids[1]+")")
	sts, err := os.ReadFile(filepath.Join(dir, "robustmq", "pool-node-statefulset.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(sts), "replicas: 5")
	git("add", "-A")
	git("commit", "-q", "-m", "approved")

	// The next render has nothing pending: both approvals are stale, a warning each, and nothing changes.
	out, err = e2e.Render(dir)
	require.NoError(t, err, out)
	for _, id := range ids {
		assert.Contains(t, out, "approval "+id+" matches no pending change: approval no longer needed, remove it")
	}
	assert.Empty(t, git("status", "--porcelain"))
}

// A function upgrade: the package holds the output of an older release (its version stamp), and the render by
// this release reports one info result, rolls nothing and changes nothing but the stamps: the package equals its
// commit again.
func TestFunctionUpgrade(t *testing.T) {
	for _, pkg := range []string{"packages/robustmq", "blueprints/day2-autoscaled"} {
		t.Run(pkg, func(t *testing.T) {
			dir, git := committed(t, pkg)
			stamp := "robustmq.io/generator-version: " + robustmqkpt.Version
			stamped := 0
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil || !strings.Contains(string(b), stamp) {
					return err
				}
				stamped++
				return os.WriteFile(p, []byte(strings.ReplaceAll(string(b), stamp, "robustmq.io/generator-version: v0.0.9")), 0o644)
			}))
			require.Greater(t, stamped, 10, "the rendered files carry the stamp")

			out, results, err := e2e.RenderResults(dir)
			require.NoError(t, err, out)
			var got []e2e.Result
			for _, r := range results {
				if r.Tags["robustmq.io/change"] != "" {
					got = append(got, r)
				}
			}
			require.Len(t, got, 1, out)
			assert.Equal(t, "info", got[0].Severity)
			assert.Equal(t, "generator-version", got[0].Tags["robustmq.io/change"])
			assert.Contains(t, got[0].Message, "generated by robustmq-cluster v0.0.9 before, by robustmq-cluster "+
				robustmqkpt.Version+" now; the robustmq.io/generator-version annotation on the objects' metadata restarts no pod")
			assert.Empty(t, git("status", "--porcelain"), "the render changed more than the version stamps")
		})
	}
}

func cfgEdit(pairs ...string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { editFile(t, filepath.Join(dir, "cluster.yaml"), pairs...) }
}
