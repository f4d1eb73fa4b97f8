// Package kubeapi runs a real Kubernetes control plane (etcd, kube-apiserver and
// optionally kube-controller-manager) as child processes on 127.0.0.1 for tests.
//
// By default there is no kubelet, scheduler or kube-proxy: objects are validated and
// admitted exactly as on a real cluster (strict field validation, PodSecurity, RBAC),
// and controllers create pods/PVCs/EndpointSlices, but pods only become Ready when a
// test marks them so through the status subresource (see MarkPodsReady). With
// Options.Nodes, kube-scheduler and kwok join: pods are scheduled onto fake Nodes in
// several zones and kwok plays their kubelets (see Nodes).
//
// Binaries come from $KUBE_TOOLS_DIR or are built by hack/tools.sh. If they cannot
// be found or built, Start fails the test (internal/testenv: no silent skips).
package kubeapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/robustmq/robustmq-kpt/internal/repo"
)

// Options selects what Start runs.
type Options struct {
	// ControllerManager also starts kube-controller-manager with the controllers
	// in Controllers (statefulset, disruption, endpointslice, ...).
	ControllerManager bool
	// AuthorizationMode is passed to kube-apiserver; default "RBAC".
	// The test user is in system:masters, so RBAC never denies it.
	AuthorizationMode string
	// ExtraAPIServerArgs are appended to the kube-apiserver command line.
	ExtraAPIServerArgs []string
	// ExtraControllerManagerArgs are appended to the kube-controller-manager command line.
	ExtraControllerManagerArgs []string
	// Nodes, if set, also starts kube-scheduler and kwok with fake Nodes (see Nodes); it implies
	// ControllerManager.
	Nodes *Nodes
}

// Controllers run by kube-controller-manager when Options.ControllerManager is
// set (names as in v1.36 `kube-controller-manager --help`). The serviceaccount
// controller is left out: RestrictedNamespace creates the default ServiceAccount.
var Controllers = []string{
	"statefulset-controller",
	"disruption-controller",
	"endpointslice-controller",
	"deployment-controller",
	"replicaset-controller",
	"garbage-collector-controller",
	// The day-2 objects: the HPA of an autoscaled pool sets its StatefulSet's replicas; the runtime-config Job
	// creates its pod (admitted under the restricted Pod Security Standard).
	"horizontal-pod-autoscaler-controller",
	"job-controller",
}

// Cluster is a running control plane. All processes stop in t.Cleanup.
type Cluster struct {
	// Config authenticates as user "admin" in group system:masters.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file for Config (for kubectl, kpt, ...).
	Kubeconfig string
	// Dir holds certificates, keys, etcd data and process logs.
	Dir string

	clientset *kubernetes.Clientset
	dynamic   *dynamic.DynamicClient
	mapper    *mapper
}

const adminToken = "robustmq-kpt-admin-token"

// Start runs etcd and kube-apiserver (and kube-controller-manager when asked)
// and waits until the API server is ready.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	tools := []string{"etcd", "kube-apiserver"}
	if opts.Nodes != nil {
		opts.ControllerManager = true
	}
	if opts.ControllerManager {
		tools = append(tools, "kube-controller-manager")
	}
	if opts.Nodes != nil {
		tools = append(tools, "kube-scheduler", "kwok")
	}
	bins, err := FindTools(tools...)
	if err != nil {
		t.Fatalf("kubeapi: %v", err)
	}
	if opts.AuthorizationMode == "" {
		opts.AuthorizationMode = "RBAC"
	}

	dir := t.TempDir()
	c := &Cluster{Dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// etcd
	ports := freePorts(t, 3)
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd := startProcess(t, dir, "etcd", bins[0],
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync", // throwaway data: skip fsync, much faster on slow disks
		"--log-level=warn",
	)
	waitHTTP(t, ctx, etcd, etcdURL+"/health", nil)

	// kube-apiserver: one self-signed cert serves TLS and is the client's CA;
	// a static token authenticates the admin; an ECDSA key signs SA tokens.
	certFile, keyFile := writeServingCert(t, dir)
	saKey := writeECKey(t, filepath.Join(dir, "sa.key"))
	tokenFile := filepath.Join(dir, "tokens.csv")
	writeFile(t, tokenFile, adminToken+`,admin,admin-uid,"system:masters"`+"\n")
	host := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + certFile,
		"--tls-private-key-file=" + keyFile,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=" + opts.AuthorizationMode,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKey,
		"--service-account-signing-key-file=" + saKey,
		// Documentation range (TEST-NET-2): ClusterIPs are only data, nothing routes there.
		"--service-cluster-ip-range=198.51.100.0/24",
		// The "kubernetes" Endpoints would point at 127.0.0.1, which validation forbids.
		"--endpoint-reconciler-type=none",
		// As on real clusters, so that PodSecurity (not this flag) is what refuses
		// privileged pods.
		"--allow-privileged=true",
		// PodSecurity is on by default; listed to make the intent explicit.
		"--enable-admission-plugins=PodSecurity",
	}
	args = append(args, opts.ExtraAPIServerArgs...)
	api := startProcess(t, dir, "kube-apiserver", bins[1], args...)
	caPEM, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	c.Config = &rest.Config{
		Host:            host,
		BearerToken:     adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		QPS:             100,
		Burst:           200,
	}
	waitHTTP(t, ctx, api, host+"/readyz", c.Config)
	c.Kubeconfig = filepath.Join(dir, "kubeconfig")
	writeFile(t, c.Kubeconfig, kubeconfig(host, certFile, adminToken))

	if c.clientset, err = kubernetes.NewForConfig(c.Config); err != nil {
		t.Fatalf("kubeapi: clientset: %v", err)
	}
	if c.dynamic, err = dynamic.NewForConfig(c.Config); err != nil {
		t.Fatalf("kubeapi: dynamic client: %v", err)
	}
	c.mapper = newMapper(c.clientset.Discovery())

	if opts.ControllerManager {
		controllers := Controllers
		if opts.Nodes != nil {
			// The NodeLifecycle controller lifts the not-ready taint that admission puts on every new Node once
			// kwok reports it Ready, as on a real cluster.
			controllers = append(append([]string(nil), controllers...), "node-lifecycle-controller")
		}
		cmArgs := []string{
			"--kubeconfig=" + c.Kubeconfig,
			"--controllers=" + strings.Join(controllers, ","),
			"--leader-elect=false",
			"--use-service-account-credentials=false",
			"--secure-port=0",
			"--service-account-private-key-file=" + saKey,
			"--root-ca-file=" + certFile,
		}
		startProcess(t, dir, "kube-controller-manager", bins[2], append(cmArgs, opts.ExtraControllerManagerArgs...)...)
	}
	if opts.Nodes != nil {
		c.startNodes(t, opts.Nodes.withDefaults(), bins[4], bins[3]) // kwok, kube-scheduler
	}
	return c
}

// Clientset returns a typed client for the cluster.
func (c *Cluster) Clientset() *kubernetes.Clientset { return c.clientset }

// Dynamic returns a dynamic client for the cluster.
func (c *Cluster) Dynamic() *dynamic.DynamicClient { return c.dynamic }

// Version returns the gitVersion the API server reports (e.g. "v1.36.3").
func (c *Cluster) Version() (string, error) {
	v, err := c.clientset.Discovery().ServerVersion()
	if err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	return v.GitVersion, nil
}

// FindTools returns the paths of the named tools: see repo.Tools.
func FindTools(tools ...string) ([]string, error) { return repo.Tools(tools...) }

// PinnedVersion returns KEY's value from hack/versions.env: see repo.Pinned.
func PinnedVersion(key string) (string, error) { return repo.Pinned(key) }

// process is a child process in its own process group.
type process struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{} // closed when the process has exited
}

func startProcess(t testing.TB, dir, name, bin string, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, dir, name, bin, nil, args...)
}

// startProcessEnv is startProcess with env added to the test's environment.
func startProcessEnv(t testing.TB, dir, name, bin string, env []string, args ...string) *process {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group so that stop reaches any grandchildren; SIGKILL if the
	// test binary dies without running cleanups (Pdeathsig fires when the OS
	// thread that started the child exits; Go keeps its threads, so in
	// practice that is when the process dies).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("kubeapi: start %s: %v", name, err)
	}
	p := &process{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("kubeapi: last lines of %s:\n%s", logPath, p.tail(30))
		}
	})
	return p
}

// stop sends SIGTERM to the process group, then SIGKILL after 10s.
func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything left in the group (there should be nothing) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func (p *process) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	return tail(string(b), n)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitHTTP polls url until it answers 200, failing fast if p exits.
func waitHTTP(t testing.TB, ctx context.Context, p *process, url string, cfg *rest.Config) {
	t.Helper()
	client := http.DefaultClient
	if cfg != nil {
		var err error
		if client, err = rest.HTTPClientFor(cfg); err != nil {
			t.Fatalf("kubeapi: http client: %v", err)
		}
	}
	start := time.Now()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("kubeapi: %s ready after %s", p.name, time.Since(start).Round(100*time.Millisecond))
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("kubeapi: %s exited during startup:\n%s", p.name, p.tail(40))
		case <-ctx.Done():
			t.Fatalf("kubeapi: %s not ready at %s: %v\n%s", p.name, url, ctx.Err(), p.tail(40))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePorts asks the kernel for n distinct free loopback ports (all listeners
// are held until every port is picked). Another process could take a port
// before the child binds it; on a test machine that is rare enough.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("kubeapi: free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeECKey writes a new P-256 private key as PEM and returns the path.
func writeECKey(t testing.TB, path string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	writeKey(t, path, key)
	return path
}

func writeKey(t testing.TB, path string, key *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
}

// writeServingCert writes a self-signed certificate for 127.0.0.1/localhost that
// clients also use as CA, and returns the cert and key paths.
func writeServingCert(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "serving.crt"), filepath.Join(dir, "serving.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeKey(t, keyFile, key)
	return certFile, keyFile
}

func kubeconfig(server, caFile, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`, server, caFile, token)
}
