package blueprints

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/hack/catalog/catalog"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// The variant workflow every blueprint README describes, run with the real kpt and git:
//
//  1. the blueprint is published in a git repository, tagged v1;
//  2. `kpt pkg get <repo>.git/blueprints/<bp>@v1 <variant>` makes a deployment copy;
//  3. the user names the cluster after the deployment (metadata.name in cluster.yaml) and changes a pool;
//  4. `kpt fn render` writes <variant>/<variant>/ and removes the blueprint's rendered files;
//  5. the blueprint changes upstream (a default outside spec.pools), is re-rendered and tagged v2;
//  6. `kpt pkg update <variant>@v2` brings the change in and keeps the user's name and pool edit;
//  7. a render after the update succeeds and a second render changes nothing.
//
// Every blueprint goes through it with a plain `kpt pkg get`, and one also with `--for-deployment`, which adds
// kpt's package-context.yaml (a local-config ConfigMap the function ignores).
func TestVariantGetRenameRenderUpdate(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	c := loadCatalog(t, root)
	_, err = e2e.FunctionBinary() // build once, before the parallel subtests
	require.NoError(t, err)

	type variantCase struct {
		bp            catalog.Blueprint
		forDeployment bool
	}
	var cases []variantCase
	for _, bp := range c.Blueprints {
		cases = append(cases, variantCase{bp: bp})
		if bp.Name == "staging-3-node" {
			cases = append(cases, variantCase{bp: bp, forDeployment: true})
		}
	}
	for _, tc := range cases {
		bp := tc.bp
		name := bp.Name
		if tc.forDeployment {
			name += "/for-deployment"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, root, bp.Name)
			variant := "orders-" + strings.TrimPrefix(bp.Cluster.Name, "mq-")
			pkg := filepath.Join(w.dir, variant)
			pool := bp.Cluster.Spec.Pools[0]
			replicas := *pool.Replicas + 2 // stays odd for a meta pool
			level := bp.Cluster.Spec.Logging.Level
			newLevel := "error"
			if level == "error" {
				newLevel = "warn"
			}

			// 2. Fetch.
			if tc.forDeployment {
				w.kpt("pkg", "get", "--for-deployment", w.url(bp.Name, "v1"), pkg)
				assert.Contains(t, read(t, filepath.Join(pkg, "package-context.yaml")), "\n  name: "+variant+"\n")
			} else {
				w.kpt("pkg", "get", w.url(bp.Name, "v1"), pkg)
			}
			assert.Contains(t, read(t, filepath.Join(pkg, "Kptfile")), "\n  name: "+variant+"\n", "kpt names the package after its folder")
			// 3. Name the cluster and change the first pool's replicas.
			edit(t, filepath.Join(pkg, "cluster.yaml"),
				"\n  name: "+bp.Cluster.Name+"\n", "\n  name: "+variant+"\n",
				"replicas: "+strconv.Itoa(int(*pool.Replicas))+"\n", "replicas: "+strconv.Itoa(int(replicas))+"\n")
			// 4. Render. With the blueprint's own render still there, the function sees a renamed cluster and
			// refuses; the documented step deletes that folder first (it was never applied).
			out, err := e2e.Render(pkg)
			require.Error(t, err, out)
			assert.Contains(t, out, "cluster "+bp.Cluster.Name+" is renamed to "+variant)
			assert.Contains(t, out, "approve with annotation robustmq.io/approve: rename-")
			require.NoError(t, os.RemoveAll(filepath.Join(pkg, bp.Cluster.Name)))
			out, err = e2e.Render(pkg)
			require.NoError(t, err, out)
			sts := readStatefulSet(t, filepath.Join(pkg, variant, "pool-"+pool.Name+"-statefulset.yaml"))
			assert.Equal(t, variant+"-"+pool.Name, sts.Name)
			assert.Equal(t, replicas, *sts.Spec.Replicas)
			assert.Empty(t, files(t, filepath.Join(pkg, bp.Cluster.Name)), "the render must not bring the blueprint's rendered files back")

			// 5. Upstream change outside spec.pools, rendered and tagged like a release of the blueprint.
			w.changeUpstream(bp.Name, "v2", "\n    level: "+string(level)+"\n", "\n    level: "+newLevel+"\n")

			// 6. Update.
			w.kpt("pkg", "update", pkg+"@v2")
			cfg := read(t, filepath.Join(pkg, "cluster.yaml"))
			assert.Contains(t, cfg, "\n  name: "+variant+"\n", "the local name must survive the update")
			assert.Contains(t, cfg, "replicas: "+strconv.Itoa(int(replicas))+"\n", "the local pool edit must survive the update")
			assert.Contains(t, cfg, "\n    level: "+newLevel+"\n", "the upstream change must arrive")
			assert.Contains(t, read(t, filepath.Join(pkg, "Kptfile")), "ref: v2")

			// 7. Render after the update, twice.
			out, err = e2e.Render(pkg)
			require.NoError(t, err, out)
			first, err := e2e.Snapshot(pkg)
			require.NoError(t, err)
			out, err = e2e.Render(pkg)
			require.NoError(t, err, out)
			second, err := e2e.Snapshot(pkg)
			require.NoError(t, err)
			assert.Equal(t, first, second, "a second render after the update changed the package")

			sts = readStatefulSet(t, filepath.Join(pkg, variant, "pool-"+pool.Name+"-statefulset.yaml"))
			assert.Equal(t, replicas, *sts.Spec.Replicas)
			cm := readConfigMap(t, filepath.Join(pkg, variant, "pool-"+pool.Name+"-configmap.yaml"))
			assert.Contains(t, cm.Data["logger.toml"], "level = '"+newLevel+"'", "the upstream change must reach the rendered config")
			assert.Empty(t, files(t, filepath.Join(pkg, bp.Cluster.Name)), "the update must not bring the blueprint's rendered files back")
		})
	}
}

// kpt merges a list without a schema merge key as a whole: when upstream changes anything in spec.pools, its list
// replaces the local one, local pool edits included. The catalog and the READMEs say so; if this test fails,
// kpt now merges pools element by element, and those words should go.
func TestVariantPoolEditsLostWhenUpstreamChangesPools(t *testing.T) {
	root, err := e2e.Root()
	require.NoError(t, err)
	const bp = "staging-3-node"
	w := newWorkspace(t, root, bp)
	pkg := filepath.Join(w.dir, "orders-mq")

	w.kpt("pkg", "get", w.url(bp, "v1"), pkg)
	edit(t, filepath.Join(pkg, "cluster.yaml"), "replicas: 3\n", "replicas: 5\n")
	// A change that renders without approval (a pod roll); a storage change would need one.
	w.changeUpstream(bp, "v2", `limits: {cpu: "2", memory: 2Gi}`, `limits: {cpu: "2", memory: 3Gi}`)
	w.kpt("pkg", "update", pkg+"@v2")

	cfg := read(t, filepath.Join(pkg, "cluster.yaml"))
	assert.Contains(t, cfg, `memory: 3Gi}`)
	assert.Contains(t, cfg, "replicas: 3\n", "kpt now keeps local pool edits when upstream changes spec.pools: "+
		"update the merge caveat in hack/catalog and the blueprint READMEs")
}

// workspace is a local git "upstream" holding one blueprint, and kpt with its own cache.
type workspace struct {
	t        *testing.T
	dir      string
	upstream string // the git work tree; blueprints/<name> inside it
	env      []string
}

func newWorkspace(t *testing.T, root, blueprint string) *workspace {
	t.Helper()
	dir := t.TempDir()
	w := &workspace{t: t, dir: dir, upstream: filepath.Join(dir, "upstream")}
	home := filepath.Join(dir, "home")
	require.NoError(t, os.MkdirAll(home, 0o755))
	w.env = append(os.Environ(),
		"HOME="+home, "KPT_CACHE_DIR="+filepath.Join(dir, "kpt-cache"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=blueprints test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=blueprints test", "GIT_COMMITTER_EMAIL=test@example.com")
	require.NoError(t, e2e.CopyDir(filepath.Join(root, catalog.Dir, blueprint), filepath.Join(w.upstream, catalog.Dir, blueprint)))
	w.git("init", "-q", "-b", "main")
	w.git("add", "-A")
	w.git("commit", "-q", "-m", "blueprint "+blueprint)
	w.git("tag", "v1")
	return w
}

// url is what a user passes to kpt pkg get: <repo>.git/<directory>@<ref>.
func (w *workspace) url(blueprint, ref string) string {
	return "file://" + w.upstream + ".git/" + catalog.Dir + "/" + blueprint + "@" + ref
}

// changeUpstream edits the blueprint's cluster.yaml, renders it as a maintainer would, commits and tags.
func (w *workspace) changeUpstream(blueprint, tag string, pairs ...string) {
	w.t.Helper()
	dir := filepath.Join(w.upstream, catalog.Dir, blueprint)
	edit(w.t, filepath.Join(dir, "cluster.yaml"), pairs...)
	out, err := e2e.Render(dir)
	require.NoError(w.t, err, out)
	w.git("add", "-A")
	w.git("commit", "-q", "-m", "change "+blueprint)
	w.git("tag", tag)
}

func (w *workspace) git(args ...string) {
	w.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = w.upstream, w.env
	out, err := cmd.CombinedOutput()
	require.NoError(w.t, err, "git %v: %s", args, out)
}

func (w *workspace) kpt(args ...string) {
	w.t.Helper()
	cmd := exec.Command("kpt", args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	require.NoError(w.t, err, "kpt %v: %s", args, out)
}

// edit replaces each old string by its new one, once; each must be found.
func edit(t *testing.T, path string, pairs ...string) {
	t.Helper()
	require.Zero(t, len(pairs)%2)
	s := read(t, path)
	for i := 0; i < len(pairs); i += 2 {
		require.Contains(t, s, pairs[i], "%s", path)
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// files lists the regular files under dir; a missing dir has none.
func files(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	snap, err := e2e.Snapshot(dir)
	require.NoError(t, err)
	var out []string
	for f := range snap {
		out = append(out, f)
	}
	return out
}

func readStatefulSet(t *testing.T, path string) *appsv1.StatefulSet {
	t.Helper()
	var sts appsv1.StatefulSet
	require.NoError(t, yaml.Unmarshal([]byte(read(t, path)), &sts), path)
	return &sts
}

func readConfigMap(t *testing.T, path string) *corev1.ConfigMap {
	t.Helper()
	var cm corev1.ConfigMap
	require.NoError(t, yaml.Unmarshal([]byte(read(t, path)), &cm), path)
	return &cm
}

// The render catches what kpt's whole-list merge does: a local pool added to spec.pools, rendered, then an upstream
// change to spec.pools arrives with `kpt pkg update` and replaces the list. The next render would delete the local
// pool's StatefulSet; it refuses with an approvable error naming the pool instead, and changes nothing.
func TestPkgUpdateDroppingALocalPoolIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kpt")
	}
	root, err := e2e.Root()
	require.NoError(t, err)
	const bp = "staging-3-node"
	w := newWorkspace(t, root, bp)
	pkg := filepath.Join(w.dir, "orders-mq")

	w.kpt("pkg", "get", w.url(bp, "v1"), pkg)
	edit(t, filepath.Join(pkg, "cluster.yaml"), "  pools:\n", "  pools:\n    - {name: edge, roles: [broker], replicas: 2, brokerIdStart: 101}\n",
		"      roles: [meta, broker, engine]\n", "      roles: [meta, broker, engine]\n      brokerIdStart: 1\n")
	out, err := e2e.Render(pkg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "new pool edge starts 2 pods")
	w.changeUpstream(bp, "v2", `limits: {cpu: "2", memory: 2Gi}`, `limits: {cpu: "2", memory: 3Gi}`)
	w.kpt("pkg", "update", pkg+"@v2")
	require.NotContains(t, read(t, filepath.Join(pkg, "cluster.yaml")), "name: edge", "kpt now merges pools element by element")

	before, err := e2e.Snapshot(pkg)
	require.NoError(t, err)
	out, err = e2e.Render(pkg)
	require.Error(t, err, out)
	assert.Contains(t, out, "pool edge is removed: pruning deletes StatefulSet mq-staging-edge and its 2 pods")
	assert.Contains(t, out, "approve with annotation robustmq.io/approve: pool-removed-")
	after, err := e2e.Snapshot(pkg)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a blocked render must not change the package")
}
