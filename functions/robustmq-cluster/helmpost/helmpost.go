// Package helmpost runs the function as a Helm post-renderer: a plain multi-document YAML stream on stdin, the
// expanded stream on stdout. The stream is wrapped into a ResourceList and handed to the same Process function
// kpt runs, so Helm and kpt render the same manifests. Documents that are not RobustMQ's pass through byte for
// byte; local-config documents (the RobustMQCluster itself) are dropped, as `kpt live apply` drops them.
//
// Change safety compares a render with the objects the function generated before. Under kpt they are in the
// package; under Helm they are in the previous release, so on an upgrade (the chart marks the RobustMQCluster
// with AnnotationRelease) the post-renderer reads them with `helm get manifest` and adds them to the input.
package helmpost

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
)

const (
	// Command is the first argument that selects this mode; without it the binary is a kpt function.
	Command = "helm-post-render"

	// AnnotationRelease names the Helm release of a RobustMQCluster. The chart sets it only on `helm upgrade`
	// (.Release.IsUpgrade), the one case with a previous release to compare with.
	AnnotationRelease = v1alpha1.AnnotationHelmRelease

	// PreviousAuto reads the previous release with `helm get manifest`; PreviousNone skips the comparison.
	PreviousAuto = "auto"
	PreviousNone = "none"

	// ReportParent also writes results to the stderr of the parent process. Helm 4.3 runs a postrenderer/v1
	// plugin with its stderr captured and then drops it (internal/plugin/runtime_subprocess.go, runPostrenderer),
	// so without this a user would see only "plugin exited with error".
	ReportStderr = "stderr"
	ReportParent = "parent"
)

// Annotations the function sets for kpt (file names) that mean nothing to Helm or the API server.
var pathAnnotations = []string{
	"config.kubernetes.io/path", "config.kubernetes.io/index",
	"internal.config.kubernetes.io/path", "internal.config.kubernetes.io/index", "internal.config.kubernetes.io/id",
}

// options are the command-line flags (`--post-renderer-args` under Helm).
type options struct {
	previous    string
	helm        string
	kubeContext string
	kubeconfig  string
	namespace   string
	report      string
}

// Main runs the post-renderer and returns the exit code. Results go to stderr; on any error result nothing is
// written to stdout.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, process fn.ResourceListProcessorFunc) int {
	fs := flag.NewFlagSet(Command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.previous, "previous", PreviousAuto,
		"the previous release's manifests, for change safety: auto (`helm get manifest` on upgrade), none, or a file")
	fs.StringVar(&o.helm, "helm", envOr("HELM_BIN", "helm"), "helm binary that reads the previous release")
	fs.StringVar(&o.kubeContext, "kube-context", "", "passed to `helm get manifest` (set it when you pass --kube-context to helm)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "passed to `helm get manifest` (set it when you pass --kubeconfig to helm)")
	fs.StringVar(&o.namespace, "namespace", "", "release namespace; default: the RobustMQCluster's namespace")
	fs.StringVar(&o.report, "report", ReportStderr, "where results go: stderr, or parent (also Helm's own stderr, for Helm 4 plugins)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: robustmq-cluster %s [flags] < manifests.yaml > expanded.yaml\n", Command)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.report == ReportParent {
		if w := parentStderr(); w != nil {
			defer w.Close()
			stderr = io.MultiWriter(stderr, w)
		}
	} else if o.report != ReportStderr {
		fmt.Fprintf(stderr, "robustmq-cluster %s: --report must be %s or %s, not %q\n", Command, ReportStderr, ReportParent, o.report)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "robustmq-cluster %s: unexpected argument %q\n", Command, fs.Arg(0))
		return 2
	}
	out, err := render(stdin, o, process, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "robustmq-cluster %s: %v\n", Command, err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "robustmq-cluster %s: write output: %v\n", Command, err)
		return 1
	}
	return 0
}

// errBlocked means the function reported error results; they are already on stderr.
var errBlocked = errors.New("the function reported errors (above); Helm stops before applying anything")

// render expands a manifest stream and writes the function's results to results, one line each.
func render(in io.Reader, o options, process fn.ResourceListProcessorFunc, results io.Writer) ([]byte, error) {
	docs, err := readDocs(in)
	if err != nil {
		return nil, err
	}
	rl := &fn.ResourceList{FunctionConfig: fn.NewEmptyKubeObject()}
	raw := map[*fn.KubeObject][]byte{}
	for _, d := range docs {
		raw[d.obj] = d.raw
		rl.Items = append(rl.Items, d.obj)
	}
	prev, err := previousObjects(rl.Items, o)
	if err != nil {
		return nil, err
	}
	rl.Items = append(rl.Items, prev...)

	ok, err := process(rl)
	if err != nil {
		return nil, err
	}
	printResults(results, rl.Results)
	if !ok || rl.Results.ExitCode() != 0 {
		return nil, errBlocked
	}
	var buf bytes.Buffer
	for _, it := range rl.Items {
		if it.IsLocalConfig() {
			continue
		}
		b, isInput := raw[it]
		if !isInput {
			for _, a := range pathAnnotations {
				if err := it.RemoveAnnotation(a); err != nil {
					return nil, fmt.Errorf("clean %s: %w", it.ShortString(), err)
				}
			}
			b = []byte(it.String())
		}
		buf.WriteString("---\n")
		buf.Write(bytes.TrimRight(b, "\n"))
		buf.WriteString("\n")
	}
	return buf.Bytes(), nil
}

type doc struct {
	raw []byte
	obj *fn.KubeObject
}

// sourceComment is the line Helm puts above every rendered template.
var sourceComment = regexp.MustCompile(`(?m)^# Source: (\S+)\s*$`)

// readDocs splits a stream into objects, skipping empty documents. Each object's path annotation is the
// template Helm names in its `# Source:` comment, so results point at the chart's file.
func readDocs(in io.Reader) ([]doc, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var out []doc
	for i := 0; ; i++ {
		b, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read document %d: %w", i, err)
		}
		if isBlank(b) {
			continue
		}
		obj, err := fn.ParseKubeObject(b)
		if err != nil {
			return nil, fmt.Errorf("parse document %d: %w", i, err)
		}
		// Helm 3 names the template; Helm 4 strips the comment before post-rendering.
		if m := sourceComment.FindSubmatch(b); m != nil && obj.PathAnnotation() == "" {
			if err := obj.SetPathAnnotation(string(m[1])); err != nil {
				return nil, err
			}
		}
		out = append(out, doc{raw: trimSeparator(b), obj: obj})
	}
}

// trimSeparator drops the `---` line the reader leaves at the start of a document; Render writes its own.
func trimSeparator(b []byte) []byte {
	if rest, ok := bytes.CutPrefix(b, []byte("---\n")); ok {
		return rest
	}
	return b
}

// isBlank reports a document holding only comments and white space.
func isBlank(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return false
		}
	}
	return true
}

// previousObjects returns the objects the function generated in the previous release: from the file named by
// --previous, or, by default, from `helm get manifest` for every RobustMQCluster that names its release.
func previousObjects(items fn.KubeObjects, o options) (fn.KubeObjects, error) {
	switch o.previous {
	case PreviousNone:
		return nil, nil
	case PreviousAuto:
	default:
		manifest, err := os.ReadFile(o.previous)
		if err != nil {
			return nil, fmt.Errorf("read the previous manifests: %w", err)
		}
		return generatedObjects(manifest, o.previous)
	}
	var out fn.KubeObjects
	seen := map[string]bool{}
	for _, it := range items {
		release := it.GetAnnotation(AnnotationRelease)
		if !isCluster(it) || release == "" {
			continue
		}
		ns := o.namespace
		if ns == "" {
			ns = it.GetNamespace()
		}
		key := ns + "/" + release
		if seen[key] {
			continue
		}
		seen[key] = true
		manifest, err := helmGetManifest(o, release, ns)
		if err != nil {
			return nil, err
		}
		objs, err := generatedObjects(manifest, "release "+key)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// generatedObjects parses a manifest and keeps the objects the function generated.
func generatedObjects(manifest []byte, from string) (fn.KubeObjects, error) {
	docs, err := readDocs(bytes.NewReader(manifest))
	if err != nil {
		return nil, fmt.Errorf("read the previous manifests of %s: %w", from, err)
	}
	var out fn.KubeObjects
	for i, d := range docs {
		if d.obj.GetAnnotation(naming.AnnotationGenerated) != naming.FunctionName {
			continue
		}
		if err := d.obj.SetPathAnnotation(fmt.Sprintf("helm-previous-release/%d.yaml", i)); err != nil {
			return nil, err
		}
		out = append(out, d.obj)
	}
	return out, nil
}

// helmGetManifest reads the manifest of the release's last deployed revision, the one Helm itself upgrades from
// (a failed revision after it may never have been applied), else of its latest. A release that does not exist yet
// has none; any other failure stops the render, since rendering without the comparison could let through a change
// that breaks the running cluster.
func helmGetManifest(o options, release, ns string) ([]byte, error) {
	out, err := runHelm(o, "history", release, "--namespace", ns, "--output", "json", "--max", "1000")
	if errors.Is(err, errNoRelease) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the previous release %s/%s for change safety: %w", ns, release, err)
	}
	var revs []struct {
		Revision int    `json:"revision"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal(out, &revs); err != nil || len(revs) == 0 {
		return nil, fmt.Errorf("read the previous release %s/%s for change safety: helm history: %q", ns, release, out)
	}
	rev := revs[len(revs)-1].Revision
	for _, r := range revs {
		if r.Status == "deployed" {
			rev = r.Revision
		}
	}
	out, err = runHelm(o, "get", "manifest", release, "--namespace", ns, "--revision", strconv.Itoa(rev))
	if err != nil {
		return nil, fmt.Errorf("read the previous release %s/%s for change safety: %w", ns, release, err)
	}
	return out, nil
}

var errNoRelease = errors.New("release: not found")

func runHelm(o options, args ...string) ([]byte, error) {
	if o.kubeContext != "" {
		args = append(args, "--kube-context", o.kubeContext)
	}
	if o.kubeconfig != "" {
		args = append(args, "--kubeconfig", o.kubeconfig)
	}
	cmd := exec.Command(o.helm, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(msg, errNoRelease.Error()) {
		return nil, errNoRelease
	}
	return nil, fmt.Errorf("%s %s: %v: %s\n(pass --post-renderer-args=--previous=none to render without comparing)",
		o.helm, strings.Join(args, " "), err, msg)
}

// printResults writes results one per line, errors first, the way a reader scans them.
func printResults(w io.Writer, results fn.Results) {
	sorted := append(fn.Results(nil), results...)
	rank := map[fn.Severity]int{fn.Error: 0, fn.Warning: 1, fn.Info: 2}
	sort.SliceStable(sorted, func(i, j int) bool { return rank[sorted[i].Severity] < rank[sorted[j].Severity] })
	for _, r := range sorted {
		line := fmt.Sprintf("%s: %s", severityName(r.Severity), r.Message)
		if r.ResourceRef != nil {
			line += fmt.Sprintf(" [%s %s]", r.ResourceRef.Kind, strings.TrimPrefix(r.ResourceRef.Namespace+"/"+r.ResourceRef.Name, "/"))
		}
		if r.Field != nil && r.Field.Path != "" {
			line += " field " + r.Field.Path
			// The chart's values are the spec: spec.pools[0].replicas is the value pools[0].replicas.
			if v, ok := strings.CutPrefix(r.Field.Path, "spec."); ok {
				line += " (Helm value " + v + ")"
			}
		}
		fmt.Fprintln(w, line)
		for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
			fmt.Fprintf(w, "  %s: %s\n", k, r.Tags[k])
		}
	}
}

func severityName(s fn.Severity) string {
	if s == "" {
		return string(fn.Info)
	}
	return string(s)
}

// parentStderr opens the parent's stderr (Linux /proc), else the terminal; nil if neither opens. A regular file
// is skipped: the parent writes it at its own offset and would overwrite what we add.
func parentStderr() io.WriteCloser {
	for _, p := range []string{fmt.Sprintf("/proc/%d/fd/2", os.Getppid()), "/dev/tty"} {
		if st, err := os.Stat(p); err != nil || st.Mode().IsRegular() {
			continue
		}
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			return f
		}
	}
	return nil
}

func isCluster(o *fn.KubeObject) bool {
	return o.GroupKind().Group == v1alpha1.Group && o.GetKind() == v1alpha1.Kind
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
