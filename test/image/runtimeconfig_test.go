package image

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runtimeConfigClient runs the image as the runtime-config Job does (args after the entrypoint, a read-only root,
// a non-root user, the sections mounted read-only) against a loopback stand-in of RobustMQ's admin API: the
// client works in the scratch image, with no shell, CA certificates or resolver configuration of its own. The
// stand-in checks only the shape of the two calls; runtimeconfig's own tests check them against the documented API.
func runtimeConfigClient(t *testing.T, ref string) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method == http.MethodPost {
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("%s: %v", r.URL.Path, err)
			}
		}
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/login":
			if body["username"] != "admin" || body["password"] != "pw" {
				t.Errorf("login with %v", body)
			}
			_, _ = w.Write([]byte(`{"code":0,"data":{"token":"t0k","expires_in":28800},"error":null}`))
		case "/api/info":
			_, _ = w.Write([]byte(`{"code":0,"data":{"meta":{"metadata":{"current_leader":1}}},"error":null}`))
		case "/api/cluster/config/set":
			if r.Header.Get("Authorization") != "Bearer t0k" || body["config_type"] != "KafkaDynamic" || body["config"] != `{"auto_create_topics_enable":true}` {
				t.Errorf("set: %v %v", r.Header.Get("Authorization"), body)
			}
			_, _ = w.Write([]byte(`{"code":0,"data":"success","error":null}`))
		default:
			http.NotFound(w, r)
		}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()

	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "KafkaDynamic.json"), `{"auto_create_topics_enable":true}`)
	if err := os.Chmod(filepath.Join(dir, "KafkaDynamic.json"), 0o444); err != nil {
		t.Fatal(err)
	}
	// --network host reaches the stand-in on the host's loopback; nothing else listens.
	run(t, "", nil, nil, "docker", "run", "--rm", "--network", "host", "--read-only", "--user", "999:999",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"-v", dir+":/config:ro", "-e", "ROBUSTMQ_ADMIN_USERNAME=admin", "-e", "ROBUSTMQ_ADMIN_PASSWORD=pw",
		ref, "runtime-config", "--url="+srv.URL, "--dir=/config", "--timeout=30s")
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(calls, ", "); got != "POST /api/v1/login, GET /api/info, POST /api/cluster/config/set" {
		t.Fatalf("calls = %q", got)
	}
}
