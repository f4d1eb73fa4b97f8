// Package repo finds the repository root and the pinned tools (hack/tools.sh, hack/versions.env), for the
// programs and tests that use them.
package repo

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Root walks up from the working directory to the directory holding go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Tools returns absolute paths of the named tools (see hack/tools.sh), from
// $KUBE_TOOLS_DIR (as <tool>-<version> or <tool>) or else by running
// hack/tools.sh, which builds missing tools (slow the first time).
func Tools(tools ...string) ([]string, error) {
	if dir := os.Getenv("KUBE_TOOLS_DIR"); dir != "" {
		var paths []string
		for _, tool := range tools {
			p, err := toolInDir(dir, tool)
			if err != nil {
				return nil, err
			}
			paths = append(paths, p)
		}
		return paths, nil
	}
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "tools.sh"), tools...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("hack/tools.sh %s: %w\n%s", strings.Join(tools, " "), err, lastLines(stderr.String(), 40))
	}
	paths := strings.Fields(string(out))
	if len(paths) != len(tools) {
		return nil, fmt.Errorf("hack/tools.sh printed %d paths for %d tools", len(paths), len(tools))
	}
	return paths, nil
}

func toolInDir(dir, tool string) (string, error) {
	versionKey := map[string]string{
		"etcd":                    "ETCD_VERSION",
		"kube-apiserver":          "KUBERNETES_VERSION",
		"kube-controller-manager": "KUBERNETES_VERSION",
		"kube-scheduler":          "KUBERNETES_VERSION",
		"kwok":                    "KWOK_VERSION",
		"kustomize":               "KUSTOMIZE_VERSION",
		"promtool":                "PROMTOOL_VERSION",
		"helm3":                   "HELM3_VERSION",
		"helm4":                   "HELM4_VERSION",
		"registry":                "REGISTRY_VERSION",
		"kube-score":              "KUBE_SCORE_VERSION",
	}[tool]
	var names []string
	if v, err := Pinned(versionKey); err == nil && versionKey != "" {
		names = append(names, tool+"-"+v)
	}
	names = append(names, tool)
	for _, n := range names {
		p, err := filepath.Abs(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no executable %s in KUBE_TOOLS_DIR=%s", strings.Join(names, " or "), dir)
}

// Pinned returns KEY's value from hack/versions.env.
func Pinned(key string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	f, err := os.Open(filepath.Join(root, "hack", "versions.env"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(s.Text()), "=")
		if ok && k == key {
			return strings.Trim(v, `"'`), nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s not set in hack/versions.env", key)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
