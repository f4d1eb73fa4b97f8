// Package catalog reads the blueprints under blueprints/ and writes their index, blueprints/README.md.
//
// A blueprint's metadata lives where kpt keeps package metadata, the Kptfile's info section (description,
// keywords, site); everything else the index says (environment, pools, exposure, TLS, Secrets, image) is read
// from the blueprint's cluster.yaml through the function's own decoder and defaults, so the index cannot drift
// from what the function renders. Load also checks that every blueprint is complete.
package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
)

const (
	// Dir holds the blueprints, relative to the repository root.
	Dir = "blueprints"
	// IndexFile is the generated index, relative to the repository root.
	IndexFile = Dir + "/README.md"
	// ReferenceKptfile is the base package whose pipeline every blueprint repeats.
	ReferenceKptfile = "packages/robustmq/Kptfile"
	// RepoURL is where users fetch blueprints from with kpt pkg get.
	RepoURL = "https://github.com/robustmq/robustmq-kpt"
)

// kptfile is the part of a kpt.dev/v1 Kptfile the catalog reads.
type kptfile struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Info struct {
		Site        string   `json:"site"`
		Description string   `json:"description"`
		Keywords    []string `json:"keywords"`
	} `json:"info"`
	Pipeline struct {
		Mutators []struct {
			Image string `json:"image"`
			Exec  string `json:"exec"`
		} `json:"mutators"`
		Validators []struct {
			Image string `json:"image"`
		} `json:"validators"`
	} `json:"pipeline"`
}

// Blueprint is one package under blueprints/.
type Blueprint struct {
	// Name is the folder name, which is also the Kptfile's metadata.name.
	Name        string
	Description string
	Keywords    []string
	// Cluster is the blueprint's RobustMQCluster with the function's defaults applied.
	Cluster *v1alpha1.RobustMQCluster
}

// Catalog is every blueprint and the release they are fetched at.
type Catalog struct {
	// Version is the release (the VERSION file, robustmqkpt.Version): the git tag to fetch blueprints at.
	Version string
	// Blueprints in index order: by environment (dev, staging, prod), then by name.
	Blueprints []Blueprint
}

// Problems lists everything wrong with the blueprints at once.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("%d problem(s) with the blueprints:\n  %s", len(p), strings.Join(p, "\n  "))
}

// Load reads and checks every blueprint, that is every folder under root/blueprints: each must have a Kptfile, a
// cluster.yaml, a README.md and its rendered output. When a blueprint is incomplete or inconsistent the error is
// Problems, listing every problem at once, and the catalog still holds the blueprints that could be read.
func Load(root string) (*Catalog, error) {
	refImage, err := referenceImage(root)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(root, Dir))
	if err != nil {
		return nil, fmt.Errorf("list blueprints: %w", err)
	}
	c := &Catalog{Version: robustmqkpt.Version}
	var problems Problems
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		bp, probs := loadBlueprint(root, e.Name(), refImage, c.Version)
		problems = append(problems, probs...)
		if bp != nil {
			c.Blueprints = append(c.Blueprints, *bp)
		}
	}
	// dev first, then staging, then prod; by name within an environment.
	sort.SliceStable(c.Blueprints, func(i, j int) bool {
		ei, ej := envRank(c.Blueprints[i]), envRank(c.Blueprints[j])
		if ei != ej {
			return ei < ej
		}
		return c.Blueprints[i].Name < c.Blueprints[j].Name
	})
	if len(c.Blueprints) == 0 && len(problems) == 0 {
		problems = append(problems, "no blueprint found under "+Dir+"/")
	}
	if len(problems) > 0 {
		return c, problems
	}
	return c, nil
}

func envRank(b Blueprint) int {
	return slices.Index([]v1alpha1.Environment{v1alpha1.Dev, v1alpha1.Staging, v1alpha1.Prod}, b.Cluster.Spec.Environment)
}

func referenceImage(root string) (string, error) {
	kf, err := readKptfile(filepath.Join(root, ReferenceKptfile))
	if err != nil {
		return "", fmt.Errorf("read reference pipeline: %w", err)
	}
	if len(kf.Pipeline.Mutators) != 1 || kf.Pipeline.Mutators[0].Image == "" {
		return "", fmt.Errorf("read reference pipeline: %s should have exactly one mutator with an image", ReferenceKptfile)
	}
	return kf.Pipeline.Mutators[0].Image, nil
}

func readKptfile(path string) (*kptfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kf kptfile
	if err := yaml.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &kf, nil
}

func loadBlueprint(root, name, refImage, version string) (*Blueprint, Problems) {
	dir := filepath.Join(root, Dir, name)
	at := func(file, format string, args ...any) string {
		return fmt.Sprintf("%s/%s/%s: %s", Dir, name, file, fmt.Sprintf(format, args...))
	}
	var problems Problems
	missing := map[string]bool{}
	for _, f := range []string{"Kptfile", "cluster.yaml", "README.md"} {
		if !exists(filepath.Join(dir, f)) {
			missing[f] = true
			problems = append(problems, at(f, "missing: every blueprint needs a Kptfile, a cluster.yaml and a README.md"))
		}
	}
	// Without a README the blueprint is still a package: it is returned, with the problem.
	if missing["Kptfile"] || missing["cluster.yaml"] {
		return nil, problems
	}

	bp := &Blueprint{Name: name}
	kf, err := readKptfile(filepath.Join(dir, "Kptfile"))
	if err != nil {
		return nil, append(problems, at("Kptfile", "%v", err))
	}
	if kf.APIVersion != "kpt.dev/v1" || kf.Kind != "Kptfile" {
		problems = append(problems, at("Kptfile", "apiVersion/kind is %s/%s, want kpt.dev/v1/Kptfile", kf.APIVersion, kf.Kind))
	}
	if kf.Metadata.Name != name {
		problems = append(problems, at("Kptfile", "metadata.name is %q, want the folder name %q", kf.Metadata.Name, name))
	}
	bp.Description = strings.TrimSpace(kf.Info.Description)
	bp.Keywords = kf.Info.Keywords
	if bp.Description == "" {
		problems = append(problems, at("Kptfile", "info.description is empty: it is the blueprint's line in the index"))
	}
	if len(bp.Keywords) == 0 {
		problems = append(problems, at("Kptfile", "info.keywords is empty"))
	}
	if want := RepoURL + "/tree/main/" + Dir + "/" + name; kf.Info.Site != want {
		problems = append(problems, at("Kptfile", "info.site is %q, want %q", kf.Info.Site, want))
	}
	if len(kf.Pipeline.Mutators) != 1 || kf.Pipeline.Mutators[0].Image != refImage {
		problems = append(problems, at("Kptfile", "the pipeline must be the base package's: one mutator, image %s", refImage))
	}
	if ref, err := readKptfile(filepath.Join(root, ReferenceKptfile)); err == nil && !slices.Equal(validators(kf), validators(ref)) {
		problems = append(problems, at("Kptfile", "the validators must be the base package's: %v", validators(ref)))
	}

	raw, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		return nil, append(problems, at("cluster.yaml", "%v", err))
	}
	cluster, errs := v1alpha1.Decode(raw)
	if len(errs) == 0 {
		cluster.Default()
		errs = cluster.Validate()
	}
	for _, e := range errs {
		problems = append(problems, at("cluster.yaml", "%v", e))
	}
	if len(errs) > 0 {
		return nil, problems
	}
	bp.Cluster = cluster

	problems = append(problems, checkRendered(dir, bp, at)...)
	problems = append(problems, checkReadme(dir, version, bp, at)...)
	return bp, problems
}

// checkRendered wants the output of `kpt fn render` checked in: the function writes it to <cluster name>/.
// Whether it is current is TestExpectedRenderedPackages' job; this only catches a blueprint never rendered.
func checkRendered(dir string, bp *Blueprint, at func(string, string, ...any) string) Problems {
	out := bp.Cluster.Name
	want := []string{"service.yaml", "serviceaccount.yaml"}
	for _, p := range bp.Cluster.Spec.Pools {
		want = append(want, "pool-"+p.Name+"-statefulset.yaml", "pool-"+p.Name+"-configmap.yaml")
	}
	var problems Problems
	for _, f := range want {
		if _, err := os.Stat(filepath.Join(dir, out, f)); err != nil {
			problems = append(problems, at(out+"/"+f, "rendered output missing: render the blueprint "+
				"(WRITE_GOLDEN_OUTPUT=1 go test ./test/e2e/ -run Expected) and check it in"))
		}
	}
	return problems
}

// checkReadme wants the README to name what a user has to type or create: the fetch path at the current release,
// the cluster name and every Secret the cluster references.
func checkReadme(dir, version string, bp *Blueprint, at func(string, string, ...any) string) Problems {
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if errors.Is(err, os.ErrNotExist) {
		return nil // reported already
	} else if err != nil {
		return Problems{at("README.md", "%v", err)}
	}
	readme := string(b)
	var problems Problems
	need := []string{Dir + "/" + bp.Name + "@" + version, "`" + bp.Cluster.Name + "`"}
	for _, s := range bp.Secrets() {
		need = append(need, s.Name)
	}
	for _, s := range need {
		if !strings.Contains(readme, s) {
			problems = append(problems, at("README.md", "does not mention %s", s))
		}
	}
	return problems
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Secret is one Secret a blueprint expects in the cluster's namespace.
type Secret struct {
	Name string
	Type string // Opaque or kubernetes.io/tls
	Keys []string
}

// Secrets lists the Secrets the cluster references, by name. cert-manager's Secret is not listed: it is created
// by cert-manager, not the user.
func (b Blueprint) Secrets() []Secret {
	s := &b.Cluster.Spec
	keys := map[string][]string{}
	add := func(name string, k ...string) {
		for _, x := range k {
			if !slices.Contains(keys[name], x) {
				keys[name] = append(keys[name], x)
			}
		}
	}
	for _, c := range []*v1alpha1.CredentialsRef{s.Auth.MQTT, s.Auth.Admin} {
		if c != nil {
			add(c.SecretName, c.UsernameKey, c.PasswordKey)
		}
	}
	if j := s.Auth.JWTSecret; j != nil {
		add(j.Name, j.Key)
	}
	var out []Secret
	for name, k := range keys {
		out = append(out, Secret{Name: name, Type: "Opaque", Keys: k})
	}
	if s.TLS.SecretName != "" {
		out = append(out, Secret{Name: s.TLS.SecretName, Type: "kubernetes.io/tls", Keys: []string{"tls.crt", "tls.key"}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Check reports whether the index under root is the one Load and Index would write, and every problem of the
// blueprints.
func Check(root string) error {
	c, err := Load(root)
	if err != nil {
		return err
	}
	want, err := Index(c)
	if err != nil {
		return err
	}
	got, err := os.ReadFile(filepath.Join(root, IndexFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s is stale: run `go run ./hack/catalog` and commit the result", IndexFile)
	}
	return nil
}

// Write regenerates the index under root.
func Write(root string) error {
	c, err := Load(root)
	if err != nil {
		return err
	}
	b, err := Index(c)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, IndexFile), b, 0o644)
}

// validators are the images of a pipeline's validators, in order.
func validators(kf *kptfile) []string {
	var out []string
	for _, v := range kf.Pipeline.Validators {
		out = append(out, v.Image)
	}
	return out
}
