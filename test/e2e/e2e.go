// Package e2e holds helpers for the end-to-end tests: they run the real kpt (and kustomize) on copies of the
// repository's packages, with the function built from this checkout.
package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/test/kubeapi"
)

// Root is the repository root (the directory holding go.mod).
func Root() (string, error) { return repo.Root() }

// FunctionBinary and ValidatorBinary build functions/robustmq-cluster and functions/robustmq-validate once per
// test process and return their paths.
var (
	FunctionBinary  = binary("robustmq-cluster")
	ValidatorBinary = binary("robustmq-validate")
)

func binary(name string) func() (string, error) {
	return sync.OnceValues(func() (string, error) {
		root, err := Root()
		if err != nil {
			return "", err
		}
		dir, err := os.MkdirTemp("", name+"-")
		if err != nil {
			return "", err
		}
		path := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-trimpath", "-o", path, "./functions/"+name)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s: %v\n%s", name, err, out)
		}
		return path, nil
	})
}

// Render runs hack/render.sh (the real `kpt fn render`, generator and validator in exec mode) on a package directory.
// It returns the combined output and the error of the command.
func Render(pkg string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	bin, err := FunctionBinary()
	if err != nil {
		return "", err
	}
	vbin, err := ValidatorBinary()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "render.sh"), pkg)
	cmd.Env = append(os.Environ(), "ROBUSTMQ_FN_BIN="+bin, "ROBUSTMQ_VALIDATE_BIN="+vbin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// Packages lists every kpt package of the repository that the function renders (it holds a cluster.yaml) and
// whose rendered output is checked in: packages/* and blueprints/*, sorted. packages/robustmq-dashboards has no
// cluster and no function; its files are goldens of functions/robustmq-cluster/monitoring.
func Packages() ([]string, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, glob := range []string{"packages/*/Kptfile", "blueprints/*/Kptfile"} {
		m, err := filepath.Glob(filepath.Join(root, glob))
		if err != nil {
			return nil, err
		}
		for _, k := range m {
			if _, err := os.Stat(filepath.Join(filepath.Dir(k), "cluster.yaml")); err == nil {
				out = append(out, filepath.Dir(k))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// CopyDir copies a directory tree (regular files only).
func CopyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// FreshCopy copies the package src to dst without its checked-in render (the folder dst/render), so that the next
// render is a fresh install: the change check has no earlier objects to compare with, as when a package is first
// applied to a namespace of its own (moving a rendered cluster to another namespace is refused, docs/changes.md).
func FreshCopy(src, dst, render string) error {
	if err := CopyDir(src, dst); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(dst, render))
}

// Snapshot reads every file of a tree into a map from relative path to content.
func Snapshot(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return files, err
}

// YAMLFiles returns the paths of the .yaml files under dir, sorted.
func YAMLFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			out = append(out, path)
		}
		return err
	})
	return out, err
}

// Applyable reads the objects of a rendered package that get applied: everything but local config (the Kptfile,
// the RobustMQCluster, the access table).
func Applyable(dir string) ([]unstructured.Unstructured, error) {
	files, err := YAMLFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []unstructured.Unstructured
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := kubeapi.DecodeYAML(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, o := range objs {
			if o.GetAnnotations()[fn.KptLocalConfig] != "true" && o.GetKind() != "Kptfile" {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// BuiltIn keeps the objects of the API groups a plain API server serves without CRDs that the function generates
// (core, apps, policy, networking).
func BuiltIn(objs []unstructured.Unstructured) []unstructured.Unstructured {
	var out []unstructured.Unstructured
	for _, o := range objs {
		switch o.GetAPIVersion() {
		case "v1", "apps/v1", "policy/v1", "networking.k8s.io/v1":
			out = append(out, o)
		}
	}
	return out
}
