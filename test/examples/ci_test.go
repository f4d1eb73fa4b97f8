package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/test/e2e"
)

// renderCommand is how this repository calls kpt to render a package. hack/render.sh runs it, adding --allow-exec
// for its locally built binary; the CI examples run it with the published image, adding --results-dir. Both are
// read from their files and compared with this, so neither can drift alone.
const renderCommand = `kpt fn render "$pkg" --truncate-output=false`

// renderShCommand reads the kpt invocation of hack/render.sh, less its exec-mode flag and pass-through arguments.
func renderShCommand(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "hack", "render.sh"))
	require.NoError(t, err)
	var found []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "kpt fn render ") {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "hack/render.sh calls kpt fn render once")
	cmd := strings.Replace(found[0], " --allow-exec", "", 1)
	return strings.TrimSuffix(cmd, ` "$@"`)
}

// ciRenderLine finds the one render command of a CI script and checks it is renderCommand plus --results-dir.
func ciRenderLine(t *testing.T, script, where string) {
	t.Helper()
	var found []string
	for _, l := range strings.Split(script, "\n") {
		if l = strings.TrimSpace(l); strings.Contains(l, "kpt fn render") {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "%s: one kpt fn render", where)
	assert.Equal(t, renderCommand+` --results-dir "$RESULTS_DIR/$pkg"`, found[0], where)
	assert.Contains(t, script, "for pkg in $KPT_PACKAGES", "%s renders every package", where)
}

var diffCheck = regexp.MustCompile(`git diff --exit-code\b.* -- \$KPT_PACKAGES`)

type ghWorkflow struct {
	Name        string            `json:"name"`
	On          map[string]any    `json:"on"`
	Permissions map[string]string `json:"permissions"`
	Env         map[string]string `json:"env"`
	Jobs        map[string]ghJob  `json:"jobs"`
}

type ghJob struct {
	RunsOn      string            `json:"runs-on"`
	Permissions map[string]string `json:"permissions"`
	Steps       []ghStep          `json:"steps"`
}

type ghStep struct {
	Name string            `json:"name,omitempty"`
	Uses string            `json:"uses,omitempty"`
	Run  string            `json:"run,omitempty"`
	If   string            `json:"if,omitempty"`
	With map[string]any    `json:"with,omitempty"`
	Env  map[string]string `json:"env,omitempty"`
}

type glJob struct {
	Extends      string            `json:"extends,omitempty"`
	Image        string            `json:"image,omitempty"`
	Services     []string          `json:"services,omitempty"`
	Variables    map[string]string `json:"variables,omitempty"`
	BeforeScript []string          `json:"before_script,omitempty"`
	Script       []string          `json:"script,omitempty"`
	Rules        []map[string]any  `json:"rules,omitempty"`
	Needs        []map[string]any  `json:"needs,omitempty"`
	Artifacts    *struct {
		When  string   `json:"when"`
		Paths []string `json:"paths"`
	} `json:"artifacts,omitempty"`
}

func ciDir(t *testing.T) string { return filepath.Join(root(t), "examples", "ci") }

func githubWorkflow(t *testing.T) ghWorkflow {
	t.Helper()
	var wf ghWorkflow
	readYAML(t, filepath.Join(ciDir(t), ".github", "workflows", "render.yaml"), &wf)
	return wf
}

func stepNamed(t *testing.T, steps []ghStep, name string) ghStep {
	t.Helper()
	for _, s := range steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return ghStep{}
}

func gitlabCI(t *testing.T) (map[string]string, map[string]glJob) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ciDir(t), ".gitlab-ci.yml"))
	require.NoError(t, err)
	var top map[string]json.RawMessage
	require.NoError(t, yaml.Unmarshal(b, &top))
	var vars map[string]string
	jobs := map[string]glJob{}
	for k, raw := range top {
		if k == "variables" {
			require.NoError(t, json.Unmarshal(raw, &vars))
			continue
		}
		var j glJob
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.DisallowUnknownFields()
		require.NoError(t, d.Decode(&j), "job %s", k)
		jobs[k] = j
	}
	return vars, jobs
}

func TestCIRenderCommand(t *testing.T) {
	assert.Equal(t, renderCommand, renderShCommand(t), "hack/render.sh and the CI examples render the same way")

	wf := githubWorkflow(t)
	require.Contains(t, wf.On, "pull_request")
	require.Contains(t, wf.On, "push")
	job, ok := wf.Jobs["render"]
	require.True(t, ok)
	render := stepNamed(t, job.Steps, "render")
	ciRenderLine(t, render.Run, "GitHub render step")
	assert.Empty(t, render.If, "the render runs on every event")

	keep := stepNamed(t, job.Steps, "keep the results")
	assert.Equal(t, "always()", keep.If, "results are kept when the render fails")
	assert.True(t, strings.HasPrefix(keep.Uses, "actions/upload-artifact@"))
	assert.Equal(t, strings.TrimSuffix(wf.Env["RESULTS_DIR"], "/")+"/", keep.With["path"])

	// The changes comment runs after a failed render too, on the results it kept, with the command TestChangesComment
	// tests.
	comment := stepNamed(t, job.Steps, "changes comment")
	assert.Equal(t, "always() && github.event_name == 'pull_request'", comment.If)
	assert.Contains(t, comment.Run, `go run github.com/robustmq/robustmq-kpt/examples/ci/comment@v0.1.0 "$RESULTS_DIR"`)
	assert.Contains(t, comment.Run, "exit $status", "blocked changes fail the job")

	check := stepNamed(t, job.Steps, "check")
	assert.Equal(t, "github.event_name == 'pull_request'", check.If)
	assert.Regexp(t, diffCheck, check.Run)
	assert.Contains(t, check.Run, "--intent-to-add", "new files count as a difference")

	propose := stepNamed(t, job.Steps, "propose")
	assert.Equal(t, "github.event_name != 'pull_request'", propose.If)
	assert.Regexp(t, `^peter-evans/create-pull-request@v\d+$`, propose.Uses)
	paths, _ := propose.With["add-paths"].(string)
	for _, pkg := range strings.Fields(wf.Env["KPT_PACKAGES"]) {
		covered := false
		for _, p := range strings.Fields(paths) {
			if prefix := strings.TrimSuffix(p, "**"); strings.HasPrefix(pkg+"/", prefix) {
				covered = true
			}
		}
		assert.True(t, covered, "the proposal commits %s", pkg)
	}
	assert.Equal(t, "write", job.Permissions["pull-requests"])
	assert.Equal(t, "write", job.Permissions["contents"])

	vars, jobs := gitlabCI(t)
	base, ok := jobs[".kpt-render"]
	require.True(t, ok)
	ciRenderLine(t, strings.Join(base.BeforeScript, "\n"), "GitLab .kpt-render")
	require.NotNil(t, base.Artifacts)
	assert.Equal(t, "always", base.Artifacts.When, "results are kept when the render fails")
	assert.Equal(t, []string{strings.TrimSuffix(vars["RESULTS_DIR"], "/") + "/"}, base.Artifacts.Paths)
	glCheck := jobs["kpt-render-check"]
	assert.Equal(t, ".kpt-render", glCheck.Extends)
	assert.Regexp(t, diffCheck, strings.Join(glCheck.Script, "\n"))
	glChanges := jobs["kpt-render-changes"]
	require.Len(t, glChanges.Needs, 1)
	assert.Equal(t, "kpt-render-check", glChanges.Needs[0]["job"])
	assert.Equal(t, "always", glChanges.Rules[0]["when"], "the report runs after a failed render too")
	assert.Contains(t, strings.Join(glChanges.Script, "\n"), `go run github.com/robustmq/robustmq-kpt/examples/ci/comment@v0.1.0 "$RESULTS_DIR"`)
	glPropose := jobs["kpt-render-propose"]
	assert.Equal(t, ".kpt-render", glPropose.Extends)
	assert.Contains(t, strings.Join(glPropose.Script, "\n"), "merge_request.create")
	assert.Equal(t, wf.Env["KPT_PACKAGES"], vars["KPT_PACKAGES"], "both CI examples render the same packages")
	assert.Equal(t, wf.Env["KPT_VERSION"], vars["KPT_VERSION"])
}

// The render and check scripts of both CI examples run for real, with kpt on the PATH replaced by a stand-in that
// runs hack/render.sh (the same kpt, the function in exec mode instead of the image): a committed, rendered
// repository passes; a config change committed without rendering fails the check; an invalid config fails the
// render with a results file that says why.
func TestCIScriptsRun(t *testing.T) {
	wf := githubWorkflow(t)
	steps := wf.Jobs["render"].Steps
	vars, jobs := gitlabCI(t)
	var glRender []string
	for _, s := range jobs[".kpt-render"].BeforeScript {
		if strings.Contains(s, "kpt fn render") {
			glRender = append(glRender, s)
		}
	}
	cases := map[string]struct {
		env           map[string]string
		render, check string
	}{
		"github": {wf.Env, stepNamed(t, steps, "render").Run, stepNamed(t, steps, "check").Run},
		"gitlab": {vars, strings.Join(glRender, "\n"), strings.Join(jobs["kpt-render-check"].Script, "\n")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCIScenario(t, tc.env, tc.render, tc.check)
		})
	}
}

func runCIScenario(t *testing.T, env map[string]string, renderScript, checkScript string) {
	r := root(t)
	bin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	vbin, err := e2e.ValidatorBinary()
	require.NoError(t, err)
	repo := t.TempDir()
	shimDir := t.TempDir()
	shim := `#!/usr/bin/env bash
# Stand-in for kpt in the CI scripts: "kpt fn render PKG FLAGS..." runs hack/render.sh PKG FLAGS..., the real kpt
# with the function built from this checkout in exec mode.
set -euo pipefail
[ "${1:-} ${2:-}" = "fn render" ] || { echo "kpt stand-in: only 'kpt fn render' is expected, got: $*" >&2; exit 2; }
shift 2
PATH="$REAL_PATH" exec "$ROBUSTMQ_ROOT/hack/render.sh" "$@"
`
	require.NoError(t, os.WriteFile(filepath.Join(shimDir, "kpt"), []byte(shim), 0o755))
	environ := append(os.Environ(),
		"PATH="+shimDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"REAL_PATH="+os.Getenv("PATH"), "ROBUSTMQ_ROOT="+r, "ROBUSTMQ_FN_BIN="+bin, "ROBUSTMQ_VALIDATE_BIN="+vbin,
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.invalid")
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	sh := func(script string) (string, error) {
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = repo, environ
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = repo, environ
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}

	pkgs := strings.Fields(env["KPT_PACKAGES"])
	require.NotEmpty(t, pkgs)
	git("init", "-q")
	for _, p := range pkgs {
		dst := filepath.Join(repo, p)
		// The example's base package: a RobustMQCluster package as `kpt pkg get` delivers it, in files this test
		// owns (kustomization.yaml files included: kpt leaves them alone, as it would in a user's repository).
		require.NoError(t, e2e.CopyDir(filepath.Join(overlaysDir(t), "base"), dst))
		out, err := e2e.Render(dst) // committed rendered, whatever state packages/ is in
		require.NoError(t, err, out)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "rendered packages")

	out, err := sh(renderScript)
	require.NoError(t, err, "render of a rendered repository: %s", out)
	for _, p := range pkgs {
		assert.FileExists(t, filepath.Join(repo, env["RESULTS_DIR"], p, "results.yaml"))
	}
	out, err = sh(checkScript)
	require.NoError(t, err, "check of an up-to-date repository: %s", out)
	results, err := os.ReadFile(filepath.Join(repo, env["RESULTS_DIR"], pkgs[0], "results.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(results), "robustmq-validate", "the render ran the package's validator")

	// A hand-written manifest the generator does not own, committed next to the rendered output: the validator
	// fails the render, and the results say which file and field.
	extra := filepath.Join(repo, pkgs[0], "mqtt-extra.yaml")
	require.NoError(t, os.WriteFile(extra, []byte("apiVersion: v1\nkind: Service\nmetadata: {name: mqtt-extra, namespace: messaging}\n"+
		"spec:\n  selector: {app.kubernetes.io/name: robustmq}\n  ports: [{name: mqtt, port: 1883, targetPort: 1884}]\n"), 0o644))
	git("add", "-A")
	git("commit", "-q", "-m", "hand-written service")
	out, err = sh(renderScript)
	require.Error(t, err, "a validator error must fail the render: %s", out)
	results, err = os.ReadFile(filepath.Join(repo, env["RESULTS_DIR"], pkgs[0], "results.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(results), "mqtt-extra.yaml")
	assert.Contains(t, string(results), "rule: ports")
	require.NoError(t, os.Remove(extra))
	git("commit", "-q", "-am", "drop the hand-written service")

	// A config change committed without rendering: the render succeeds, the check fails.
	cfg := filepath.Join(repo, pkgs[0], "cluster.yaml")
	edit := func(from, to string) {
		b, err := os.ReadFile(cfg)
		require.NoError(t, err)
		require.Contains(t, string(b), from)
		require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
		git("commit", "-q", "-am", "edit "+to)
	}
	edit("  version: v0.4.11", "  version: v0.4.10")
	out, err = sh(renderScript)
	require.NoError(t, err, out)
	out, err = sh(checkScript)
	require.Error(t, err, "the check must fail when the committed output is stale: %s", out)
	assert.Contains(t, out, "pool-node-statefulset.yaml", "the check names the stale file")

	// An invalid config: kpt's exit code fails the render, the results say why.
	git("checkout", "-q", "--", ".")
	edit("  version: v0.4.10", "  version: v0.4.9")
	out, err = sh(renderScript)
	require.Error(t, err, "a function error must fail the render: %s", out)
	results, err = os.ReadFile(filepath.Join(repo, env["RESULTS_DIR"], pkgs[0], "results.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(results), "severity: error")
	assert.Contains(t, string(results), "spec.version")
}

// The pull request comment of the CI examples (examples/ci/comment) from the results of real renders: a safe change
// lists the pools that roll and passes; a blocked change is listed with its approval id and fails the job.
func TestChangesComment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kpt")
	}
	r := root(t)
	bin := filepath.Join(t.TempDir(), "comment")
	build := exec.Command("go", "build", "-o", bin, "./examples/ci/comment")
	build.Dir = r
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	fnBin, err := e2e.FunctionBinary()
	require.NoError(t, err)
	repo := t.TempDir()
	pkg := filepath.Join(repo, "deploy", "prod")
	require.NoError(t, e2e.CopyDir(filepath.Join(r, "packages", "robustmq"), pkg))
	results := filepath.Join(repo, "kpt-results")
	render := func() error {
		cmd := exec.Command(filepath.Join(r, "hack", "render.sh"), pkg, "--results-dir", filepath.Join(results, "deploy", "prod"))
		cmd.Env = append(os.Environ(), "ROBUSTMQ_FN_BIN="+fnBin)
		out, err := cmd.CombinedOutput()
		t.Logf("render: %s", out)
		return err
	}
	comment := func() (string, error) {
		cmd := exec.Command(bin, results)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		err := cmd.Run()
		return stdout.String(), err
	}
	cfg := filepath.Join(pkg, "cluster.yaml")
	change := func(from, to string) {
		b, err := os.ReadFile(cfg)
		require.NoError(t, err)
		require.Contains(t, string(b), from)
		require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
	}

	require.NoError(t, render())
	md, err := comment()
	require.NoError(t, err, md)
	assert.Contains(t, md, "### `deploy/prod`\n\nNo change to the running cluster.")

	change("  version: v0.4.11", "  version: v0.4.10")
	require.NoError(t, render())
	md, err = comment()
	require.NoError(t, err, md)
	assert.Contains(t, md, "- robustmq / node (rolls): ")
	assert.Contains(t, md, "robustmq-node-3, robustmq-node-2, robustmq-node-1")
	assert.NotContains(t, md, "Blocked")

	change("size: 10Gi", "size: 20Gi")
	require.Error(t, render())
	md, err = comment()
	require.Error(t, err, "a blocked change fails the job:\n%s", md)
	assert.Contains(t, md, "**Blocked**")
	assert.Regexp(t, "\\| robustmq \\| node \\| storage-size \\| `storage-size-[0-9a-f]{8}` \\|", md)
	t.Logf("comment:\n%s", md)
}
