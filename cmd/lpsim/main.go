// Command lpsim runs the LivePerson App Engagement API simulator (package sim) on a local
// address, for the demo, the CLI and the cross-runtime tests.
//
//	lpsim -addr 127.0.0.1:8081 [-scenarios file.json] [-account ID=mode[,mode...] ...]
//
// Its first stdout line is "lpsim: listening on http://HOST:PORT" (use -addr 127.0.0.1:0 for
// a free port). Then it logs one line per request: method, path, status and duration, never
// request bodies. SIGINT or SIGTERM shut it down cleanly. docs/simulator.md has the details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/appengage/appengage/sim"
	"github.com/appengage/appengage/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// accountFlags collects repeated -account values.
type accountFlags []string

func (a *accountFlags) String() string     { return strings.Join(*a, " ") }
func (a *accountFlags) Set(v string) error { *a = append(*a, v); return nil }

// run is lpsim's main logic: it serves until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lpsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address; port 0 picks a free port")
	scenarioFile := fs.String("scenarios", "", "JSON file mapping account ids to scenarios")
	baseURI := fs.String("base-uri", "", "host[:port] CSDS names for msdkgw (default: the host the request came to)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	var accounts accountFlags
	fs.Var(&accounts, "account", "ID=mode[,mode...]: Available, NotAvailable, flap:S, loading:N, fail:N[:STATUS], ratelimit:N[:S], delay:MS, validfor:S, csds:object|list|empty (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lpsim [-addr 127.0.0.1:8081] [-scenarios file.json] [-account ID=mode ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lpsim: unexpected arguments %q\n", fs.Args())
		return 2
	}
	scenarios := map[string]sim.Scenario{}
	if *scenarioFile != "" {
		// Read in the background so that SIGINT/SIGTERM still end lpsim while a file that
		// blocks (a FIFO, a device) is being read; LoadScenarios bounds the size itself.
		type loaded struct {
			m   map[string]sim.Scenario
			err error
		}
		ch := make(chan loaded, 1)
		go func() {
			m, err := sim.LoadScenarios(*scenarioFile)
			ch <- loaded{m, err}
		}()
		select {
		case l := <-ch:
			if l.err != nil {
				fmt.Fprintln(stderr, "lpsim:", l.err)
				return 2
			}
			scenarios = l.m
		case <-ctx.Done():
			fmt.Fprintln(stderr, "lpsim: interrupted while reading", *scenarioFile)
			return 1
		}
	}
	for _, v := range accounts {
		id, sc, err := sim.ParseAccountFlag(v)
		if err != nil {
			fmt.Fprintln(stderr, "lpsim:", err)
			return 2
		}
		scenarios[id] = sc
	}
	srv, err := sim.New(sim.Options{Scenarios: scenarios, BaseURI: *baseURI})
	if err != nil {
		fmt.Fprintln(stderr, "lpsim:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "lpsim:", err)
		return 1
	}
	var handler http.Handler = srv
	if !*quiet {
		handler = logRequests(srv, stdout)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "lpsim: listening on http://%s\n", ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		fmt.Fprintln(stderr, "lpsim:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		fmt.Fprintln(stderr, "lpsim: shutdown:", err)
		return 1
	}
	fmt.Fprintln(stdout, "lpsim: stopped")
	return 0
}

// logPath is a request path fit for the log: a visitor id in it is replaced by {vid}.
func logPath(escaped string) string {
	if r, ok := wire.ParsePath(escaped); ok && r.Kind == wire.KindSession && r.VisitorID != "" {
		return wire.SessionPath(r.Account, "{vid}")
	}
	return escaped
}

// logRequests logs method, path, status and duration of each request. Bodies, query
// strings (sid) and visitor ids are never logged: they identify visitors, and SDEs carry
// personal data.
func logRequests(next http.Handler, out io.Writer) http.Handler {
	logs := make(chan string, 256)
	go func() {
		for line := range logs {
			_, _ = io.WriteString(out, line)
		}
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		line := fmt.Sprintf("lpsim: %s %s %s %d %s\n", start.Format("15:04:05.000"), r.Method, logPath(r.URL.EscapedPath()), sw.status, time.Since(start).Round(time.Microsecond))
		select {
		case logs <- line:
		default: // never slow the simulator down for its log
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}
