package core

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/appengage/appengage/wire"
)

// DefaultAttemptTimeout bounds one HTTP attempt when Config.AttemptTimeout is 0.
const DefaultAttemptTimeout = 30 * time.Second

// Config configures a Client. Only AccountID and Transport are required.
type Config struct {
	// AccountID is the LivePerson account (site) id, ^[a-zA-Z0-9_]{1,20}$.
	AccountID string

	// Domain is the msdkgw base, e.g. "va.v.liveperson.net" (see NormalizeBase: a bare host
	// means https; plain http only for loopback hosts). "" means: ask CSDS at CSDSDomain.
	Domain string

	// CSDSDomain is the Domain API base, normalized like Domain. "" means DefaultCSDSDomain.
	CSDSDomain string

	// Transport makes the HTTP round trips (nethttp.New() natively, jsbridge in JS).
	Transport Transport

	// Store keeps the visitor and session ids between calls. nil means NewMemoryStore().
	Store SessionStore

	// Retry is the retry policy; its zero value means DefaultRetryPolicy().
	Retry RetryPolicy

	// AttemptTimeout bounds each HTTP attempt; a timed-out attempt is retried like a
	// network error. 0 means DefaultAttemptTimeout; a negative value means no bound.
	AttemptTimeout time.Duration

	// DomainTTL is how long a host found through CSDS is reused. 0 means DefaultDomainTTL;
	// a negative value means ask CSDS before every call.
	DomainTTL time.Duration

	// Now is the clock (for the domain cache and Retry-After dates). nil means time.Now.
	Now func() time.Time

	// MethodOverride sends each PUT (UpdateSession) as a POST carrying the header
	// X-HTTP-Method-Override: PUT. Browsers need it: LivePerson's gateways allow only GET,
	// POST and PATCH in cross-origin (CORS) requests, and LivePerson's own browser examples
	// send the report this way. Native clients leave it false.
	MethodOverride bool

	// Strict refuses every request member that no documented field describes. By default
	// (false) such members are passed through to LivePerson unchanged, and only near-misses
	// of documented names (firstName for firstname) are refused. See Validation.
	Strict bool
}

// Client asks LivePerson's App Engagement API whether an engagement is available, reusing
// one visitor and session across calls. It is safe for concurrent use.
type Client struct {
	account        string
	fixedBase      string          // the normalized Config.Domain, "" when CSDS is used
	domains        *domainResolver // nil when fixedBase is set
	transport      Transport
	store          SessionStore
	retry          RetryPolicy
	attemptTimeout time.Duration
	methodOverride bool
	now            func() time.Time
	gate           sessionGate
	validation     Validation
}

// NewClient checks cfg and returns a Client. A bad Config is a *Error with CodeValidation
// listing every problem on the fields accountId, domain, csdsDomain, transport and retry.*.
func NewClient(cfg Config) (*Client, error) {
	var problems []Problem
	if !ValidAccountID(cfg.AccountID) {
		msg := "must be 1 to 20 characters of A-Z, a-z, 0-9 and _"
		if cfg.AccountID == "" {
			msg = "is required"
		}
		problems = append(problems, Problem{Field: "accountId", Message: msg})
	}
	c := &Client{
		account:        cfg.AccountID,
		transport:      cfg.Transport,
		store:          cfg.Store,
		retry:          cfg.Retry.withDefaults(),
		attemptTimeout: cfg.AttemptTimeout,
		methodOverride: cfg.MethodOverride,
		now:            cfg.Now,
		validation:     Validation{Strict: cfg.Strict},
	}
	if cfg.Domain != "" {
		base, msg := parseBase(cfg.Domain)
		if msg != "" {
			problems = append(problems, Problem{Field: "domain", Message: msg})
		}
		c.fixedBase = base
	} else {
		csds := cfg.CSDSDomain
		if csds == "" {
			csds = DefaultCSDSDomain
		}
		base, msg := parseBase(csds)
		if msg != "" {
			problems = append(problems, Problem{Field: "csdsDomain", Message: msg})
		}
		ttl := cfg.DomainTTL
		if ttl == 0 {
			ttl = DefaultDomainTTL
		}
		c.domains = &domainResolver{csds: base, ttl: ttl}
	}
	if cfg.Transport == nil {
		problems = append(problems, Problem{Field: "transport", Message: "is required (nethttp.New() in Go, the fetch transport in JS)"})
	}
	problems = append(problems, cfg.Retry.problems()...)
	if len(problems) > 0 {
		return nil, &Error{Code: CodeValidation, Message: "invalid client configuration", Problems: problems}
	}
	if c.store == nil {
		c.store = NewMemoryStore()
	}
	c.gate.slot = make(chan struct{}, 1)
	if c.attemptTimeout == 0 {
		c.attemptTimeout = DefaultAttemptTimeout
	} else if c.attemptTimeout < 0 {
		c.attemptTimeout = 0
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// AccountID returns the account the client works for.
func (c *Client) AccountID() string { return c.account }

// GetEngagement creates or continues the visitor's session and reports whether an
// engagement is available (ChatApi.getEngagement). NotAvailable is a success, not an error.
//
// The request is validated first; an invalid one is a CodeValidation *Error listing every
// problem, and nothing is sent. An empty AppType is sent as EXTERNAL.
//
// Ids: when req carries a VisitorID or SessionID, those are sent as given (a missing one is
// left out, not taken from the store). Otherwise the stored session is reused; while there
// is none, concurrent calls share one Create Session without ids and then send theirs with
// the ids it returned. Either way the store is updated from the answer (visitor, session and
// page id), because the server's answer is the truth for this device. A 401 for stored ids
// clears them and repeats the call once without ids; a 401 for ids the caller gave is
// returned as is.
//
// Failures are *Error (see RetryPolicy for what is retried). If only saving the session
// fails, the Response is returned together with a CodeInternal error.
func (c *Client) GetEngagement(ctx context.Context, req Request) (Response, error) {
	p, err := c.PrepareRequest(req)
	if err != nil {
		return Response{}, err
	}
	return c.getEngagement(ctx, p)
}

// GetEngagementTree is GetEngagement for a request given as a generic value tree, the
// object a JS caller passes to getEngagement: Prepare, then GetEngagementPrepared.
func (c *Client) GetEngagementTree(ctx context.Context, tree any) (Response, error) {
	p, err := c.Prepare(tree)
	if err != nil {
		return Response{}, err
	}
	return c.getEngagement(ctx, p)
}

// Prepared is a Create Session request read and validated once, under one Validation's
// rules, together with the body every attempt sends. It never changes, so it may be sent
// any number of times, from any goroutine, by every client with the same rules: what a
// caller that asks the same question again and again (a watch, a button polling, a JS
// caller passing the same request) keeps instead of validating and encoding the request
// each time, and what an adapter that must check a request before it has a client (the
// gateway) validates once.
type Prepared struct {
	rules  Validation
	req    Request
	body   map[string]any
	bodyID uint64
}

// Prepare reads a request tree as ParseRequest does (every rule GetEngagement checks, ids
// included, under Config.Strict) and builds its body once; the body shares the attributes
// ParseRequest has just copied. Errors are those of ParseRequest.
func (c *Client) Prepare(tree any) (*Prepared, error) { return c.validation.Prepare(tree) }

// Prepare is Client.Prepare under these rules, for an adapter that checks a request before
// it has a client; any client whose Config.Strict matches v.Strict may send the result.
func (v Validation) Prepare(tree any) (*Prepared, error) {
	req, err := v.ParseRequest(tree)
	if err != nil {
		return nil, err
	}
	if req.AppType == "" {
		req.AppType = AppTypeExternal
	}
	return newPrepared(v, req, req.body(false)), nil
}

// PrepareRequest validates req as GetEngagement does and builds its body once; the body
// copies req's attributes, so req's slices may be reused afterwards.
func (c *Client) PrepareRequest(req Request) (*Prepared, error) {
	if req.AppType == "" {
		req.AppType = AppTypeExternal
	}
	if err := c.validation.Request(req); err != nil { // vid and sid included: WellFormedID
		return nil, err
	}
	return newPrepared(c.validation, req, req.Body()), nil
}

// bodyIDs numbers the bodies the client sends more than once (WireRequest.BodyID).
var bodyIDs atomic.Uint64

func newPrepared(rules Validation, req Request, body map[string]any) *Prepared {
	return &Prepared{rules: rules, req: req, body: body, bodyID: bodyIDs.Add(1)}
}

// GetEngagementPrepared is GetEngagement for a prepared request. One prepared under other
// rules than this client's (Config.Strict) is a CodeValidation *Error and nothing is sent.
func (c *Client) GetEngagementPrepared(ctx context.Context, p *Prepared) (Response, error) {
	if err := c.checkPrepared(p); err != nil {
		return Response{}, err
	}
	return c.getEngagement(ctx, p)
}

// checkPrepared refuses a Prepared made under other rules than c's.
func (c *Client) checkPrepared(p *Prepared) error {
	if p == nil || p.rules != c.validation {
		return &Error{Code: CodeValidation, Message: "the request was prepared under other validation rules",
			Problems: []Problem{{Field: "request", Message: "must be prepared under this client's rules (strict or not)"}}}
	}
	return nil
}

// getEngagement is GetEngagement after validation.
func (c *Client) getEngagement(ctx context.Context, p *Prepared) (Response, error) {
	return c.engage(ctx, p, nil)
}

// engage is getEngagement, continuing flight f when it is not nil: its first attempt is
// then already made, for the ids and host f chose.
func (c *Client) engage(ctx context.Context, p *Prepared, f *Flight) (Response, error) {
	req := p.req
	if req.VisitorID != "" || req.SessionID != "" {
		resp, err := c.createSession(ctx, p, Session{VisitorID: req.VisitorID, SessionID: req.SessionID}, f)
		if err != nil {
			return Response{}, err
		}
		return resp, c.remember(ctx, resp)
	}
	recovered := false
	for {
		var s Session
		if f != nil {
			s = f.s // the stored session, read when the flight started
		} else {
			stored, creator, err := c.acquire(ctx)
			if err != nil {
				return Response{}, err
			}
			if creator {
				return c.createFirst(ctx, p)
			}
			s = stored
		}
		resp, err := c.createSession(ctx, p, s, f)
		f = nil
		if err == nil {
			return resp, c.remember(ctx, resp)
		}
		if ErrorCode(err) != CodeUnauthorized || recovered {
			return Response{}, err
		}
		recovered = true
		if ferr := c.forget(ctx, s); ferr != nil {
			return Response{}, ferr
		}
	}
}

// Flight is a GetEngagement whose first attempt its host makes without a goroutine or a
// blocking Transport: a host with an event loop (the JS module) starts it, sends Request
// itself and reports the outcome to Finish, all on its own thread. Most calls end there: an
// answer with the stored session's ids, stored again. Every other outcome (a retry, a
// refused session, a busy store) is continued by Continue on the blocking path, under the
// same rules, so a Flight decides nothing a GetEngagement would not.
type Flight struct {
	_     [0]func() // not comparable: nothing compares flights, and == would cost code
	c     *Client
	p     *Prepared
	s     Session // the ids sent
	base  string
	req   WireRequest
	first *Outcome  // the first attempt's, once Finish has it
	done  *Response // an answer Finish could not store without waiting
}

// Outcome is what became of a round trip a host made for a Flight: the answer, or the error
// of a failure without one, as Transport.Do returns them. TimedOut says the host stopped it
// at WireRequest.Timeout, which it then enforces itself (a Flight sets no Go timer).
type Outcome struct {
	Resp     WireResponse
	Err      error
	TimedOut bool
}

// ImmediateStore is a SessionStore whose methods never wait (memory, a browser's
// localStorage): Immediate reports whether that holds for this one. Only with such a store
// does StartEngagement start a Flight.
type ImmediateStore interface {
	SessionStore
	Immediate() bool
}

// StartEngagement starts GetEngagementPrepared(p) as a Flight when that needs no waiting:
// the session store is an ImmediateStore and free, the host is known (Config.Domain, or a
// CSDS answer still fresh), and there are ids to send (the caller's, or a stored session).
// Otherwise it reports false having done nothing, and the caller makes the call with
// GetEngagementPrepared: the first call of a device creates the session, with the single
// flight that shares it among concurrent calls.
func (c *Client) StartEngagement(p *Prepared) (*Flight, bool) {
	if c.checkPrepared(p) != nil {
		return nil, false
	}
	if st, ok := c.store.(ImmediateStore); !ok || !st.Immediate() {
		return nil, false
	}
	base, ok := c.freshBase()
	if !ok {
		return nil, false
	}
	f := &Flight{c: c, p: p, base: base}
	if p.req.VisitorID != "" || p.req.SessionID != "" {
		f.s = Session{VisitorID: p.req.VisitorID, SessionID: p.req.SessionID}
	} else {
		if !c.gate.tryLock() {
			return nil, false
		}
		s, err := c.store.Load(context.Background())
		c.gate.unlock()
		if err != nil || s.IsZero() { // GetEngagementPrepared reports the error, or creates
			return nil, false
		}
		f.s = s
	}
	f.req = c.sessionCall(base, p, f.s).request(c, f.s.VisitorID)
	return f, true
}

// Request is the first attempt's round trip, for the host to send.
func (f *Flight) Request() WireRequest { return f.req }

// Finish takes the first attempt's outcome. When it ends the call (an answer, stored
// without waiting, or an answer that cannot be read), done is true and resp and err are
// GetEngagement's results; otherwise the caller runs Continue on a goroutine. ctx is the
// call's: one that has ended is left to Continue, which reports it.
func (f *Flight) Finish(ctx context.Context, o Outcome) (resp Response, done bool, err error) {
	f.first = &o
	if o.Err != nil || o.TimedOut || o.Resp.Status < 200 || o.Resp.Status >= 300 || ctx.Err() != nil {
		return Response{}, false, nil
	}
	c := f.c
	resp, err = sessionAnswer(o.Resp)
	if err != nil {
		return Response{}, true, err
	}
	if !c.gate.tryLock() {
		answered := resp
		f.done = &answered
		return Response{}, false, nil
	}
	defer c.gate.unlock()
	return resp, true, c.rememberLocked(ctx, resp)
}

// Continue ends the call on the blocking path after Finish did not: it stores an answer
// Finish could not, or goes on from the first attempt's outcome exactly as GetEngagement
// would have (retries, the 401 recovery, the caller's cancellation).
func (f *Flight) Continue(ctx context.Context) (Response, error) {
	if f.done != nil {
		return *f.done, f.c.remember(ctx, *f.done)
	}
	return f.c.engage(ctx, f.p, f)
}

// createFirst makes the Create Session without ids that the callers waiting in acquire
// depend on, stores its ids and then lets them go, even if the transport panics.
func (c *Client) createFirst(ctx context.Context, p *Prepared) (Response, error) {
	defer c.release()
	resp, err := c.createSession(ctx, p, Session{}, nil)
	if err != nil {
		return Response{}, err
	}
	return resp, c.remember(ctx, resp)
}

// validationProblems splits a Validate result into its problems, or returns it as other
// when it is not a validation error.
func validationProblems(err error) (problems []Problem, other error) {
	if err == nil {
		return nil, nil
	}
	e, ok := err.(*Error)
	if !ok || e.Code != CodeValidation {
		return nil, err
	}
	return e.Problems, nil
}

// createSession sends one Create Session (with its retries) of p's body for the ids in s;
// when f is not nil, its first attempt is f's, already made.
func (c *Client) createSession(ctx context.Context, p *Prepared, s Session, f *Flight) (Response, error) {
	var base string
	var first *Outcome
	if f != nil {
		base, first = f.base, f.first
	} else {
		var err error
		if base, err = c.baseURL(ctx); err != nil {
			return Response{}, err
		}
	}
	wr, err := c.retried(ctx, c.sessionCall(base, p, s), first)
	if err != nil {
		c.afterFailure(err)
		return Response{}, err
	}
	return sessionAnswer(wr)
}

// sessionCall is the Create Session of p's body for the ids in s, at base.
func (c *Client) sessionCall(base string, p *Prepared, s Session) retriedCall {
	return retriedCall{
		method:           "POST",
		url:              func(vid string) string { return c.visitorURL(base, vid, s.SessionID) },
		vid:              s.VisitorID,
		body:             p.body,
		bodyID:           p.bodyID,
		followLoadingVID: true,
	}
}

// sessionAnswer reads the 2xx answer of a Create Session.
func sessionAnswer(wr WireResponse) (Response, error) {
	resp, err := ParseResponse(wr.Body)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Status == 0 {
			e.Status = wr.Status
		}
		return Response{}, err
	}
	resp.RawText = wr.Text
	return resp, nil
}

// afterFailure drops a CSDS-given host after a call that got no answer from it, in case
// the host moved; the next call asks CSDS again.
func (c *Client) afterFailure(err error) {
	if c.domains != nil && ErrorCode(err) == CodeNetwork {
		c.forgetDomain()
	}
}

// visitorURL is the Create/Update Session URL:
// {base}/api/account/{account}/app/engagement/visitors/{vid}?v=1.0&sid={sid}, with an empty
// vid segment on a first call and sid left out when empty.
func (c *Client) visitorURL(base, vid, sid string) string {
	u := base + wire.SessionPath(escapeURLComponent(c.account), escapeURLComponent(vid)) + "?" + wire.VersionParam + "=" + wire.Version
	if sid != "" {
		u += "&sid=" + escapeURLComponent(sid)
	}
	return u
}

// noSessionMessage tells a caller of UpdateSession what to do first.
const noSessionMessage = "no session: call GetEngagement first"

// UpdateSession adds SDEs and impression events to the stored session (Update Session, a
// PUT to the same URL as GetEngagement). An empty PageID means the page id of the last
// GetEngagement. Without a stored session it is a CodeValidation *Error on fields vid and
// sid; an invalid update lists every problem; in both cases nothing is sent. It follows the
// retry policy, except that a "Loading account" answer does not change the visitor id,
// which belongs to the stored session. A 401 is returned as is and the stored session kept;
// the next GetEngagement recovers from it.
func (c *Client) UpdateSession(ctx context.Context, u UpdateRequest) error {
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	var problems []Problem
	if s.VisitorID == "" {
		problems = append(problems, Problem{Field: "vid", Message: noSessionMessage})
	}
	if s.SessionID == "" {
		problems = append(problems, Problem{Field: "sid", Message: noSessionMessage})
	}
	if u.PageID == "" {
		u.PageID = s.PageID
	}
	verr := c.validation.UpdateRequest(u)
	more, other := validationProblems(verr)
	if other != nil {
		return other
	}
	if problems != nil || more != nil {
		e := &Error{Code: CodeValidation, Problems: append(problems, more...)}
		if problems != nil {
			e.Message = noSessionMessage
		}
		return e
	}
	base, err := c.baseURL(ctx)
	if err != nil {
		return err
	}
	_, err = c.retried(ctx, retriedCall{
		method: "PUT",
		url:    func(vid string) string { return c.visitorURL(base, vid, s.SessionID) },
		vid:    s.VisitorID,
		body:   u.Body(),
		bodyID: bodyIDs.Add(1), // the same body for every attempt
	}, nil)
	if err != nil {
		c.afterFailure(err)
	}
	return err
}

// retriedCall is one logical HTTP call: the first round trip (an attempt) and its retries.
type retriedCall struct {
	method string
	// url builds the attempt's URL for a visitor id; the loading-account rule may change it.
	url func(vid string) string
	vid string
	// body is the JSON body as a value tree, nil for GET; bodyID names it (WireRequest.BodyID).
	body   any
	bodyID uint64
	// followLoadingVID makes a "Loading account" 500 put its vid into the next attempt.
	followLoadingVID bool
}

// request is the round trip of an attempt for visitor id vid.
func (x retriedCall) request(c *Client, vid string) WireRequest {
	req := WireRequest{Method: x.method, URL: x.url(vid), Body: x.body, BodyID: x.bodyID, Timeout: c.attemptTimeout, MaxBody: MaxResponseBody}
	if c.methodOverride && req.Method == "PUT" {
		req.Method, req.MethodOverride = "POST", "PUT"
	}
	return req
}

// retried makes the call under the policy and returns the first 2xx answer, or an *Error
// for the last failure: its Code from the status (or network/timeout/aborted), Status,
// InternalCode, Time and Message from the error body, and Err the cause. first, when not
// nil, is the outcome of the first attempt, which a host made (a Flight).
func (c *Client) retried(ctx context.Context, x retriedCall, first *Outcome) (WireResponse, error) {
	p := c.retry
	attempts := len(p.Delays) + 1
	vid := x.vid
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return WireResponse{}, contextError(err)
		}
		req := x.request(c, vid)
		var resp WireResponse
		var err error
		if attempt == 0 && first != nil {
			resp, err = first.Resp, first.Err
			if first.TimedOut {
				err = &attemptTimeoutError{after: req.Timeout, cause: errOr(err, "the host stopped it")}
			}
		} else {
			resp, err = c.attempt(ctx, req)
		}
		if perr := ctx.Err(); perr != nil {
			return WireResponse{}, contextError(perr)
		}
		var final *Error
		retryable := false
		var answered *WireResponse
		switch {
		case err != nil:
			final, retryable = transportError(err)
		case resp.Status >= 200 && resp.Status < 300:
			return resp, nil
		default:
			body, _ := ParseErrorBody(resp.Body)
			final = statusError(resp, body)
			retryable = wire.Retryable(resp.Status)
			answered = &resp
			if x.followLoadingVID && isLoadingAccount(resp.Status, body) {
				vid = nextLoadingVID(body.Message, vid)
			}
		}
		if !retryable || attempt+1 >= attempts {
			if retryable && attempts > 1 && final.Status == 0 {
				final.Message += " (after " + strconv.Itoa(attempts) + " attempts)"
			}
			return WireResponse{}, final
		}
		if err := p.Sleep(ctx, p.pause(attempt, answered, c.now())); err != nil {
			return WireResponse{}, contextError(err)
		}
	}
}

// nextLoadingVID picks the visitor id for the retry after a "Loading account" 500: the one
// in its message when it is a well-formed id, else the one the failed attempt used.
func nextLoadingVID(msg, current string) string {
	if v, ok := loadingAccountVID(msg); ok && WellFormedID(v) {
		return v
	}
	return current
}

// attempt makes one round trip under the per-attempt deadline, which the client keeps
// itself (one Go timer per attempt) whatever the transport does with req.Timeout.
func (c *Client) attempt(ctx context.Context, req WireRequest) (WireResponse, error) {
	if req.Timeout <= 0 {
		return c.transport.Do(ctx, req)
	}
	actx, cancel := context.WithDeadline(ctx, attemptDeadline(req.Timeout))
	defer cancel()
	resp, err := c.transport.Do(actx, req)
	if err != nil && actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = &attemptTimeoutError{after: req.Timeout, cause: err}
	}
	return resp, err
}

// deadlineGrid is the origin of the grid long attempt deadlines are rounded up to; it holds
// a monotonic clock reading, so the rounded deadlines do too.
var deadlineGrid = time.Now()

// attemptDeadline is now+timeout, rounded up to the next whole second (from deadlineGrid)
// when timeout is 10 s or more, i.e. at most 10 % later. Consecutive calls then share one
// deadline per second, which lets a host coalesce their timers: the Go runtime on js/wasm
// re-arms its host setTimeout whenever its earliest timer moves by more than 1 ms, which with
// exact deadlines was once per call (≈50-70 µs a call against the simulator,
// docs/benchmarks/wasm.md). Short timeouts (tests, tight budgets) stay exact.
func attemptDeadline(timeout time.Duration) time.Time {
	at := time.Since(deadlineGrid) + timeout
	if timeout >= 10*time.Second {
		at = (at/time.Second + 1) * time.Second
	}
	return deadlineGrid.Add(at)
}
