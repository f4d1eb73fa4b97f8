package examples

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// rawDocs splits a multi-document YAML file into its documents, for strict decoding one by one.
func rawDocs(t *testing.T, file string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, yaml.Unmarshal(doc, &m))
		if len(m) > 0 {
			out = append(out, doc)
		}
	}
}

// fluxObjects decodes a Flux file strictly (unknown fields are errors) into Flux's own API types.
func fluxObjects(t *testing.T, file string) ([]sourcev1.GitRepository, []kustomizev1.Kustomization) {
	t.Helper()
	var repos []sourcev1.GitRepository
	var kss []kustomizev1.Kustomization
	for _, doc := range rawDocs(t, file) {
		var tm metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal(doc, &tm))
		switch {
		case tm.APIVersion == sourcev1.GroupVersion.String() && tm.Kind == sourcev1.GitRepositoryKind:
			var r sourcev1.GitRepository
			require.NoError(t, yaml.UnmarshalStrict(doc, &r), file)
			repos = append(repos, r)
		case tm.APIVersion == kustomizev1.GroupVersion.String() && tm.Kind == kustomizev1.KustomizationKind:
			var k kustomizev1.Kustomization
			require.NoError(t, yaml.UnmarshalStrict(doc, &k), file)
			kss = append(kss, k)
		default:
			t.Fatalf("%s: unexpected %s %s (Flux v1 GitRepository and Kustomization only)", file, tm.APIVersion, tm.Kind)
		}
	}
	return repos, kss
}

// kustomizationDirs lists the directories of overlays/<env> that hold a kustomization.yaml: the units of the env.
func kustomizationDirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "kustomization.yaml" {
			out = append(out, filepath.Dir(p))
		}
		return err
	}))
	sort.Strings(out)
	return out
}

func TestFluxExamples(t *testing.T) {
	r := root(t)
	clusters := filepath.Join(r, "examples", "flux", "clusters")
	envs := overlayEnvironments(t)
	require.Len(t, mustReadDir(t, clusters), len(envs), "one Flux cluster folder per environment")
	for _, env := range envs {
		t.Run(env.Name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(clusters, env.Name, "robustmq.yaml")
			repos, kss := fluxObjects(t, file)
			require.Len(t, repos, 1)
			repo := repos[0]
			assert.True(t, strings.HasPrefix(repo.Spec.URL, "https://"), "url: %s", repo.Spec.URL)
			require.NotNil(t, repo.Spec.Reference)
			assert.NotEmpty(t, repo.Spec.Reference.Branch+repo.Spec.Reference.Tag+repo.Spec.Reference.SemVer+repo.Spec.Reference.Commit)
			assert.Positive(t, repo.Spec.Interval.Duration)

			envDir := filepath.Join(overlaysDir(t), "overlays", env.Name)
			units := kustomizationDirs(t, envDir)
			var covered []string
			seen := map[string]string{}
			substituted := 0
			for _, ks := range kss {
				name := ks.Name
				assert.Equal(t, repo.Namespace, ks.Namespace, name)
				assert.Equal(t, sourcev1.GitRepositoryKind, ks.Spec.SourceRef.Kind, name)
				assert.Equal(t, repo.Name, ks.Spec.SourceRef.Name, name)
				assert.True(t, ks.Spec.Prune, "%s: prune", name)
				assert.Positive(t, ks.Spec.Interval.Duration, name)
				require.NotNil(t, ks.Spec.Timeout, name)
				assert.Nil(t, ks.Spec.PostBuild, "%s: no substitution on rendered output", name)
				// Flux ignores healthChecks when wait is set: one or the other, never both, and one of them.
				assert.False(t, ks.Spec.Wait && len(ks.Spec.HealthChecks) > 0, "%s: healthChecks are ignored with wait: true", name)
				assert.True(t, ks.Spec.Wait || len(ks.Spec.HealthChecks) > 0, "%s: Ready must mean healthy", name)

				require.True(t, strings.HasPrefix(ks.Spec.Path, "./"), "%s: path relative to the source root", name)
				dir := filepath.Join(r, filepath.FromSlash(ks.Spec.Path))
				require.FileExists(t, filepath.Join(dir, "kustomization.yaml"), name)
				assert.True(t, strings.HasPrefix(dir, envDir), "%s: %s is not an overlay of %s", name, ks.Spec.Path, env.Name)
				covered = append(covered, dir)
				built := kustomizeBuild(t, dir)
				require.NotEmpty(t, built, name)

				// Capability gating: the Kustomization depends on exactly the providers of the CRD kinds it applies.
				need := map[string]bool{}
				var health []string
				for _, o := range built {
					if other, dup := seen[o.id()]; dup {
						t.Errorf("%s is applied by both %s and %s", o.id(), other, name)
					}
					seen[o.id()] = name
					if !builtinGroups[o.group()] {
						p, ok := crdProviders[o.group()]
						require.True(t, ok, "%s: no known provider for the CRD group %s", o.id(), o.group())
						need[p] = true
					}
					if o.kind() == "StatefulSet" || o.kind() == "Certificate" {
						health = append(health, o.apiVersion()+" "+o.kind()+" "+o.namespace()+"/"+o.name())
					}
					if strings.Contains(o.yamlText(t), "${") {
						substituted++
						assert.Equal(t, "disabled", o.annotations()[annotationSubstitute], "%s holds ${...} and would be mangled by postBuild", o.id())
					}
				}
				deps := map[string]bool{}
				for _, d := range ks.Spec.DependsOn {
					assert.Empty(t, d.Namespace, "%s: dependencies live beside it", name)
					deps[d.Name] = true
				}
				assert.Equal(t, need, deps, "%s: dependsOn must name exactly the providers of its CRD kinds", name)

				if !ks.Spec.Wait {
					var checks []string
					for _, h := range ks.Spec.HealthChecks {
						checks = append(checks, h.APIVersion+" "+h.Kind+" "+h.Namespace+"/"+h.Name)
					}
					sort.Strings(checks)
					sort.Strings(health)
					assert.Equal(t, health, checks, "%s: healthChecks are the StatefulSets and Certificates it applies", name)
				}
			}
			sort.Strings(covered)
			assert.Equal(t, units, covered, "every unit of overlays/%s is applied by exactly one Kustomization", env.Name)
			if env.Name != "dev" {
				assert.Positive(t, substituted, "the dashboards and rules of %s hold ${...}: the check above must have run", env.Name)
			}
			assertIgnoreKeeps(t, repo.Spec.Ignore, covered)
		})
	}
}

// assertIgnoreKeeps checks the GitRepository's ignore rules (gitignore syntax, as Flux reads them) with git itself:
// in a scratch tree of this repository's examples and a few other files, what survives is the example the
// Kustomizations build, and nothing else of the repository.
func assertIgnoreKeeps(t *testing.T, ignore *string, dirs []string) {
	t.Helper()
	require.NotNil(t, ignore)
	r := root(t)
	tmp := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = tmp
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	run("init", "-q")
	require.NoError(t, os.WriteFile(filepath.Join(tmp, ".gitignore"), []byte(*ignore), 0o644))
	var want []string
	touch := func(rel string) {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	require.NoError(t, filepath.WalkDir(filepath.Join(r, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(r, p)
		rel = filepath.ToSlash(rel)
		touch(rel)
		if strings.HasPrefix(rel, "examples/kustomize-overlays/") {
			want = append(want, rel)
		}
		return nil
	}))
	for _, other := range []string{"README.md", "go.mod", "functions/robustmq-cluster/main.go", "packages/robustmq/Kptfile"} {
		touch(other)
	}
	got := strings.Fields(run("ls-files", "--others", "--exclude-standard"))
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got, "files the GitRepository's ignore rules keep")
	for _, d := range dirs {
		rel, _ := filepath.Rel(r, d)
		assert.True(t, strings.HasPrefix(filepath.ToSlash(rel), "examples/kustomize-overlays/"), rel)
	}
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	e, err := os.ReadDir(dir)
	require.NoError(t, err)
	return e
}
