// Package sim is a simulator of LivePerson's App Engagement API (service msdkgw) and of the
// Domain API (CSDS) that points clients at it, for tests and local development. A Server is
// an http.Handler: mount it in httptest on 127.0.0.1 from Go tests, or run cmd/lpsim.
//
// It validates requests with the same core rules the client applies, keeps visitors,
// sessions and pages with LivePerson's lifetimes, plays per-account scenarios (not
// available, loading account, 5xx, 429, slow answers, flapping availability), counts what it
// received and keeps a bounded request log without any SDE values. A control API under
// /sim/v1/ reads the counters and log and sets scenarios; docs/simulator.md describes it.
package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/wire"
)

// Options configure a Server. The zero Options are usable.
type Options struct {
	// Now is the clock for session lifetimes and flap schedules; default time.Now.
	Now func() time.Time
	// IdleTimeout ends a session after this long without a call; default 30 minutes.
	IdleTimeout time.Duration
	// MaxSessionAge ends a session this long after it started; default 6 hours.
	MaxSessionAge time.Duration
	// LogSize is how many requests the request log keeps; default 1000.
	LogSize int
	// BaseURI is the host[:port] CSDS names for msdkgw and smt; default the Host the
	// request came to, i.e. the simulator itself.
	BaseURI string
	// Scenarios are the initial per-account scenarios (normalised by New); POST
	// /sim/v1/reset restores them.
	Scenarios map[string]Scenario
	// OnRequest, when set, receives every Create and Update Session request the simulator
	// decoded, body included, before it is answered. It is a Go-only hook for tests; the
	// HTTP request log never holds bodies. It must not block.
	OnRequest func(Received)
}

// Received is a Create or Update Session request as the simulator decoded it.
type Received struct {
	Kind      string     // "create" or "update"
	Method    string     // the effective method: POST, or PUT (also via X-HTTP-Method-Override)
	Account   string     // account id from the path
	VisitorID string     // vid path segment, "" when empty
	Query     url.Values // the query parameters (v, sid)
	Header    http.Header
	Body      any // the JSON body as a generic tree (numbers as json.Number), nil when empty
}

// Server is the simulator. It is safe for concurrent use.
type Server struct {
	now       func() time.Time
	idle      time.Duration
	maxAge    time.Duration
	baseURI   string
	initial   map[string]Scenario
	onRequest func(Received)

	mu       sync.Mutex
	accounts map[string]*account
	log      requestLog
	nextPage int64
}

// New returns a Server with opts. It fails if an initial scenario or account id is invalid.
func New(opts Options) (*Server, error) {
	s := &Server{
		now:       opts.Now,
		idle:      opts.IdleTimeout,
		maxAge:    opts.MaxSessionAge,
		baseURI:   opts.BaseURI,
		onRequest: opts.OnRequest,
		initial:   map[string]Scenario{},
		log:       requestLog{size: opts.LogSize},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.idle <= 0 {
		s.idle = 30 * time.Minute
	}
	if s.maxAge <= 0 {
		s.maxAge = 6 * time.Hour
	}
	if s.log.size <= 0 {
		s.log.size = 1000
	}
	if opts.BaseURI != "" {
		if err := checkBaseURI(opts.BaseURI); err != nil {
			return nil, err
		}
	}
	for id, sc := range opts.Scenarios {
		if !validAccount(id) {
			return nil, &scenarioError{"account id " + strconv.Quote(id) + " must match ^[a-zA-Z0-9_]{1,20}$"}
		}
		n, err := sc.Normalize()
		if err != nil {
			return nil, err
		}
		s.initial[id] = n
	}
	s.Reset()
	// Page ids look like LivePerson's ten-digit ones and differ between simulator runs.
	s.nextPage = 4_000_000_000 + time.Now().UnixNano()%1_000_000_000
	return s, nil
}

// checkBaseURI accepts what CSDS puts in baseURI: a bare host[:port] (a DNS name, an IPv4
// address or a bracketed IPv6 literal), nothing else — no scheme, path, user info or spaces.
func checkBaseURI(b string) error {
	bad := &scenarioError{"BaseURI " + strconv.Quote(b) + " must be a bare host[:port] such as 127.0.0.1:8081, like CSDS's baseURI (no scheme, path or spaces)"}
	if strings.TrimSpace(b) != b || strings.ContainsAny(b, "/@?#\\ \t") || strings.Contains(b, "://") {
		return bad
	}
	norm, err := core.NormalizeBase(b)
	if err != nil || !strings.EqualFold(norm, "https://"+b) {
		return bad
	}
	return nil
}

type scenarioError struct{ msg string }

func (e *scenarioError) Error() string { return "sim: " + e.msg }

// Reset forgets every account, counter and logged request, and restores the initial
// scenarios.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.accounts = map[string]*account{}
	for id, sc := range s.initial {
		s.accounts[id] = newAccount(id, sc, now)
	}
	s.log.reset()
}

// SetScenario replaces the scenario of account id (restarting its counted failures and flap
// schedule) and keeps its visitors, sessions and counters.
func (s *Server) SetScenario(id string, sc Scenario) (Scenario, error) {
	if !validAccount(id) {
		return Scenario{}, &scenarioError{"account id " + strconv.Quote(id) + " must match ^[a-zA-Z0-9_]{1,20}$"}
	}
	n, err := sc.Normalize()
	if err != nil {
		return Scenario{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accountLocked(id).setScenario(n, s.now())
	return n, nil
}

// Scenario returns the scenario account id currently plays.
func (s *Server) Scenario(id string) Scenario {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[id]; ok {
		return a.scenario
	}
	sc, _ := Scenario{}.Normalize()
	return sc
}

// DeleteAccount forgets account id: its scenario (back to the default), visitors, sessions
// and counters.
func (s *Server) DeleteAccount(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.accounts, id)
}

// Stats returns the counters of account id (all zero for an account never seen).
func (s *Server) Stats(id string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[id]; ok {
		return a.stats.clone()
	}
	return newStats(id)
}

// Requests returns the logged requests of account id, oldest first; "" returns all of them.
func (s *Server) Requests(id string) []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.list(id)
}

// accountLocked returns the state of account id, creating it with the default scenario.
func (s *Server) accountLocked(id string) *account {
	a, ok := s.accounts[id]
	if !ok {
		sc, _ := Scenario{}.Normalize()
		a = newAccount(id, sc, s.now())
		s.accounts[id] = a
	}
	return a
}

// ServeHTTP answers CSDS, Create/Update Session, the /sim/v1 control API and CORS
// preflights.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &RequestRecord{Time: s.now().UTC(), Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery}
	rw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			// A bug in the simulator or in core's validation: answer it visibly, never crash.
			writeError(rw, s.now(), http.StatusInternalServerError, codeInternal, "simulator bug: request could not be handled")
		}
		rec.Status = rw.status
		rec.DurationMs = float64(time.Since(start).Microseconds()) / 1000
		s.record(rec)
	}()
	writeCORS(rw, r)
	if r.Method == http.MethodOptions {
		rec.Kind = "preflight"
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	path := r.URL.EscapedPath()
	switch {
	case strings.HasPrefix(path, "/api/account/"):
		s.serveAPI(rw, r, rec)
	case strings.HasPrefix(path, "/sim/v1/"):
		rec.Kind = "control"
		s.serveControl(rw, r, strings.TrimPrefix(path, "/sim/v1/"))
	default:
		rec.Kind = "other"
		writeError(rw, s.now(), http.StatusNotFound, 0, "no such resource: "+path)
	}
}

// serveAPI routes /api/account/{id}/... to CSDS or the engagement API (wire.ParsePath: the
// same routes the gateway serves).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rec *RequestRecord) {
	rt, ok := wire.ParsePath(r.URL.EscapedPath())
	if !ok {
		rec.Kind = "other"
		writeError(w, s.now(), http.StatusNotFound, wire.CodeNone, "no such resource: "+r.URL.EscapedPath())
		return
	}
	rec.Account = rt.Account
	switch rt.Kind {
	case wire.KindDomain, wire.KindDomainList:
		rec.Kind = "csds"
		s.serveCSDS(w, r, rt.Account, rt.Service)
	default:
		s.serveEngagement(w, r, rt.Account, rt.VisitorID, rec)
	}
}

// serveCSDS answers the Domain API: msdkgw and smt both resolve to the simulator.
func (s *Server) serveCSDS(w http.ResponseWriter, r *http.Request, acct, service string) {
	now := s.now()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		writeError(w, now, http.StatusMethodNotAllowed, 0, "method "+r.Method+" not allowed")
		return
	}
	if !validAccount(acct) {
		writeError(w, now, http.StatusBadRequest, codeValidation, "accountId: must match ^[a-zA-Z0-9_]{1,20}$")
		return
	}
	s.mu.Lock()
	a := s.accountLocked(acct)
	a.stats.CSDSCalls++
	shape := a.scenario.CSDS
	s.mu.Unlock()

	host := s.baseURI
	if host == "" {
		host = r.Host
	}
	entry := func(svc string) map[string]any {
		return map[string]any{"service": svc, "account": acct, "baseURI": host}
	}
	known := service == "" || service == "msdkgw" || service == "smt"
	if !known {
		writeError(w, now, http.StatusNotFound, 0, "service "+strconv.Quote(service)+" not found for account "+acct)
		return
	}
	switch {
	case shape == CSDSEmpty:
		writeJSON(w, http.StatusOK, map[string]any{"baseURIs": []any{}})
	case service == "":
		writeJSON(w, http.StatusOK, map[string]any{"baseURIs": []any{entry("msdkgw"), entry("smt")}})
	case shape == CSDSList:
		writeJSON(w, http.StatusOK, map[string]any{"baseURIs": []any{entry(service)}})
	default:
		writeJSON(w, http.StatusOK, entry(service))
	}
}

func (s *Server) record(rec *RequestRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Account != "" && validAccount(rec.Account) && rec.Kind != "other" {
		if a, ok := s.accounts[rec.Account]; ok {
			a.stats.Responses[strconv.Itoa(rec.Status)]++
		}
	}
	s.log.add(*rec)
}

// The internalCode values the simulator answers with (see docs/simulator.md): LivePerson's,
// from the wire package.
const (
	codeValidation = wire.CodeValidation     // 400: body missing, not JSON, or failing validation
	codeInternal   = wire.CodeInternal       // 5xx: unexpected or scripted server error
	codeLoading    = wire.CodeLoadingAccount // 500: "Loading account: <acct>, vid: <vid>"
	codeBadVisitor = wire.CodeBadVisitor     // 401: vid unknown (Update)
	codeBadSession = wire.CodeBadSession     // 401: sid unknown (Update)
)

// writeError writes LivePerson's error body {time, message, internalCode}.
func writeError(w http.ResponseWriter, now time.Time, status, internalCode int, message string) {
	writeJSON(w, status, wire.ErrorBody{Time: now.UnixMilli(), Message: message, InternalCode: internalCode})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	raw, err := json.Marshal(body)
	if err != nil {
		status, raw = http.StatusInternalServerError, []byte(`{"time":0,"message":"simulator bug: unencodable answer","internalCode":18}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// corsAllowHeaders is the request header list LivePerson's gateway allows (spec §10).
const corsAllowHeaders = "Origin, X-Requested-With, Content-Type, Accept, Authorization, X-HTTP-Method-Override, " +
	"LP-DOMAIN-REFERER, LP-URL, ETag, ac-revision, X-LP-Last-Modified, If-Match, Authentication-Method, " +
	"Credit-Card-Ref, Automation-Secret, Email-Token"

// writeCORS lets browser clients on any origin call the simulator, with credentials.
func writeCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Expose-Headers", "Retry-After")
	h.Set("Access-Control-Max-Age", "600")
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
