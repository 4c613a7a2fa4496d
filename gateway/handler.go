package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/wire"
)

// HealthPath answers 200 when the gateway is up (used by tests and load balancers), with the
// number of requests this process (on Workers: this Go instance) has served and the memory
// its Go runtime holds.
const HealthPath = "/appengage/v1/health"

// Handler is the gateway. It is safe for concurrent use; create it with New.
type Handler struct {
	cfg      Config
	accounts map[string]bool
	anyAcct  bool
	origins  map[string]bool
	anyOrig  bool
	upstream func(ctx context.Context, account string) (string, error) // the msdkgw base of an account
	blocks   blockList
	known    knownVisitors
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
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
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
	up, err := newResolver(cfg)
	if err != nil {
		return nil, err
	}
	h.upstream = up
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	served := h.served.Add(1)
	defer func() {
		if v := recover(); v != nil {
			h.logf("gateway: internal error on %s %s", r.Method, routeName(r))
			h.writeError(w, http.StatusInternalServerError, wire.CodeInternal, "gateway internal error")
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
	if r.URL.EscapedPath() == HealthPath {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "served": served, "goMemoryBytes": goMemory()})
		return
	}
	p, ok := wire.ParsePath(r.URL.EscapedPath())
	if !ok {
		h.writeError(w, http.StatusNotFound, wire.CodeNone, "no such endpoint on this gateway")
		return
	}
	if !core.ValidAccountID(p.Account) {
		h.writeError(w, http.StatusBadRequest, wire.CodeValidation, "accountId must match ^[a-zA-Z0-9_]{1,20}$")
		return
	}
	if !h.anyAcct && !h.accounts[p.Account] {
		h.logf("gateway: refused account %s", p.Account)
		h.writeError(w, http.StatusForbidden, wire.CodeNone, "account "+p.Account+" is not served by this gateway")
		return
	}
	switch p.Kind {
	case wire.KindDomain, wire.KindDomainList:
		h.serveCSDS(w, r, p)
	case wire.KindSession:
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
func (h *Handler) serveCSDS(w http.ResponseWriter, r *http.Request, p wire.Route) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		h.writeError(w, http.StatusMethodNotAllowed, 0, "the Domain API is GET only")
		return
	}
	host := h.cfg.PublicHost
	if host == "" {
		host = r.Host
	}
	entry := map[string]any{"service": wire.Service, "account": p.Account, "baseURI": host}
	if p.Kind == wire.KindDomainList {
		writeJSON(w, http.StatusOK, map[string]any{"baseURIs": []any{entry}})
		return
	}
	if p.Service != wire.Service {
		h.writeError(w, http.StatusNotFound, 0, "this gateway serves only the msdkgw service")
		return
	}
	writeJSON(w, http.StatusOK, entry)
}

// serveVisitors handles Create Session (POST) and Update Session (PUT, or POST with
// X-HTTP-Method-Override: PUT), after the wire checks every msdkgw applies (wire.CheckCall,
// the simulator's too) and reading the body under the size and depth limits.
func (h *Handler) serveVisitors(w http.ResponseWriter, r *http.Request, p wire.Route) {
	q := r.URL.Query()
	sid := q.Get(wire.SessionParam)
	v := wire.CheckCall(wire.Call{Method: r.Method, Override: r.Header.Get(wire.MethodOverrideHeader),
		Versions: q[wire.VersionParam], VisitorID: p.VisitorID, SessionID: sid}, core.WellFormedID)
	if v.Status != 0 {
		if v.Status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "POST, PUT")
		}
		h.writeError(w, v.Status, v.InternalCode, v.Message)
		return
	}
	// The body is read under its own deadline (the connection's read deadline, where the
	// server supports one), so a client trickling it in is cut off.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout))
	body, berr := nethttp.ReadObject(r.Body, h.cfg.MaxBodyBytes, core.MaxDepth)
	if berr == nil {
		_ = rc.SetReadDeadline(time.Time{})
	} else {
		// Whatever is left of a refused body is not read (the expired deadline stays): the
		// connection is closed after the answer.
		w.Header().Set("Connection", "close")
	}
	if berr != nil {
		status := http.StatusBadRequest
		switch {
		case berr.TooLarge:
			status = http.StatusRequestEntityTooLarge
		case berr.TimedOut:
			status = http.StatusRequestTimeout
			h.logf("gateway: request body not received within %s", h.cfg.BodyTimeout)
		}
		h.writeError(w, status, wire.CodeValidation, berr.Message)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Deadline)
	defer cancel()
	if v.Update {
		h.update(ctx, w, p, sid, body)
		return
	}
	h.create(ctx, w, r, p, sid, body)
}

func (h *Handler) create(ctx context.Context, w http.ResponseWriter, r *http.Request, p wire.Route, sid string, body any) {
	if m, _ := body.(map[string]any); m != nil {
		for _, k := range wire.URLOnlyFields {
			if _, ok := m[k]; ok {
				h.writeError(w, http.StatusBadRequest, wire.CodeValidation, k+": belongs in the URL (visitors/{vid}?sid=), not in the body")
				return
			}
		}
		// The URL's ids join the request, where the client reads them (and sends them back
		// in the URL); a body that is not an object is refused by Prepare as it is.
		if p.VisitorID != "" {
			m["vid"] = p.VisitorID
		}
		if sid != "" {
			m["sid"] = sid
		}
	}
	// Validated once, here, before a visitor is reserved; the client sends it as prepared.
	prepared, err := core.Validation{Strict: h.cfg.Strict}.Prepare(body)
	if err != nil {
		h.writeCoreError(w, err, nil)
		return
	}
	settle, ok := h.reserveVisitor(ctx, w, r, p)
	if !ok {
		return
	}
	c, up, err := h.client(ctx, p.Account, nil)
	if err != nil {
		settle(true, "")
		h.writeCoreError(w, err, nil)
		return
	}
	resp, err := c.GetEngagementPrepared(ctx, prepared)
	if err != nil {
		// An answered error created no visitor, except the "Loading account" 500, which
		// names the one the retry must use; a lost answer may have created one.
		var ce *core.Error
		answered := errors.As(err, &ce) && ce.Status >= 400
		settle(answered && !wire.IsLoadingAccount(ce.Status, ce.InternalCode, ce.Message), "")
		h.writeCoreError(w, err, up.last())
		return
	}
	// A returning visitor (the upstream kept the vid it was given) is no new visitor; the
	// visitor answered with is confirmed either way.
	confirmed := ""
	if core.WellFormedID(resp.VisitorID) {
		confirmed = resp.VisitorID
		h.known.add(p.Account, confirmed, h.cfg.Now())
	}
	settle(p.VisitorID != "" && resp.VisitorID == p.VisitorID, confirmed)
	if resp.Raw != nil {
		writeJSON(w, http.StatusOK, resp.Raw)
		return
	}
	writeJSON(w, http.StatusOK, resp.Tree())
}

// reserveVisitor takes one slot of the client's visitor cap before a Create Session is
// forwarded — every one of them except those naming a visitor the upstream has confirmed,
// since an invented vid creates a visitor too — so that concurrent requests cannot overshoot
// the cap. It answers 429 and reports false when the client is past its cap. Otherwise it
// returns settle, to be called once with the outcome: giveBack returns the slot (no visitor
// was created), confirmed names the visitor the upstream answered with.
func (h *Handler) reserveVisitor(ctx context.Context, w http.ResponseWriter, r *http.Request, p wire.Route) (settle func(giveBack bool, confirmed string), ok bool) {
	nothing := func(bool, string) {}
	if h.cfg.VisitorCap <= 0 {
		return nothing, true
	}
	now := h.cfg.Now()
	if p.VisitorID != "" && h.known.has(p.Account, p.VisitorID, now) {
		return nothing, true // confirmed by the upstream: no new visitor can come of it
	}
	client := h.clientKey(r)
	if wait, blocked := h.blocks.blocked(client, now); blocked && p.VisitorID == "" {
		// Past its cap (known in this instance): refused without asking the limiter. A
		// request naming a vid asks it, since the vid may be one confirmed elsewhere.
		h.refuseVisitor(w, wait)
		return nil, false
	}
	adm, err := h.cfg.Limiter.Reserve(ctx, client, h.cfg.VisitorCap, p.VisitorID)
	if err != nil {
		// The counter is unreachable: serve rather than fail every visitor.
		h.logf("gateway: visitor limiter failed, request admitted")
		return nothing, true
	}
	if !adm.Allowed {
		h.blocks.block(client, now.Add(adm.RetryAfter), now)
		h.refuseVisitor(w, adm.RetryAfter)
		return nil, false
	}
	return func(giveBack bool, confirmed string) {
		giveBack = giveBack && !adm.Known
		if adm.Known && confirmed == p.VisitorID {
			confirmed = "" // nothing new to tell the limiter
		}
		if !giveBack && confirmed == "" {
			return
		}
		if err := h.cfg.Limiter.Settle(context.WithoutCancel(ctx), client, adm.Window, giveBack, confirmed); err != nil {
			h.logf("gateway: visitor limiter settle failed")
		}
	}, true
}

func (h *Handler) update(ctx context.Context, w http.ResponseWriter, p wire.Route, sid string, body any) {
	u, err := core.Validation{Strict: h.cfg.Strict}.ParseUpdateRequest(body)
	if err != nil {
		h.writeCoreError(w, err, nil)
		return
	}
	store := core.NewMemoryStore()
	if err := store.Save(ctx, core.Session{VisitorID: p.VisitorID, SessionID: sid, PageID: u.PageID}); err != nil {
		h.writeCoreError(w, err, nil)
		return
	}
	c, up, err := h.client(ctx, p.Account, store)
	if err != nil {
		h.writeCoreError(w, err, nil)
		return
	}
	if err := c.UpdateSession(ctx, u); err != nil {
		h.writeCoreError(w, err, up.last())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// client returns a core.Client for one request, sending to the account's msdkgw base with
// one attempt (singleAttempt) through a transport that keeps the upstream's last answer.
func (h *Handler) client(ctx context.Context, account string, store core.SessionStore) (*core.Client, *lastAnswer, error) {
	base, err := h.upstream(ctx, account)
	if err != nil {
		var ce *core.Error
		if !errors.As(err, &ce) {
			ce = &core.Error{Code: core.CodeDomainLookup, Message: "msdkgw host lookup failed", Err: err}
		}
		if ce.Code != core.CodeTimeout && ce.Code != core.CodeAborted {
			ce.Code = core.CodeDomainLookup
		}
		return nil, nil, ce
	}
	up := &lastAnswer{inner: h.cfg.Transport}
	c, err := core.NewClient(core.Config{
		AccountID:      account,
		Domain:         base,
		Transport:      up,
		Store:          store,
		Retry:          singleAttempt,
		AttemptTimeout: h.cfg.AttemptTimeout,
		Now:            h.cfg.Now,
		Strict:         h.cfg.Strict,
	})
	return c, up, err
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
	h.writeError(w, http.StatusTooManyRequests, wire.CodeNone, "too many new visitors from this client; retry after "+strconv.Itoa(secs)+"s")
}

// writeCoreError answers with the status and LivePerson error body that match err. When
// the upstream answered (last, the answer of the one attempt), its status, error body (or
// LivePerson's shape in place of a body that is not one) and Retry-After are passed through,
// so the client's retry policy sees what it would see talking to msdkgw directly. Logs name
// the outcome only: never an id, a URL or a transport error text (which carries the URL).
func (h *Handler) writeCoreError(w http.ResponseWriter, err error, last *core.WireResponse) {
	var ce *core.Error
	if !errors.As(err, &ce) {
		h.logf("gateway: internal error")
		h.writeError(w, http.StatusInternalServerError, wire.CodeInternal, "gateway internal error")
		return
	}
	if ce.Status >= 400 && ce.Code != core.CodeDomainLookup && last != nil && last.Status == ce.Status {
		h.logf("gateway: upstream answered HTTP %d", ce.Status)
		if d, ok := core.ParseRetryAfter(last.RetryAfter, h.cfg.Now()); ok {
			w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
		} else if ce.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1") // LivePerson: wait at least a second
		}
		writeJSON(w, ce.Status, relayedError(*last, h.cfg.Now().UnixMilli()))
		return
	}
	switch ce.Code {
	case core.CodeValidation:
		status, code := http.StatusBadRequest, wire.CodeValidation
		for _, p := range ce.Problems {
			switch p.Field {
			case "vid":
				status, code = http.StatusUnauthorized, wire.CodeBadVisitor
			case "sid":
				status, code = http.StatusUnauthorized, wire.CodeBadSession
			}
		}
		h.writeError(w, status, code, validationMessage(ce))
	case core.CodeDomainLookup:
		h.logf("gateway: msdkgw lookup through CSDS failed (HTTP %d)", ce.Status)
		h.writeError(w, http.StatusBadGateway, wire.CodeInternal, "the msdkgw host of this account could not be resolved")
	case core.CodeTimeout:
		h.logf("gateway: upstream timed out")
		h.writeError(w, http.StatusGatewayTimeout, wire.CodeInternal, "upstream did not answer in time")
	case core.CodeNetwork:
		h.logf("gateway: upstream unreachable")
		h.writeError(w, http.StatusBadGateway, wire.CodeInternal, "upstream unreachable")
	case core.CodeServer:
		h.logf("gateway: unusable upstream answer (HTTP %d)", ce.Status)
		h.writeError(w, http.StatusBadGateway, wire.CodeInternal, "unusable upstream answer")
	case core.CodeAborted:
		h.writeError(w, http.StatusServiceUnavailable, wire.CodeInternal, "request cancelled")
	default:
		h.logf("gateway: internal error (%s)", ce.Code)
		h.writeError(w, http.StatusInternalServerError, wire.CodeInternal, "gateway internal error")
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
	writeJSON(w, status, wire.ErrorBody{Time: h.cfg.Now().UnixMilli(), Message: message, InternalCode: internalCode})
}

func (h *Handler) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
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
	if r.URL.EscapedPath() == HealthPath {
		return "health"
	}
	p, ok := wire.ParsePath(r.URL.EscapedPath())
	if !ok {
		return "unknown path"
	}
	if p.Kind == wire.KindSession {
		return "visitors account " + p.Account
	}
	return "CSDS account " + p.Account
}

// goMemory is all the memory the Go runtime has mapped (on js/wasm, the linear memory in use).
func goMemory() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
