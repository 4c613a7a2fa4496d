// Command devserver serves the appengage demo page and the built npm package on 127.0.0.1
// for `make run` and the Chromium tests. It is a development tool, not part of the SDK.
//
// Layout of what it serves:
//
//	/                the demo (web/demo), every response under a strict Content-Security-Policy
//	/appengage/      the npm package folder (web/): the entries, chatapi.wasm, wasm_exec.js
//	/config.json     {"simulator": URL, "accountId": ID} so the page knows where the simulator is
//	PREFIX/          extra folders given with -mount PREFIX=DIR, served without a CSP
//
// The first line it prints is "devserver: listening on http://127.0.0.1:PORT", so a parent
// process that started it with -addr 127.0.0.1:0 can read the port.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// mounts is the repeatable -mount flag: URL prefix → folder.
type mounts []mount

type mount struct {
	prefix string
	dir    string
}

func (m *mounts) String() string {
	parts := make([]string, len(*m))
	for i, x := range *m {
		parts[i] = x.prefix + "=" + x.dir
	}
	return strings.Join(parts, ",")
}

func (m *mounts) Set(v string) error {
	prefix, dir, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(prefix, "/") || dir == "" {
		return fmt.Errorf("want PREFIX=DIR with PREFIX starting with /, got %q", v)
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	*m = append(*m, mount{prefix: prefix, dir: dir})
	return nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("devserver: ")
	var (
		addr    = flag.String("addr", "127.0.0.1:8080", "listen address; use port 0 for any free port")
		demo    = flag.String("demo", "web/demo", "folder served at /")
		pkg     = flag.String("pkg", "web", "npm package folder served at /appengage/")
		sim     = flag.String("sim", "http://127.0.0.1:8081", "simulator base URL the page talks to")
		account = flag.String("account", "demo", "LivePerson account id the demo uses")
		extra   mounts
	)
	flag.Var(&extra, "mount", "extra PREFIX=DIR to serve without a CSP (repeatable)")
	flag.Parse()

	h, err := newHandler(config{Demo: *demo, Package: *pkg, Simulator: *sim, AccountID: *account, Mounts: extra})
	if err != nil {
		log.Fatal(err)
	}
	if err := serve(*addr, h); err != nil {
		log.Fatal(err)
	}
}

// serve listens on addr (loopback only), prints the URL and serves until SIGINT/SIGTERM.
func serve(addr string, h http.Handler) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to listen on %q: the dev server is for 127.0.0.1 only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("devserver: listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// config is what the handler serves.
type config struct {
	Demo      string  // folder served at /
	Package   string  // folder served at /appengage/
	Simulator string  // simulator base URL, e.g. http://127.0.0.1:8081
	AccountID string  // account the demo uses
	Mounts    []mount // extra folders without a CSP
}

// newHandler builds the routes. The CSP allows scripts from this origin only, wasm
// compilation ('wasm-unsafe-eval'), fetches to this origin and the simulator, no workers of
// any kind (so no blob: workers) and no inline script or style.
func newHandler(c config) (http.Handler, error) {
	sim, err := url.Parse(c.Simulator)
	if err != nil || (sim.Scheme != "http" && sim.Scheme != "https") || sim.Host == "" {
		return nil, fmt.Errorf("-sim %q: want an absolute http(s) URL", c.Simulator)
	}
	simOrigin := sim.Scheme + "://" + sim.Host
	for _, d := range append([]string{c.Demo, c.Package}, dirs(c.Mounts)...) {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("folder %q: not found", d)
		}
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' 'wasm-unsafe-eval'",
		"connect-src 'self' " + simOrigin,
		"style-src 'self'",
		"img-src 'self' data:",
		"worker-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	configJSON, err := json.Marshal(map[string]string{"simulator": simOrigin, "accountId": c.AccountID})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(configJSON)
	})
	mux.Handle("/appengage/", withCSP(csp, http.StripPrefix("/appengage", files(c.Package))))
	for _, m := range c.Mounts {
		mux.Handle(m.prefix, http.StripPrefix(strings.TrimSuffix(m.prefix, "/"), files(m.dir)))
	}
	mux.Handle("/", withCSP(csp, files(c.Demo)))
	return noStore(mux), nil
}

func dirs(ms []mount) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.dir
	}
	return out
}

// contentTypes pins the types the loader depends on: instantiateStreaming needs
// application/wasm, and module scripts need a JavaScript type.
var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".cjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".map":  "application/json",
	".ts":   "text/plain; charset=utf-8",
}

// files serves a folder read-only: GET/HEAD only, no directory listings, no dot-files and no
// node_modules.
func files(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ".") || seg == "node_modules" {
				http.NotFound(w, r)
				return
			}
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p), "index.html")); err != nil {
				http.NotFound(w, r)
				return
			}
		}
		if ct, ok := contentTypes[strings.ToLower(path.Ext(p))]; ok {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fs.ServeHTTP(w, r)
	})
}

func withCSP(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

// noStore keeps the browser from caching, so a rebuilt wasm is picked up on reload.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
