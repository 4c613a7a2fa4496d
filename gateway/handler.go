package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/appengage/appengage/core"
)

// HealthPath answers 200 when the gateway is up (used by tests and load balancers), with the
// number of requests this process (on Workers: this Go instance) has served and the memory
// its Go runtime holds.
const HealthPath = "/appengage/v1/health"

// LivePerson internalCode values the gateway answers with; they match the simulator's.
const (
	codeValidation = 5  // 400: body missing, not JSON, too large or failing validation
	codeInternal   = 18 // 5xx: the gateway or the upstream failed
	codeVersion    = 33 // 400: "Illegal Version"
	codeBadVisitor = 37 // 401: vid malformed or missing
	codeBadSession = 39 // 401: sid malformed or missing
)

// Handler is the gateway. It is safe for concurrent use; create it with New.
type Handler struct {
	cfg      Config
	accounts map[string]bool
	anyAcct  bool
	origins  map[string]bool
	anyOrig  bool
	upstream *resolver
	blocks   blockList
	served   atomic.Int64
}

// New checks cfg and returns the gateway handler.
func New(cfg Config) (*Handler, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Domains == nil {
		cfg.Domains = NewMemoryDomains(cfg.Now)
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewMemoryLimiter(cfg.Now)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultDeadline
	}
	if cfg.DomainTTL <= 0 {
		cfg.DomainTTL = DefaultDomainTTL
	}
	h := &Handler{cfg: cfg, accounts: map[string]bool{}, origins: map[string]bool{}}
	for _, a := range cfg.Accounts {
		if a == "*" {
			h.anyAcct = true
		}
		h.accounts[a] = true
	}
	for _, o := range cfg.Origins {
		if o == "*" {
			h.anyOrig = true
		}
		h.origins[strings.TrimRight(o, "/")] = true
	}
	r := &resolver{transport: cfg.Transport, cache: cfg.Domains, ttl: cfg.DomainTTL, timeout: cfg.AttemptTimeout, retry: cfg.Retry}
	if r.retry.Delays == nil {
		r.retry = core.DefaultRetryPolicy()
	}
	if cfg.Upstream != "" {
		r.fixed, _ = core.NormalizeBase(cfg.Upstream)
	} else {
		csds := cfg.CSDS
		if csds == "" {
			csds = core.DefaultCSDSDomain
		}
		r.csds, _ = core.NormalizeBase(csds)
	}
	h.upstream = r
	return h, nil
}

// route is what a request path asks for.
type route int

const (
	routeNone route = iota
	routeHealth
	routeCSDSOne  // /api/account/{a}/service/{s}/baseURI.json
	routeCSDSAll  // /api/account/{a}/service/baseURI.json
	routeVisitors // /api/account/{a}/app/engagement/visitors/{vid}
)

// parsed is a request's route and path parameters.
type parsed struct {
	route   route
	account string
	service string
	vid     string
}

// parsePath matches the escaped path against the msdkgw and CSDS routes. Path segments are
// unescaped one by one, so an encoded slash never moves a boundary.
func parsePath(escaped string) (parsed, bool) {
	if escaped == HealthPath {
		return parsed{route: routeHealth}, true
	}
	parts := strings.Split(escaped, "/")
	if len(parts) < 5 || parts[0] != "" || parts[1] != "api" || parts[2] != "account" {
		return parsed{}, false
	}
	seg := make([]string, len(parts))
	for i, p := range parts {
		s, err := url.PathUnescape(p)
		if err != nil {
			return parsed{}, false
		}
		seg[i] = s
	}
	p := parsed{account: seg[3]}
	switch {
	case len(seg) == 7 && seg[4] == "service" && seg[6] == "baseURI.json":
		p.route, p.service = routeCSDSOne, seg[5]
	case len(seg) == 6 && seg[4] == "service" && seg[5] == "baseURI.json":
		p.route = routeCSDSAll
	case len(seg) == 7 && seg[4] == "app" && seg[5] == "engagement" && seg[6] == "visitors":
		p.route = routeVisitors
	case len(seg) == 8 && seg[4] == "app" && seg[5] == "engagement" && seg[6] == "visitors":
		p.route, p.vid = routeVisitors, seg[7]
	default:
		return parsed{}, false
	}
	return p, true
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	served := h.served.Add(1)
	defer func() {
		if v := recover(); v != nil {
			h.logf("gateway: internal error on %s %s", r.Method, routeName(r))
			h.writeError(w, http.StatusInternalServerError, codeInternal, "gateway internal error")
		}
	}()
	if !h.cors(w, r) {
		h.logf("gateway: refused origin on %s", routeName(r))
		h.writeError(w, http.StatusForbidden, 0, "origin not allowed by this gateway")
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p, ok := parsePath(r.URL.EscapedPath())
	if !ok {
		h.writeError(w, http.StatusNotFound, 0, "no such endpoint on this gateway")
		return
	}
	if p.route == routeHealth {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "served": served, "goMemoryBytes": goMemory()})
		return
	}
	if !core.ValidAccountID(p.account) {
		h.writeError(w, http.StatusBadRequest, codeValidation, "accountId must match ^[a-zA-Z0-9_]{1,20}$")
		return
	}
	if !h.anyAcct && !h.accounts[p.account] {
		h.logf("gateway: refused account %s", p.account)
		h.writeError(w, http.StatusForbidden, 0, "account "+p.account+" is not served by this gateway")
		return
	}
	switch p.route {
	case routeCSDSOne, routeCSDSAll:
		h.serveCSDS(w, r, p)
	case routeVisitors:
		h.serveVisitors(w, r, p)
	}
}

// cors sets the CORS headers for an allowed Origin and reports whether the request may go
// on: requests without Origin (native apps, Node) always may; browsers only from the
// allow-list.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if !h.anyOrig {
		w.Header().Add("Vary", "Origin")
	}
	if origin == "" {
		return true
	}
	if !h.anyOrig && !h.origins[origin] {
		return false
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Expose-Headers", "Retry-After")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, Accept, X-HTTP-Method-Override")
		hd.Set("Access-Control-Max-Age", "600")
	}
	return true
}

// serveCSDS answers the Domain API with the gateway itself as the msdkgw host.
func (h *Handler) serveCSDS(w http.ResponseWriter, r *http.Request, p parsed) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		h.writeError(w, http.StatusMethodNotAllowed, 0, "the Domain API is GET only")
		return
	}
	host := h.cfg.PublicHost
	if host == "" {
		host = r.Host
	}
	entry := map[string]any{"service": "msdkgw", "account": p.account, "baseURI": host}
	if p.route == routeCSDSAll {
		writeJSON(w, http.StatusOK, map[string]any{"baseURIs": []any{entry}})
		return
	}
	if p.service != "msdkgw" {
		h.writeError(w, http.StatusNotFound, 0, "this gateway serves only the msdkgw service")
		return
	}
	writeJSON(w, http.StatusOK, entry)
}

// serveVisitors handles Create Session (POST) and Update Session (PUT, or POST with
// X-HTTP-Method-Override: PUT).
func (h *Handler) serveVisitors(w http.ResponseWriter, r *http.Request, p parsed) {
	method := r.Method
	if o := r.Header.Get("X-HTTP-Method-Override"); o != "" && method == http.MethodPost {
		method = strings.ToUpper(strings.TrimSpace(o))
	}
	if method != http.MethodPost && method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		h.writeError(w, http.StatusMethodNotAllowed, 0, "Create Session is POST, Update Session is PUT")
		return
	}
	q := r.URL.Query()
	if v := q.Get("v"); v != "1.0" && v != "1" {
		h.writeError(w, http.StatusBadRequest, codeVersion, "Illegal Version")
		return
	}
	sid := q.Get("sid")
	update := method == http.MethodPut
	if (update || p.vid != "") && !core.WellFormedID(p.vid) {
		h.writeError(w, http.StatusUnauthorized, codeBadVisitor, "invalid visitor id")
		return
	}
	if (update || sid != "") && !core.WellFormedID(sid) {
		h.writeError(w, http.StatusUnauthorized, codeBadSession, "invalid session id")
		return
	}
	body, status, msg := readJSON(w, r, h.cfg.MaxBodyBytes)
	if status != 0 {
		h.writeError(w, status, codeValidation, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Deadline)
	defer cancel()
	if update {
		h.update(ctx, w, p, sid, body)
		return
	}
	h.create(ctx, w, r, p, sid, body)
}

func (h *Handler) create(ctx context.Context, w http.ResponseWriter, r *http.Request, p parsed, sid string, body any) {
	if m, _ := body.(map[string]any); m != nil {
		for _, k := range []string{"vid", "sid"} {
			if _, ok := m[k]; ok {
				h.writeError(w, http.StatusBadRequest, codeValidation, k+": belongs in the URL (visitors/{vid}?sid=), not in the body")
				return
			}
		}
	}
	req, err := core.ParseRequest(body)
	if err != nil {
		h.writeCoreError(w, err)
		return
	}
	req.VisitorID, req.SessionID = p.vid, sid
	client := h.clientKey(r)
	capped := h.cfg.VisitorCap > 0
	if capped {
		now := h.cfg.Now()
		if wait, blocked := h.blocks.blocked(client, now); blocked {
			h.refuseVisitor(w, wait)
			return
		}
		if p.vid == "" {
			adm, err := h.cfg.Limiter.Reserve(ctx, client, h.cfg.VisitorCap)
			if err != nil {
				// The counter is unreachable: serve rather than fail every new visitor.
				h.logf("gateway: visitor limiter failed, request admitted: %v", err)
			} else if !adm.Allowed {
				h.blocks.block(client, now.Add(adm.RetryAfter), now)
				h.refuseVisitor(w, adm.RetryAfter)
				return
			}
		}
	}
	c, err := h.client(ctx, p.account, nil)
	if err != nil {
		h.writeCoreError(w, err)
		return
	}
	resp, err := c.GetEngagement(ctx, req)
	if err != nil {
		h.writeCoreError(w, err)
		return
	}
	if capped && p.vid != "" && resp.VisitorID != "" && resp.VisitorID != p.vid {
		// The upstream did not know the vid and created a visitor: count it, so inventing
		// vids does not get round the cap.
		now := h.cfg.Now()
		if adm, err := h.cfg.Limiter.Charge(ctx, client, h.cfg.VisitorCap); err == nil && !adm.Allowed {
			h.blocks.block(client, now.Add(adm.RetryAfter), now)
		}
	}
	if resp.Raw != nil {
		writeJSON(w, http.StatusOK, resp.Raw)
		return
	}
	writeJSON(w, http.StatusOK, resp.Tree())
}

func (h *Handler) update(ctx context.Context, w http.ResponseWriter, p parsed, sid string, body any) {
	u, err := core.ParseUpdateRequest(body)
	if err != nil {
		h.writeCoreError(w, err)
		return
	}
	store := core.NewMemoryStore()
	if err := store.Save(ctx, core.Session{VisitorID: p.vid, SessionID: sid, PageID: u.PageID}); err != nil {
		h.writeCoreError(w, err)
		return
	}
	c, err := h.client(ctx, p.account, store)
	if err != nil {
		h.writeCoreError(w, err)
		return
	}
	if err := c.UpdateSession(ctx, u); err != nil {
		h.writeCoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// client returns a core.Client for one request, sending to the account's msdkgw base.
func (h *Handler) client(ctx context.Context, account string, store core.SessionStore) (*core.Client, error) {
	base, err := h.upstream.base(ctx, account)
	if err != nil {
		var ce *core.Error
		if !errors.As(err, &ce) {
			ce = &core.Error{Code: core.CodeDomainLookup, Message: "msdkgw host lookup failed", Err: err}
		}
		ce.Code = core.CodeDomainLookup
		return nil, ce
	}
	return core.NewClient(core.Config{
		AccountID:      account,
		Domain:         base,
		Transport:      h.cfg.Transport,
		Store:          store,
		Retry:          h.cfg.Retry,
		AttemptTimeout: h.cfg.AttemptTimeout,
		Now:            h.cfg.Now,
	})
}

// clientKey is the visitor cap's key: the client IP from ClientIPHeader when configured and
// present, else the connection's remote address.
func (h *Handler) clientKey(r *http.Request) string {
	if h.cfg.ClientIPHeader != "" {
		if v := strings.TrimSpace(r.Header.Get(h.cfg.ClientIPHeader)); v != "" {
			return v
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (h *Handler) refuseVisitor(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.logf("gateway: visitor cap reached, retry in %ds", secs)
	h.writeError(w, http.StatusTooManyRequests, 0, "too many new visitors from this client; retry after "+strconv.Itoa(secs)+"s")
}

// writeCoreError answers with the status and LivePerson error body that match err.
func (h *Handler) writeCoreError(w http.ResponseWriter, err error) {
	var ce *core.Error
	if !errors.As(err, &ce) {
		h.logf("gateway: internal error: %v", err)
		h.writeError(w, http.StatusInternalServerError, codeInternal, "gateway internal error")
		return
	}
	if ce.Status >= 400 && ce.Code != core.CodeDomainLookup {
		// The upstream answered: relay its status and error body.
		t := ce.Time
		if t == 0 {
			t = h.cfg.Now().UnixMilli()
		}
		if ce.Status == http.StatusTooManyRequests {
			// The core used the upstream's Retry-After for its own pauses and does not keep
			// it; LivePerson asks for at least a second between rate-limited calls.
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, ce.Status, map[string]any{"time": t, "message": ce.Message, "internalCode": ce.InternalCode})
		return
	}
	switch ce.Code {
	case core.CodeValidation:
		status, code := http.StatusBadRequest, codeValidation
		for _, p := range ce.Problems {
			switch p.Field {
			case "vid":
				status, code = http.StatusUnauthorized, codeBadVisitor
			case "sid":
				status, code = http.StatusUnauthorized, codeBadSession
			}
		}
		h.writeError(w, status, code, validationMessage(ce))
	case core.CodeDomainLookup:
		h.logf("gateway: msdkgw lookup failed: %v", err)
		h.writeError(w, http.StatusBadGateway, codeInternal, "the msdkgw host of this account could not be resolved")
	case core.CodeTimeout:
		h.logf("gateway: upstream timed out")
		h.writeError(w, http.StatusGatewayTimeout, codeInternal, "upstream did not answer in time")
	case core.CodeNetwork:
		h.logf("gateway: upstream unreachable: %v", err)
		h.writeError(w, http.StatusBadGateway, codeInternal, "upstream unreachable")
	case core.CodeServer:
		h.logf("gateway: unusable upstream answer (HTTP %d)", ce.Status)
		h.writeError(w, http.StatusBadGateway, codeInternal, "unusable upstream answer")
	case core.CodeAborted:
		h.writeError(w, http.StatusServiceUnavailable, codeInternal, "request cancelled")
	default:
		h.logf("gateway: internal error: %v", err)
		h.writeError(w, http.StatusInternalServerError, codeInternal, "gateway internal error")
	}
}

// validationMessage lists every problem, as the client SDKs do.
func validationMessage(e *core.Error) string {
	if len(e.Problems) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

func (h *Handler) writeError(w http.ResponseWriter, status, internalCode int, message string) {
	writeJSON(w, status, map[string]any{"time": h.cfg.Now().UnixMilli(), "message": message, "internalCode": internalCode})
}

func (h *Handler) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}

// readJSON reads a request body of at most limit bytes as one JSON value (numbers kept as
// json.Number). It returns a non-zero status and a message when the body is too large,
// missing or not JSON.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64) (any, int, string) {
	tooLarge := "request body larger than " + strconv.FormatInt(limit, 10) + " bytes"
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	if r.Body == nil {
		return nil, http.StatusBadRequest, "request body is required"
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, http.StatusBadRequest, "request body could not be read"
	}
	if int64(len(data)) > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, http.StatusBadRequest, "request body is required"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, http.StatusBadRequest, "request body is not valid JSON"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, http.StatusBadRequest, "request body has data after the JSON value"
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, http.StatusBadRequest, "request body must be a JSON object"
	}
	return v, 0, ""
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"time":0,"message":"gateway could not encode the answer","internalCode":18}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// routeName is a request's route for logs, without ids.
func routeName(r *http.Request) string {
	p, ok := parsePath(r.URL.EscapedPath())
	if !ok {
		return "unknown path"
	}
	switch p.route {
	case routeCSDSOne, routeCSDSAll:
		return "CSDS account " + p.account
	case routeVisitors:
		return "visitors account " + p.account
	}
	return "health"
}

func itoa(n int) string { return strconv.Itoa(n) }

// goMemory is all the memory the Go runtime has mapped (on js/wasm, the linear memory in use).
func goMemory() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
