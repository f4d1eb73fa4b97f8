// Package runtimeconfig is the client the runtime-config Job runs (`robustmq-cluster runtime-config`): it logs
// in to RobustMQ's admin API with the admin credentials and posts each config section to
// POST /api/cluster/config/set (docs/robustmq.md §11.6, §11.9). The function's own image carries it, because the
// RobustMQ image has curl but no JSON tool to read the token and the `code` of each answer, and a shell script
// parsing JSON with sed would be the least tested part of the repository.
package runtimeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

const (
	// Command is the first argument that selects the client in the function binary.
	Command = "runtime-config"
	// EnvUsername and EnvPassword hold the admin credentials, from the admin Secret.
	EnvUsername = "ROBUSTMQ_ADMIN_USERNAME"
	EnvPassword = "ROBUSTMQ_ADMIN_PASSWORD"
	// FileSuffix ends each section's file: <config type>.json.
	FileSuffix = ".json"

	PathLogin = "/api/v1/login"
	PathSet   = "/api/cluster/config/set"
	PathInfo  = "/api/info"

	// codeOK is the `code` of a successful answer; handlers answer HTTP 200 with code 100 on errors.
	codeOK = 0
)

// Section is one config type and its JSON.
type Section struct {
	Type   string
	Config string
}

// Client posts sections to one admin API.
type Client struct {
	URL      string
	Username string
	Password string
	HTTP     *http.Client
	// Retry is the pause between attempts while the cluster does not answer.
	Retry time.Duration
	Log   io.Writer
}

// Refused is RobustMQ answering with code != 0: the request reached it and was rejected, so retrying is useless.
type Refused struct {
	Path    string
	Code    int
	Message string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("RobustMQ refused %s: code %d: %s", e.Path, e.Code, e.Message)
}

// envelope is the answer of every admin handler: {code, data, error}.
type envelope struct {
	Code  *int            `json:"code"`
	Data  json.RawMessage `json:"data"`
	Error string          `json:"error"`
}

// Apply logs in, waits until the meta Raft groups have leaders, and posts every section in order. It retries a
// request that gets no answer (connection refused, DNS not yet resolvable, a non-200 status) until ctx ends, logs
// in again on 401 (token expired), and stops at the first section RobustMQ refuses.
func (c *Client) Apply(ctx context.Context, sections []Section) error {
	token, err := c.login(ctx)
	if err != nil {
		return err
	}
	if err := c.waitForLeaders(ctx, token); err != nil {
		return err
	}
	for _, s := range sections {
		body, err := json.Marshal(map[string]string{"config_type": s.Type, "config": s.Config})
		if err != nil {
			return err
		}
		for {
			_, status, err := c.post(ctx, PathSet, token, body)
			if status == http.StatusUnauthorized {
				fmt.Fprintf(c.Log, "%s: token refused, logging in again\n", PathSet)
				if token, err = c.login(ctx); err != nil {
					return err
				}
				continue
			}
			if err == nil {
				break
			}
			if errors.As(err, new(*Refused)) {
				return fmt.Errorf("apply %s: %w", s.Type, err)
			}
			if err := c.wait(ctx, PathSet, err); err != nil {
				return fmt.Errorf("apply %s: %w", s.Type, err)
			}
		}
		fmt.Fprintf(c.Log, "applied %s\n", s.Type)
	}
	return nil
}

// waitForLeaders polls GET /api/info until every meta Raft group reports a leader. A set is stored in meta
// (docs/robustmq.md §11.6), so on a cluster still forming it would be refused with code 100; a refusal after
// this point is final. An answer without the openraft status (data.meta) counts as ready: the set decides.
func (c *Client) waitForLeaders(ctx context.Context, token string) error {
	for {
		data, status, err := c.call(ctx, http.MethodGet, PathInfo, token, nil)
		if status == http.StatusUnauthorized {
			if token, err = c.login(ctx); err != nil {
				return err
			}
			continue
		}
		if err == nil {
			var info struct {
				Meta map[string]struct {
					CurrentLeader *uint64 `json:"current_leader"`
				} `json:"meta"`
			}
			_ = json.Unmarshal(data, &info)
			var waiting []string
			for group, st := range info.Meta {
				if st.CurrentLeader == nil {
					waiting = append(waiting, group)
				}
			}
			if len(waiting) == 0 {
				fmt.Fprintf(c.Log, "%s: every Raft group has a leader\n", PathInfo)
				return nil
			}
			slices.Sort(waiting)
			err = fmt.Errorf("no Raft leader yet for %s", strings.Join(waiting, ", "))
		}
		// Not ready yet, whatever the cause (code 100 included): retry until ctx ends.
		if err := c.wait(ctx, PathInfo, err); err != nil {
			return fmt.Errorf("wait for the cluster: %w", err)
		}
	}
}

func (c *Client) login(ctx context.Context) (string, error) {
	body, err := json.Marshal(map[string]string{"username": c.Username, "password": c.Password})
	if err != nil {
		return "", err
	}
	for {
		data, _, err := c.post(ctx, PathLogin, "", body)
		if err == nil {
			var d struct {
				Token string `json:"token"`
			}
			if err := json.Unmarshal(data, &d); err != nil || d.Token == "" {
				return "", fmt.Errorf("login: no token in the answer %s", string(data))
			}
			fmt.Fprintf(c.Log, "logged in as %s\n", c.Username)
			return d.Token, nil
		}
		if errors.As(err, new(*Refused)) {
			return "", fmt.Errorf("login as %s: %w", c.Username, err)
		}
		if err := c.wait(ctx, PathLogin, err); err != nil {
			return "", fmt.Errorf("login: %w", err)
		}
	}
}

// post sends one request and returns the answer's data. A transport error or a non-200 status is returned as a
// plain error (retry); an answer with code != 0 as *Refused.
func (c *Client) post(ctx context.Context, path, token string, body []byte) (json.RawMessage, int, error) {
	return c.call(ctx, http.MethodPost, path, token, body)
}

// call sends one request; body nil means a GET without a body.
func (c *Client) call(ctx context.Context, method, path, token string, body []byte) (json.RawMessage, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	var e envelope
	if err := json.Unmarshal(raw, &e); err != nil || e.Code == nil {
		return nil, resp.StatusCode, &Refused{Path: path, Code: -1, Message: "not a RobustMQ answer ({code, data, error}): " + string(raw)}
	}
	if *e.Code != codeOK {
		return nil, resp.StatusCode, &Refused{Path: path, Code: *e.Code, Message: e.Error}
	}
	return e.Data, resp.StatusCode, nil
}

func (c *Client) wait(ctx context.Context, path string, cause error) error {
	fmt.Fprintf(c.Log, "%s: no answer yet (%v), retrying in %s\n", path, cause, c.Retry)
	select {
	case <-ctx.Done():
		return fmt.Errorf("gave up: %w (last error: %v)", ctx.Err(), cause)
	case <-time.After(c.Retry):
		return nil
	}
}

// ReadSections reads <type>.json files from dir, in the fixed order of configkeys.RuntimeSections. Files of an
// unknown type are an error: the API would refuse them anyway, but only after the known ones were applied.
func ReadSections(dir string) ([]Section, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var types []string
	for _, rs := range configkeys.RuntimeSections {
		types = append(types, rs.Type)
	}
	found := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		// ConfigMap volumes hold ..data and timestamped folders next to the files.
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, FileSuffix) {
			continue
		}
		typ := strings.TrimSuffix(name, FileSuffix)
		if !slices.Contains(types, typ) {
			return nil, fmt.Errorf("%s: unknown config type %q (known: %s)", name, typ, strings.Join(types, ", "))
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("%s: not JSON", name)
		}
		found[typ] = strings.TrimSpace(string(b))
	}
	var out []Section
	for _, t := range types {
		if cfg, ok := found[t]; ok {
			out = append(out, Section{Type: t, Config: cfg})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no <type>%s file in %s", FileSuffix, dir)
	}
	return out, nil
}

// Main runs the client: robustmq-cluster runtime-config --url=... --dir=... --timeout=...; it returns the exit code.
func Main(args []string, getenv func(string) string, log io.Writer) int {
	fs := flag.NewFlagSet(Command, flag.ContinueOnError)
	fs.SetOutput(log)
	url := fs.String("url", "", "admin API base URL, e.g. http://robustmq-node-headless:58080")
	dir := fs.String("dir", "/config", "folder with one <config type>.json per section")
	timeout := fs.Duration("timeout", 15*time.Minute, "how long to retry until the cluster answers")
	retry := fs.Duration("retry", 5*time.Second, "pause between attempts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	user, pass := getenv(EnvUsername), getenv(EnvPassword)
	if *url == "" || user == "" || pass == "" {
		fmt.Fprintf(log, "runtime-config: --url, %s and %s are required\n", EnvUsername, EnvPassword)
		return 2
	}
	sections, err := ReadSections(*dir)
	if err != nil {
		fmt.Fprintf(log, "runtime-config: read sections: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	c := &Client{URL: *url, Username: user, Password: pass, HTTP: &http.Client{Timeout: 30 * time.Second}, Retry: *retry, Log: log}
	if err := c.Apply(ctx, sections); err != nil {
		fmt.Fprintf(log, "runtime-config: FAILED: %v\n", err)
		return 1
	}
	fmt.Fprintf(log, "runtime-config: applied %d section(s) to %s\n", len(sections), *url)
	return 0
}
