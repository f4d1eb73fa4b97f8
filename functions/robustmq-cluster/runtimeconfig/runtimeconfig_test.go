package runtimeconfig_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/lifecycle"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/runtimeconfig"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// standIn is a stand-in for RobustMQ's admin API on loopback, not RobustMQ itself: it checks each request
// against the documented API (docs/robustmq.md §11.6, §11.9) and answers as its handlers do: HTTP 200 with
// {code, data, error}, code 0 on success and 100 on error; 401 only from the auth layer.
type standIn struct {
	t        *testing.T
	user     string
	password string
	// refuse names a config type the server answers with code 100.
	refuse string
	// downFor makes the first requests fail as a cluster that is still starting does (HTTP 503).
	downFor int
	// expireAfter makes the token invalid after that many set calls (then 401), as an expired JWT.
	expireAfter int
	// leaderAfter is how many /api/info answers report a Raft group without a leader (a forming cluster).
	leaderAfter int

	mu      sync.Mutex
	calls   int
	logins  int
	sets    int
	infos   int
	applied map[string]map[string]any
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.downFor {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	answer := func(code int, data any, msg string) {
		w.Header().Set("Content-Type", "application/json")
		require.NoError(s.t, json.NewEncoder(w).Encode(map[string]any{"code": code, "data": data, "error": msg}))
	}
	if r.URL.Path == runtimeconfig.PathInfo {
		require.Equal(s.t, http.MethodGet, r.Method)
		if r.Header.Get("Authorization") != "Bearer "+tokenFor(s.logins) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.infos++
		var leader any = 1
		if s.infos <= s.leaderAfter {
			leader = nil
		}
		// The openraft status per Raft group, as /api/info reports it (docs/robustmq.md §11.9).
		answer(0, map[string]any{"cluster_name": "mq", "meta": map[string]any{
			"metadata": map[string]any{"current_leader": 1, "current_term": 3},
			"offset":   map[string]any{"current_leader": leader, "current_term": 1},
		}}, "")
		return
	}
	if s.infos == 0 && r.URL.Path == runtimeconfig.PathSet {
		s.t.Errorf("a set before the client checked the Raft leaders")
	}
	if r.Method != http.MethodPost {
		s.t.Errorf("%s %s: the API takes POST", r.Method, r.URL.Path)
		answer(100, nil, "method")
		return
	}
	require.Equal(s.t, "application/json", r.Header.Get("Content-Type"))
	var body map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	require.NoError(s.t, dec.Decode(&body))
	switch r.URL.Path {
	case runtimeconfig.PathLogin:
		require.Empty(s.t, r.Header.Get("Authorization"), "login is public")
		require.ElementsMatch(s.t, []string{"username", "password"}, keys(body))
		if body["username"] != s.user || body["password"] != s.password {
			answer(100, nil, "invalid username or password")
			return
		}
		s.logins++
		answer(0, map[string]any{"token": tokenFor(s.logins), "expires_in": 28800}, "")
	case runtimeconfig.PathSet:
		if r.Header.Get("Authorization") != "Bearer "+tokenFor(s.logins) || (s.expireAfter > 0 && s.sets >= s.expireAfter && s.logins == 1) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.sets++
		require.ElementsMatch(s.t, []string{"config_type", "config"}, keys(body))
		typ, ok := body["config_type"].(string)
		require.True(s.t, ok, "config_type is a string")
		cfg, ok := body["config"].(string)
		require.True(s.t, ok, "config is a JSON string, not an object")
		rs := sectionOf(s.t, typ)
		var section map[string]any
		require.NoError(s.t, json.Unmarshal([]byte(cfg), &section), "config holds the section as JSON")
		require.ElementsMatch(s.t, rs.Keys(), keys(section), "the whole section %s", typ)
		if typ == s.refuse {
			answer(100, nil, "invalid config")
			return
		}
		s.applied[typ] = section
		answer(0, "success", "")
	default:
		s.t.Errorf("unexpected path %s", r.URL.Path)
		http.NotFound(w, r)
	}
}

func tokenFor(n int) string { return "token-" + strings.Repeat("x", n) }

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sectionOf(t *testing.T, typ string) configkeys.RuntimeSection {
	for _, rs := range configkeys.RuntimeSections {
		if rs.Type == typ {
			return rs
		}
	}
	t.Fatalf("unknown config_type %q", typ)
	return configkeys.RuntimeSection{}
}

// serve starts the stand-in on 127.0.0.1 only.
func serve(t *testing.T, s *standIn) string {
	t.Helper()
	s.t = t
	s.applied = map[string]map[string]any{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(s)
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func sectionsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o444))
	}
	write("MqttOfflineMessage.json", `{"enable":true,"expire_ms":3600000,"max_messages_num":1000}`)
	write("KafkaDynamic.json", `{"auto_create_topics_enable":false}`)
	// What a ConfigMap volume holds besides the files.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "..2026_12_01"), 0o755))
	return dir
}

func run(t *testing.T, url, dir, password string, timeout time.Duration) (int, string) {
	t.Helper()
	var log bytes.Buffer
	env := map[string]string{runtimeconfig.EnvUsername: "admin", runtimeconfig.EnvPassword: password}
	code := runtimeconfig.Main([]string{"--url=" + url, "--dir=" + dir, "--timeout=" + timeout.String(), "--retry=10ms"},
		func(k string) string { return env[k] }, &log)
	return code, log.String()
}

func TestAppliesEverySectionAfterLogin(t *testing.T) {
	s := &standIn{user: "admin", password: "s3cret", downFor: 3, leaderAfter: 2}
	code, log := run(t, serve(t, s), sectionsDir(t), "s3cret", 10*time.Second)
	require.Equal(t, 0, code, log)
	require.Equal(t, map[string]map[string]any{
		"MqttOfflineMessage": {"enable": true, "expire_ms": 3600000.0, "max_messages_num": 1000.0},
		"KafkaDynamic":       {"auto_create_topics_enable": false},
	}, s.applied)
	require.Contains(t, log, "retrying", "the first answers were 503")
	require.Contains(t, log, "no Raft leader yet for offset", "it waited for the forming cluster")
	require.Equal(t, 3, s.infos)
	// Sections go in the fixed order of configkeys.RuntimeSections.
	require.Less(t, strings.Index(log, "applied MqttOfflineMessage"), strings.Index(log, "applied KafkaDynamic"))
}

func TestFailsLoudlyOnCodeNotZero(t *testing.T) {
	s := &standIn{user: "admin", password: "s3cret", refuse: "MqttOfflineMessage"}
	code, log := run(t, serve(t, s), sectionsDir(t), "s3cret", 10*time.Second)
	require.Equal(t, 1, code)
	require.Contains(t, log, "FAILED: apply MqttOfflineMessage: RobustMQ refused /api/cluster/config/set: code 100: invalid config")
	require.NotContains(t, s.applied, "KafkaDynamic", "it stops at the first refusal")
}

func TestWrongPasswordFailsAtOnce(t *testing.T) {
	s := &standIn{user: "admin", password: "s3cret"}
	start := time.Now()
	code, log := run(t, serve(t, s), sectionsDir(t), "wrong", time.Minute)
	require.Equal(t, 1, code)
	require.Contains(t, log, "login as admin: RobustMQ refused /api/v1/login: code 100")
	require.Less(t, time.Since(start), 10*time.Second, "a refusal is not retried")
}

func TestLogsInAgainWhenTheTokenExpires(t *testing.T) {
	s := &standIn{user: "admin", password: "s3cret", expireAfter: 1}
	code, log := run(t, serve(t, s), sectionsDir(t), "s3cret", 10*time.Second)
	require.Equal(t, 0, code, log)
	require.Equal(t, 2, s.logins)
	require.Len(t, s.applied, 2)
}

func TestGivesUpAfterTheTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens: connection refused, as before the pods start
	code, log := run(t, url, sectionsDir(t), "s3cret", 300*time.Millisecond)
	require.Equal(t, 1, code)
	require.Contains(t, log, "gave up: context deadline exceeded")
}

func TestUnknownSectionFileIsRefused(t *testing.T) {
	dir := sectionsDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "MqttLimit.json"), []byte(`{}`), 0o444))
	_, err := runtimeconfig.ReadSections(dir)
	require.ErrorContains(t, err, `unknown config type "MqttLimit"`)
	code, _ := run(t, "http://127.0.0.1:1", dir, "x", time.Second)
	require.Equal(t, 1, code)
}

func TestApplyHonoursTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &runtimeconfig.Client{URL: "http://127.0.0.1:1", Username: "a", Password: "b", HTTP: http.DefaultClient, Retry: time.Hour, Log: &bytes.Buffer{}}
	require.ErrorContains(t, c.Apply(ctx, []runtimeconfig.Section{{Type: "KafkaDynamic", Config: "{}"}}), "gave up")
}

// The Job as rendered drives the client: its command, flags and environment are what Main parses, and the
// ConfigMap's files are what it posts. Only the address is replaced by the stand-in's.
func TestTheRenderedJobDrivesTheClient(t *testing.T) {
	c := &v1alpha1.RobustMQCluster{}
	c.Name, c.Namespace = "mq", "ns"
	c.Spec.Auth.Admin = &v1alpha1.CredentialsRef{SecretName: "mq-admin"}
	c.Spec.RuntimeConfig = &v1alpha1.RuntimeConfig{
		MQTTFlappingDetect: map[string]v1alpha1.ConfigValue{
			"enable": raw("true"), "window_time": raw("60"), "max_client_connections": raw("15"), "ban_time": raw("300")},
		KafkaDynamic: map[string]v1alpha1.ConfigValue{"auto_create_topics_enable": raw("true")},
	}
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	objs, err := lifecycle.Build(tc)
	require.NoError(t, err)
	var cm *corev1.ConfigMap
	var job *batchv1.Job
	for _, o := range objs {
		switch x := o.Object.(type) {
		case *corev1.ConfigMap:
			cm = x
		case *batchv1.Job:
			job = x
		}
	}
	require.NotNil(t, cm)
	require.NotNil(t, job)

	dir := t.TempDir()
	for k, v := range cm.Data {
		require.NoError(t, os.WriteFile(filepath.Join(dir, k), []byte(v), 0o444))
	}
	ct := job.Spec.Template.Spec.Containers[0]
	require.Equal(t, runtimeconfig.Command, ct.Args[0])
	s := &standIn{user: "root", password: "pw"}
	url := serve(t, s)
	var args []string
	for _, a := range ct.Args[1:] {
		switch {
		case strings.HasPrefix(a, "--url="):
			require.Equal(t, "--url=http://mq-node-headless:58080", a)
			a = "--url=" + url
		case strings.HasPrefix(a, "--dir="):
			require.Equal(t, "--dir="+ct.VolumeMounts[0].MountPath, a)
			a = "--dir=" + dir
		}
		args = append(args, a)
	}
	secret := map[string]string{"username": "root", "password": "pw"}
	env := map[string]string{}
	for _, e := range ct.Env {
		require.Equal(t, "mq-admin", e.ValueFrom.SecretKeyRef.Name)
		env[e.Name] = secret[e.ValueFrom.SecretKeyRef.Key]
	}
	var log bytes.Buffer
	require.Equal(t, 0, runtimeconfig.Main(append(args, "--retry=10ms"), func(k string) string { return env[k] }, &log), log.String())
	require.Equal(t, map[string]map[string]any{
		"MqttFlappingDetect": {"enable": true, "window_time": 60.0, "max_client_connections": 15.0, "ban_time": 300.0},
		"KafkaDynamic":       {"auto_create_topics_enable": true},
	}, s.applied)
}

func raw(s string) v1alpha1.ConfigValue { return v1alpha1.ConfigValue{Raw: []byte(s)} }
