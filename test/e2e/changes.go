package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

var approveHint = regexp.MustCompile(`approve with annotation robustmq\.io/approve: ([a-z0-9-]+)`)

// ChangeIDs returns the approval ids a render's output asks for, in order.
func ChangeIDs(out string) []string {
	var ids []string
	for _, m := range approveHint.FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// Approve sets the robustmq.io/approve annotation of the RobustMQCluster in file (a cluster.yaml with an
// annotations: block under metadata) to ids, as a user would.
func Approve(file string, ids ...string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	var out []string
	done := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "robustmq.io/approve:") {
			continue
		}
		out = append(out, l)
		if !done && strings.TrimRight(l, " ") == "  annotations:" {
			out = append(out, fmt.Sprintf("    robustmq.io/approve: %q", strings.Join(ids, ",")))
			done = true
		}
	}
	if !done {
		return fmt.Errorf("%s: no metadata.annotations block", file)
	}
	return os.WriteFile(file, []byte(strings.Join(out, "\n")), 0o644)
}

// Result is one function result of a render, as kpt writes it to results.yaml.
type Result struct {
	Message  string            `json:"message"`
	Severity string            `json:"severity"`
	Tags     map[string]string `json:"tags"`
	Field    struct {
		Path string `json:"path"`
	} `json:"field"`
	File struct {
		Path string `json:"path"`
	} `json:"file"`
	ResourceRef struct {
		Kind, Name, Namespace string
	} `json:"resourceRef"`
}

// RenderResults renders like Render, with --results-dir, and returns the function's results from results.yaml.
func RenderResults(pkg string) (string, []Result, error) {
	root, err := Root()
	if err != nil {
		return "", nil, err
	}
	bin, err := FunctionBinary()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "robustmq-results-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(filepath.Join(root, "hack", "render.sh"), pkg, "--results-dir", dir)
	cmd.Env = append(os.Environ(), "ROBUSTMQ_FN_BIN="+bin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	b, err := os.ReadFile(filepath.Join(dir, "results.yaml"))
	if err != nil {
		return out.String(), nil, fmt.Errorf("read results: %w (render: %v)\n%s", err, runErr, out.String())
	}
	var list struct {
		Items []struct {
			Results []Result `json:"results"`
		} `json:"items"`
	}
	if err := yaml.Unmarshal(b, &list); err != nil {
		return out.String(), nil, fmt.Errorf("decode results: %w", err)
	}
	var results []Result
	for _, it := range list.Items {
		results = append(results, it.Results...)
	}
	return out.String(), results, runErr
}
