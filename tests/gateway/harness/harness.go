// Package harness starts the processes the gateway's cross-runtime tests and benchmark run
// against, all on 127.0.0.1: the simulator (build/bin/lpsim) and the gateway Worker under
// the pinned wrangler dev (real workerd, local mode, no Cloudflare account, no telemetry).
// `make build-gateway build-go deps-node-root` prepares what it needs.
package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Repo returns the repository root: $GATEWAY_REPO, or found by walking up to go.mod.
func Repo() (string, error) {
	if r := os.Getenv("GATEWAY_REPO"); r != "" {
		return r, nil
	}
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
			return "", errors.New("harness: repository root not found (set GATEWAY_REPO)")
		}
		dir = parent
	}
}

// Process is a started server: its URL and the process group to stop.
type Process struct {
	URL  string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
}

// Stop ends the process and everything it started (wrangler starts workerd).
func (p *Process) Stop() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Output returns the last lines the process printed (for failure messages).
func (p *Process) Output() string { return p.out.String() }

// Pid is the process id (also its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// tail keeps the last lines of a process's output.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 200 {
		t.lines = t.lines[len(t.lines)-200:]
	}
}

// String returns the kept lines.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

func start(dir string, env []string, name string, args ...string) (*Process, <-chan string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	p := &Process{cmd: cmd, out: &tail{}, done: make(chan struct{})}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.out.add(sc.Text())
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	return p, lines, nil
}

// StartSim runs build/bin/lpsim on a free loopback port.
func StartSim(repo string) (*Process, error) {
	p, lines, err := start(repo, nil, filepath.Join(repo, "build", "bin", "lpsim"), "-addr", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: starting lpsim (run make build-go): %w", err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case line := <-lines:
			if u, ok := strings.CutPrefix(line, "lpsim: listening on "); ok {
				p.URL = strings.TrimSpace(u)
				return p, nil
			}
		case <-p.done:
			return nil, fmt.Errorf("harness: lpsim exited: %s", p.Output())
		case <-deadline:
			p.Stop()
			return nil, fmt.Errorf("harness: lpsim did not start: %s", p.Output())
		}
	}
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// GatewayOptions choose the entry module and the Worker's vars.
type GatewayOptions struct {
	// Entry is the module in build/gateway to run: "gateway.mjs" (one Go instance per
	// isolate, the default) or "stock.mjs" (workers-assets-gen's glue, one per request).
	Entry string
	// Vars are the wrangler vars (APPENGAGE_*), all strings.
	Vars map[string]string
	// Config is a wrangler config of another Worker to run instead (its main is used and
	// Entry is ignored); such a Worker is ready when it answers anything.
	Config string
}

// StartGateway runs the gateway Worker under wrangler dev on a free loopback port and waits
// until it answers its health endpoint.
func StartGateway(repo string, opts GatewayOptions) (*Process, error) {
	if opts.Entry == "" {
		opts.Entry = "gateway.mjs"
	}
	entry := filepath.Join(repo, "build", "gateway", opts.Entry)
	if _, err := os.Stat(filepath.Join(repo, "build", "gateway", "app.wasm")); err != nil {
		return nil, fmt.Errorf("harness: %s missing (run make build-gateway)", filepath.Join("build", "gateway", "app.wasm"))
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	inspector, err := FreePort()
	if err != nil {
		return nil, err
	}
	state, err := os.MkdirTemp("", "appengage-gateway-state-")
	if err != nil {
		return nil, err
	}
	args := []string{"dev", entry, "-c", filepath.Join(repo, "wasm", "gateway", "wrangler.jsonc")}
	if opts.Config != "" {
		args = []string{"dev", "-c", opts.Config}
	}
	args = append(args,
		"--local", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--inspector-port", strconv.Itoa(inspector),
		"--persist-to", state, "--show-interactive-dev-session=false", "--log-level", "warn",
	)
	keys := make([]string, 0, len(opts.Vars))
	for k := range opts.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--var", k+":"+opts.Vars[k])
	}
	env := []string{
		"WRANGLER_SEND_METRICS=false", "WRANGLER_SEND_ERROR_REPORTS=false", "CLOUDFLARE_CF_FETCH_ENABLED=false",
		"NO_COLOR=1", "FORCE_COLOR=0", "CI=true",
	}
	p, _, err := start(repo, env, filepath.Join(repo, "node_modules", ".bin", "wrangler"), args...)
	if err != nil {
		os.RemoveAll(state)
		return nil, fmt.Errorf("harness: starting wrangler (run make deps-node-root): %w", err)
	}
	p.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	go func() {
		<-p.done
		os.RemoveAll(state)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/appengage/v1/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || opts.Config != "" {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("harness: wrangler exited: %s", p.Output())
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("harness: the gateway did not become ready: %s", p.Output())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StartMiniflare runs the gateway Worker on workerd through Miniflare's API
// (tests/gateway/miniflare.mjs) on a free loopback port: no wrangler dev proxy in front, so
// requests reach workerd directly as they do on Cloudflare.
func StartMiniflare(repo string, opts GatewayOptions) (*Process, error) {
	if opts.Entry == "" {
		opts.Entry = "gateway.mjs"
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{filepath.Join(repo, "tests", "gateway", "miniflare.mjs"), "--entry", opts.Entry, "--port", strconv.Itoa(port)}
	keys := make([]string, 0, len(opts.Vars))
	for k := range opts.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--var", k+"="+opts.Vars[k])
	}
	p, lines, err := start(repo, nil, "node", args...)
	if err != nil {
		return nil, fmt.Errorf("harness: starting miniflare: %w", err)
	}
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line := <-lines:
			if u, ok := strings.CutPrefix(line, "miniflare: listening on "); ok {
				p.URL = strings.TrimSpace(u)
				return p, nil
			}
		case <-p.done:
			return nil, fmt.Errorf("harness: miniflare exited: %s", p.Output())
		case <-deadline:
			p.Stop()
			return nil, fmt.Errorf("harness: miniflare did not start: %s", p.Output())
		}
	}
}

// CPUTime is the user+system CPU time used so far by the processes of p's group whose
// command name is comm (e.g. "workerd"), read from /proc.
func CPUTime(p *Process, comm string) (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	const ticks = 100 // USER_HZ on Linux
	var total int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(raw)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		name := s[open+1 : close]
		f := strings.Fields(s[close+2:])
		// fields after the name: state ppid pgrp ... utime(12) stime(13), 0-based from state
		if len(f) < 13 || name != comm {
			continue
		}
		pgrp, _ := strconv.Atoi(f[2])
		if pgrp != p.Pid() && pid != p.Pid() {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += ut + st
	}
	return time.Duration(total) * time.Second / ticks, nil
}
