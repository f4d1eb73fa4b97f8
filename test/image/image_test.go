// Package image tests the function container images built by make/image.mk:
// non-root numeric user, size budget, that kpt runs them in container mode
// with the network disabled and a non-root user, and that the cross-compiled
// binaries are static, trimmed and reproducible.
//
// The image tests need a Docker daemon, make and kpt; a missing one fails the
// test with the way to install it (internal/testenv), and -short skips the
// package.
package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
	"github.com/robustmq/robustmq-kpt/internal/repo"
	"github.com/robustmq/robustmq-kpt/internal/testenv"
	"github.com/robustmq/robustmq-kpt/test/e2e"
)

const (
	registry = "ghcr.io/robustmq/kpt-fn"
	// function is the generator; functions every image make image builds (make/image.mk FUNCTIONS).
	function = "robustmq-cluster"
	// The goal from the image issue was 40% of a kpt catalog image, 14 MiB; the day-2 objects (typed Job and HPA)
	// and the runtime-config client (net/http) moved it to 16 MiB (docs/images.md has the figures).
	maxBytes   = 16 << 20 // 16 MiB uncompressed
	wantUser   = "65532:65532"
	probeSrcGo = `package main

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// Reports who the process runs as and what network it has. It opens no
// connection: the interface list and the routing table are enough.
func main() {
	fmt.Printf("uid=%d\ngid=%d\neuid=%d\n", os.Getuid(), os.Getgid(), os.Geteuid())
	ifs, err := net.Interfaces()
	if err != nil {
		fmt.Printf("interfaces-error=%v\n", err)
	}
	for _, i := range ifs {
		fmt.Printf("if=%s\n", i.Name)
	}
	if b, err := os.ReadFile("/proc/net/route"); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		fmt.Printf("routes=%d\n", len(lines)-1)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "NoNewPrivs:") {
				fmt.Printf("nonewprivs=%s\n", strings.TrimSpace(strings.TrimPrefix(l, "NoNewPrivs:")))
			}
		}
	}
}
`
	resourceList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: image-test
  data:
    key: value
`
)

var functions = []string{"robustmq-cluster", "robustmq-validate"}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// run runs a command and fails the test with its output if it fails.
func run(t *testing.T, dir string, env []string, stdin io.Reader, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func requireMake(t *testing.T) {
	t.Helper()
	testenv.Command(t, "make", "install GNU make (Debian: apt-get install make); the image targets live in make/image.mk")
}

func requireDocker(t *testing.T) {
	t.Helper()
	testenv.Docker(t)
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type imageConfig struct {
	Size   int64
	Config struct {
		User       string
		Entrypoint []string
		Labels     map[string]string
	}
}

func inspect(t *testing.T, ref string) imageConfig {
	t.Helper()
	out := run(t, "", nil, nil, "docker", "image", "inspect", "--format", "{{json .}}", ref)
	var c imageConfig
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("docker image inspect %s: %v", ref, err)
	}
	return c
}

// TestImage builds the function image with `make image` and checks it, then
// runs it through kpt in container mode.
func TestImage(t *testing.T) {
	requireDocker(t)
	requireMake(t)
	root := repoRoot(t)
	ver := robustmqkpt.Version
	run(t, root, nil, nil, "make", "-f", "make/image.mk", "image", "FUNCTIONS="+strings.Join(functions, " "))
	for _, fn := range functions {
		t.Run(fn, func(t *testing.T) { checkImage(t, fn, ver) })
	}
	ref := fmt.Sprintf("%s/%s:%s", registry, function, ver)
	validateRef := fmt.Sprintf("%s/%s:%s", registry, "robustmq-validate", ver)

	t.Run("kpt container mode on packages/robustmq", func(t *testing.T) {
		src := filepath.Join(root, "packages", "robustmq")
		testenv.Kpt(t)
		kptfile, err := os.ReadFile(filepath.Join(src, "Kptfile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{ref, validateRef} {
			if !strings.Contains(string(kptfile), r) {
				t.Fatalf("packages/robustmq/Kptfile does not reference %s, an image make image builds", r)
			}
		}
		pkg := filepath.Join(t.TempDir(), "robustmq")
		if err := e2e.CopyDir(src, pkg); err != nil {
			t.Fatal(err)
		}
		runArgs := kptRenderWithDockerShim(t, pkg, ref)
		if v := flagValue(runArgs, "--network"); v != "none" {
			t.Errorf("kpt ran the function with --network %q, want none", v)
		}
	})
}

// checkImage checks one function image built by make image, and runs it through kpt in container mode.
func checkImage(t *testing.T, function, ver string) {
	ref := fmt.Sprintf("%s/%s:%s", registry, function, ver)
	img := inspect(t, ref)

	t.Run("numeric non-root user", func(t *testing.T) {
		if img.Config.User != wantUser {
			t.Fatalf("image user = %q, want %q (numeric uid:gid, non-root)", img.Config.User, wantUser)
		}
	})

	t.Run("size budget", func(t *testing.T) {
		t.Logf("%s: %d bytes (%.2f MiB) uncompressed", ref, img.Size, float64(img.Size)/(1<<20))
		if img.Size > maxBytes {
			t.Fatalf("image is %d bytes, over the %d-byte (16 MiB) budget", img.Size, maxBytes)
		}
	})

	t.Run("holds the function and passwd, nothing else", func(t *testing.T) {
		got := strings.Join(imageFiles(t, ref), " ")
		if want := "etc/group etc/passwd usr/local/bin/function"; got != want {
			t.Fatalf("image files = %q, want %q", got, want)
		}
	})

	t.Run("labels and entrypoint", func(t *testing.T) {
		want := map[string]string{
			"org.opencontainers.image.title":    function,
			"org.opencontainers.image.version":  ver,
			"org.opencontainers.image.licenses": "Apache-2.0",
			"org.opencontainers.image.source":   "https://github.com/robustmq/robustmq-kpt",
		}
		for k, v := range want {
			if got := img.Config.Labels[k]; got != v {
				t.Errorf("label %s = %q, want %q", k, got, v)
			}
		}
		for _, k := range []string{"org.opencontainers.image.revision", "org.opencontainers.image.description"} {
			if img.Config.Labels[k] == "" {
				t.Errorf("label %s is missing", k)
			}
		}
		if got := strings.Join(img.Config.Entrypoint, " "); got != "/usr/local/bin/function" {
			t.Errorf("entrypoint = %q", got)
		}
	})

	t.Run("passwd maps nobody and nonroot to unprivileged ids", func(t *testing.T) {
		passwd := fileFromImage(t, ref, "/etc/passwd")
		ids := map[string]string{}
		for _, l := range strings.Split(passwd, "\n") {
			if f := strings.Split(l, ":"); len(f) >= 4 {
				ids[f[0]] = f[2] + ":" + f[3]
			}
		}
		if ids["nonroot"] != "65532:65532" || ids["nobody"] != "65534:65534" {
			t.Fatalf("/etc/passwd ids = %v; want nonroot 65532:65532 and nobody 65534:65534", ids)
		}
	})

	// The binary embeds VERSION: the image reports the release it is tagged with, as any other build does.
	t.Run("reports its release", func(t *testing.T) {
		if out := run(t, "", nil, nil, "docker", "run", "--rm", "--network", "none", ref, "--version"); out != ver+"\n" {
			t.Fatalf("%s --version printed %q, want %q", ref, out, ver+"\n")
		}
	})

	t.Run("responds to a ResourceList on stdin", func(t *testing.T) {
		out := run(t, "", nil, strings.NewReader(resourceList),
			"docker", "run", "--rm", "-i", "--network", "none", ref)
		if !strings.Contains(out, "kind: ResourceList") || !strings.Contains(out, "name: image-test") {
			t.Fatalf("unexpected output:\n%s", out)
		}
	})

	if function == "robustmq-cluster" { // the runtime-config Job runs the generator's image (docs/lifecycle.md)
		t.Run("runs the runtime-config client", func(t *testing.T) { runtimeConfigClient(t, ref) })
	}

	t.Run("kpt container mode", func(t *testing.T) {
		testenv.Kpt(t)
		pkg := t.TempDir()
		writeFile(t, filepath.Join(pkg, "Kptfile"), fmt.Sprintf(`apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: image-test
pipeline:
  mutators:
    - image: %s
`, ref))
		writeFile(t, filepath.Join(pkg, "configmap.yaml"), `apiVersion: v1
kind: ConfigMap
metadata:
  name: image-test
data:
  key: value
`)
		runArgs := kptRenderWithDockerShim(t, pkg, ref)

		// What kpt asked docker for (kpt's container runtime builds
		// `docker run --rm -i --network none --user nobody
		// --security-opt=no-new-privileges --pull never ... IMAGE`).
		if v := flagValue(runArgs, "--network"); v != "none" {
			t.Errorf("kpt ran the function with --network %q, want none; args %q", v, runArgs)
		}
		user := flagValue(runArgs, "--user")
		if user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") {
			t.Errorf("kpt ran the function with --user %q, want a non-root user; args %q", user, runArgs)
		}
		if !contains(runArgs, "--security-opt=no-new-privileges") {
			t.Errorf("kpt did not pass --security-opt=no-new-privileges; args %q", runArgs)
		}
		if v := flagValue(runArgs, "--pull"); v != "never" {
			t.Errorf("kpt ran with --pull %q, want never; args %q", v, runArgs)
		}

		// The same flags, with a probe in place of the function: the process
		// is not root, has only a loopback interface and no route.
		probe := buildProbe(t)
		args := []string{"run", "--rm", "--network", flagValue(runArgs, "--network")}
		if user != "" {
			args = append(args, "--user", user)
		}
		args = append(args, "--security-opt=no-new-privileges",
			"--mount", "type=bind,src="+probe+",dst=/probe,readonly",
			"--entrypoint", "/probe", ref)
		facts := parseFacts(run(t, "", nil, nil, "docker", args...))
		t.Logf("function container as kpt runs it: %v", facts)
		for _, k := range []string{"uid", "euid", "gid"} {
			if v := facts[k]; len(v) != 1 || v[0] == "0" {
				t.Errorf("function ran with %s %v, want one non-root id", k, v)
			}
		}
		if got := strings.Join(facts["if"], ","); got != "lo" {
			t.Errorf("network interfaces = %q, want only lo", got)
		}
		if r := facts["routes"]; len(r) != 1 || r[0] != "0" {
			t.Errorf("routes = %v, want none", r)
		}
		if n := facts["nonewprivs"]; len(n) != 1 || n[0] != "1" {
			t.Errorf("NoNewPrivs = %v, want 1", n)
		}

		// Without --user the image's own user applies: 65532.
		facts = parseFacts(run(t, "", nil, nil, "docker", "run", "--rm", "--network", "none",
			"--mount", "type=bind,src="+probe+",dst=/probe,readonly", "--entrypoint", "/probe", ref))
		if u := facts["uid"]; len(u) != 1 || u[0] != "65532" {
			t.Errorf("default uid = %v, want 65532", u)
		}
	})
}

// Every function has its image: make/image.mk builds and the release workflow publishes the same list.
func TestEveryFunctionHasAnImage(t *testing.T) {
	root := repoRoot(t)
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range mains {
		dirs = append(dirs, filepath.Base(filepath.Dir(m)))
	}
	if strings.Join(dirs, " ") != strings.Join(functions, " ") {
		t.Errorf("functions/ holds %v, this test checks the images of %v", dirs, functions)
	}
	mk, err := os.ReadFile(filepath.Join(root, "make", "image.mk"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^FUNCTIONS \?= (.*)$`).FindSubmatch(mk)
	if m == nil || strings.Join(strings.Fields(string(m[1])), " ") != strings.Join(functions, " ") {
		t.Errorf("make/image.mk FUNCTIONS = %q, want %v", m, functions)
	}
	wf, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "function: [" + strings.Join(functions, ", ") + "]"; !strings.Contains(string(wf), want) {
		t.Errorf("release.yml has no matrix line %q", want)
	}
}

// kptRenderWithDockerShim runs `kpt fn render --image-pull-policy never` on
// pkg with a `docker` wrapper first in PATH that records its arguments and
// then runs the real docker. It returns the arguments of the `docker run`
// that started ref.
func kptRenderWithDockerShim(t *testing.T, pkg, ref string) []string {
	t.Helper()
	realDocker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatal(err)
	}
	shimDir := t.TempDir()
	logFile := filepath.Join(shimDir, "docker.log")
	// One line per invocation, arguments separated by US (0x1f).
	writeFile(t, filepath.Join(shimDir, "docker"), fmt.Sprintf(`#!/bin/sh
for a in "$@"; do printf '%%s\037' "$a"; done >> %q
printf '\n' >> %q
exec %q "$@"
`, logFile, logFile, realDocker))
	if err := os.Chmod(filepath.Join(shimDir, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "", []string{"PATH=" + shimDir + string(os.PathListSeparator) + os.Getenv("PATH")}, nil,
		"kpt", "fn", "render", pkg, "--image-pull-policy", "never", "--truncate-output=false")

	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("kpt did not call docker: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		args := strings.Split(strings.TrimSuffix(sc.Text(), "\x1f"), "\x1f")
		if len(args) > 0 && args[0] == "run" && contains(args, ref) {
			return args
		}
	}
	t.Fatalf("no `docker run ... %s` among kpt's docker calls:\n%s", ref, strings.ReplaceAll(string(b), "\x1f", " "))
	return nil
}

// buildProbe compiles probeSrcGo, static, for the docker server's arch.
func buildProbe(t *testing.T) string {
	t.Helper()
	arch := strings.TrimSpace(run(t, "", nil, nil, "docker", "version", "--format", "{{.Server.Arch}}"))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module probe\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "main.go"), probeSrcGo)
	out := filepath.Join(dir, "probe")
	run(t, dir, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOWORK=off", "GOFLAGS="}, nil,
		"go", "build", "-o", out, ".")
	if err := os.Chmod(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseFacts(out string) map[string][]string {
	facts := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			facts[k] = append(facts[k], v)
		}
	}
	return facts
}

func fileFromImage(t *testing.T, ref, path string) string {
	t.Helper()
	id := strings.TrimSpace(run(t, "", nil, nil, "docker", "create", ref))
	defer exec.Command("docker", "rm", "-f", id).Run() //nolint:errcheck
	// `docker cp CONTAINER:PATH -` writes a tar stream.
	cmd := exec.Command("docker", "cp", id+":"+path, "-")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker cp %s: %v", path, err)
	}
	return tarFirstFile(t, out)
}

// imageFiles lists the regular files of ref's filesystem, sorted.
func imageFiles(t *testing.T, ref string) []string {
	t.Helper()
	id := strings.TrimSpace(run(t, "", nil, nil, "docker", "create", ref))
	defer exec.Command("docker", "rm", "-f", id).Run() //nolint:errcheck
	out, err := exec.Command("docker", "export", id).Output()
	if err != nil {
		t.Fatalf("docker export: %v", err)
	}
	var files []string
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the exported filesystem: %v", err)
		}
		// Docker adds empty mount points (/dev, /proc, /etc/hosts, ...) to every container.
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			files = append(files, h.Name)
		}
	}
	sort.Strings(files)
	return files
}

func tarFirstFile(t *testing.T, b []byte) string {
	t.Helper()
	// Minimal ustar reader for one regular file: 512-byte header, size is
	// octal at offset 124 (12 bytes), data follows.
	if len(b) < 512 {
		t.Fatal("short tar stream")
	}
	var size int64
	if _, err := fmt.Sscanf(strings.Trim(string(b[124:136]), " \x00"), "%o", &size); err != nil {
		t.Fatalf("tar header size: %v", err)
	}
	if int64(len(b)) < 512+size {
		t.Fatal("truncated tar stream")
	}
	return string(b[512 : 512+size])
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func contains(args []string, s string) bool {
	for _, a := range args {
		if a == s {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The release path (the Dockerfile's builder stage) and the local path (make image-binaries) must compile with
// the same flags, or the image tested here is not the image shipped.
func TestBuildFlagsInStep(t *testing.T) {
	root := repoRoot(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dockerfile, mk := read("Dockerfile"), read("make/image.mk")
	one := func(re, text, what string) string {
		m := regexp.MustCompile(re).FindAllStringSubmatch(text, -1)
		if len(m) != 1 {
			t.Fatalf("%s: want one match of %s, got %d", what, re, len(m))
		}
		return strings.TrimSpace(m[0][1])
	}
	if d, m := one(`go build -trimpath -gcflags=(\S+)`, dockerfile, "Dockerfile"), one(`(?m)^IMAGE_GCFLAGS \?=(.*)$`, mk, "make/image.mk"); d != m {
		t.Errorf("gcflags differ: Dockerfile %q, make/image.mk %q", d, m)
	}
	if d, m := one(`-ldflags "([^"]*)"`, dockerfile, "Dockerfile"), one(`(?m)^IMAGE_LDFLAGS \?=(.*)$`, mk, "make/image.mk"); d != m {
		t.Errorf("ldflags differ: Dockerfile %q, make/image.mk %q", d, m)
	}
}

// TestCrossCompiledBinary builds the function for linux/arm64 the way the
// image targets do (make image-binaries) and checks the build settings the
// Go toolchain recorded in it, that it holds no path of this checkout, and
// that a second build is byte-identical.
func TestCrossCompiledBinary(t *testing.T) {
	requireMake(t)
	root := repoRoot(t)
	build := func() string {
		dir := t.TempDir()
		run(t, root, nil, nil, "make", "-f", "make/image.mk", "image-binaries",
			"ARCH=arm64", "FUNCTIONS="+function, "IMAGE_BIN_DIR="+dir)
		return filepath.Join(dir, "linux_arm64", function)
	}
	bin := build()

	info := run(t, root, nil, nil, "go", "version", "-m", bin)
	settings := map[string]string{}
	for _, l := range strings.Split(info, "\n") {
		f := strings.SplitN(strings.TrimSpace(l), "\t", 2)
		if len(f) == 2 && f[0] == "build" {
			if k, v, ok := strings.Cut(f[1], "="); ok {
				settings[k] = v
			}
		}
	}
	for k, want := range map[string]string{
		"GOOS":        "linux",
		"GOARCH":      "arm64",
		"CGO_ENABLED": "0",
		"-trimpath":   "true",
		"-gcflags":    "all=-l",
	} {
		if got := settings[k]; got != want {
			t.Errorf("build setting %s = %q, want %q\n%s", k, got, want, info)
		}
	}
	// With -trimpath the toolchain does not record -ldflags, so check their
	// effect: -s drops the symbol table, -w the DWARF sections.
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	if ef.Machine != elf.EM_AARCH64 {
		t.Errorf("ELF machine = %v, want EM_AARCH64", ef.Machine)
	}
	for _, sec := range ef.Sections {
		if sec.Name == ".symtab" || strings.HasPrefix(sec.Name, ".debug_") || strings.HasPrefix(sec.Name, ".zdebug_") {
			t.Errorf("binary has section %s: not built with -ldflags \"-s -w\"", sec.Name)
		}
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has an ELF %v program header: not static (CGO_ENABLED=0)", p.Type)
		}
	}
	ef.Close()
	if _, ok := settings["vcs.revision"]; ok {
		t.Errorf("binary embeds VCS info (want -buildvcs=false for reproducible builds)")
	}

	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(root+"/")) {
		t.Errorf("binary contains the checkout path %s (trimpath not effective)", root)
	}
	if runtime.GOOS == "linux" {
		if id := strings.TrimSpace(run(t, root, nil, nil, "go", "tool", "buildid", bin)); id != "" {
			t.Errorf("go build id = %q, want empty (-buildid=)", id)
		}
	}

	again, err := os.ReadFile(build())
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(b) != sha256.Sum256(again) {
		t.Errorf("two builds of %s differ: not reproducible", function)
	}
}
