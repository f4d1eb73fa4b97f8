// Command generate writes the kustomize side of the kustomize-overlays example from real kpt renders:
//
//   - base/ is the kpt package of base/cluster.yaml, rendered; the command renders it again and adds a
//     kustomization.yaml for each unit (see below);
//   - overlays/<env>/ is, for each environment of environments.yaml, the difference between the render of
//     base/cluster.yaml with that environment's merge patch applied and the base: JSON 6902 patches for objects
//     in both, whole objects for objects only the environment has, and `$patch: delete` patches for objects only
//     the base has.
//
// A unit is a set of objects applied together. Objects under a `monitoring/` directory of the render (the kinds
// that need the Prometheus Operator's CRDs) form their own unit, so that GitOps tools can apply them separately,
// after the CRDs exist; everything else is the main unit. The main unit of an environment is overlays/<env>/, its
// monitoring unit overlays/<env>/monitoring/.
//
// Renders run hack/render.sh (the real `kpt fn render`, function in exec mode), which builds the function unless
// ROBUSTMQ_FN_BIN names a binary.
//
// usage: go run ./examples/kustomize-overlays/generate [-dir examples/kustomize-overlays]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/yaml"

	"github.com/robustmq/robustmq-kpt/internal/repo"
)

// environmentsFile lists the environments and their patches, relative to the example directory.
const environmentsFile = "environments.yaml"

type environments struct {
	Environments []environment `json:"environments"`
}

type environment struct {
	Name  string         `json:"name"`
	Patch map[string]any `json:"patch"`
}

func main() {
	dir := flag.String("dir", "", "the example directory (default: examples/kustomize-overlays of the repository)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	root, err := repo.Root()
	if err != nil {
		return err
	}
	if dir == "" {
		dir = filepath.Join(root, "examples", "kustomize-overlays")
	}
	envs, err := readEnvironments(filepath.Join(dir, environmentsFile))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "kustomize-overlays-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	render := func(pkg string) error { return renderPackage(root, pkg) }
	out, err := generate(dir, tmp, envs, render)
	if err != nil {
		return err
	}
	// Replace base/ and overlays/ only once everything rendered.
	for _, d := range []string{"base", "overlays"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			return err
		}
		if err := copyTree(filepath.Join(out, d), filepath.Join(dir, d), nil); err != nil {
			return err
		}
	}
	return nil
}

// generate renders the base and every environment under tmp and returns a directory holding the new base/ and
// overlays/.
func generate(dir, tmp string, envs []environment, render func(pkg string) error) (string, error) {
	out := filepath.Join(tmp, "out")
	base := filepath.Join(out, "base")
	// Old kustomization files are ours: drop them, they are written anew below.
	if err := copyTree(filepath.Join(dir, "base"), base, func(rel string) bool {
		return filepath.Base(rel) == "kustomization.yaml"
	}); err != nil {
		return "", err
	}
	if err := render(base); err != nil {
		return "", fmt.Errorf("render base: %w", err)
	}
	baseObjs, err := loadPackage(base)
	if err != nil {
		return "", fmt.Errorf("read base render: %w", err)
	}
	baseUnits := splitUnits(baseObjs)
	for _, u := range sortedKeys(baseUnits) {
		if err := writeFile(filepath.Join(base, u, "kustomization.yaml"), baseKustomization(u, baseUnits[u])); err != nil {
			return "", err
		}
	}

	for _, env := range envs {
		pkg := filepath.Join(tmp, "envs", env.Name)
		// Only the config: an environment is another cluster, not a change of the base's (the function would
		// classify dev's one replica as a meta scale-down of the base's three).
		if err := copyTree(base, pkg, func(rel string) bool {
			return filepath.Base(rel) == "kustomization.yaml" || strings.ContainsRune(filepath.ToSlash(rel), '/')
		}); err != nil {
			return "", err
		}
		if err := patchCluster(filepath.Join(pkg, "cluster.yaml"), env.Patch); err != nil {
			return "", fmt.Errorf("environment %s: %w", env.Name, err)
		}
		if err := render(pkg); err != nil {
			return "", fmt.Errorf("render environment %s: %w", env.Name, err)
		}
		objs, err := loadPackage(pkg)
		if err != nil {
			return "", fmt.Errorf("read render of environment %s: %w", env.Name, err)
		}
		files, err := overlay(env.Name, baseUnits, splitUnits(objs))
		if err != nil {
			return "", fmt.Errorf("environment %s: %w", env.Name, err)
		}
		for rel, content := range files {
			if err := writeFile(filepath.Join(out, "overlays", env.Name, rel), content); err != nil {
				return "", err
			}
		}
	}
	return out, nil
}

func readEnvironments(path string) ([]environment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var envs environments
	if err := yaml.UnmarshalStrict(b, &envs); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	seen := map[string]bool{}
	for _, e := range envs.Environments {
		if e.Name == "" || strings.ContainsAny(e.Name, `/\. `) || seen[e.Name] {
			return nil, fmt.Errorf("%s: environment name %q is empty, not a plain directory name, or repeated", path, e.Name)
		}
		seen[e.Name] = true
	}
	if len(envs.Environments) == 0 {
		return nil, fmt.Errorf("%s lists no environments", path)
	}
	return envs.Environments, nil
}

// patchCluster applies a JSON merge patch to the RobustMQCluster in file. Comments are lost; the file is a copy.
func patchCluster(file string, patch map[string]any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	doc, err := yaml.YAMLToJSON(b)
	if err != nil {
		return fmt.Errorf("decode %s: %w", file, err)
	}
	p, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	merged, err := jsonpatch.MergePatch(doc, p)
	if err != nil {
		return fmt.Errorf("patch %s: %w", file, err)
	}
	out, err := yaml.JSONToYAML(merged)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// renderPackage runs hack/render.sh, the repository's way to call `kpt fn render` with a local binary.
func renderPackage(root, pkg string) error {
	cmd := exec.Command(filepath.Join(root, "hack", "render.sh"), pkg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, out.String())
	}
	return nil
}

// copyTree copies regular files from src to dst, skipping those for which skip (given the path relative to src)
// returns true.
func copyTree(src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if skip != nil && skip(rel) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

func writeFile(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, content, 0o644)
}
