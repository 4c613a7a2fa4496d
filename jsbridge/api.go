//go:build js && wasm

package jsbridge

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/convert"
	"github.com/appengage/appengage/jsbridge/internal/direct"
	"github.com/appengage/appengage/jsbridge/internal/fetch"
	"github.com/appengage/appengage/jsbridge/internal/promise"
)

// The bridge protocol between the Go module and the JS loader (web/src/chatapi.js):
//
//	exports = { version, newClient(config, port, storage, settle) → handle | Error, collect(resolve, reject) }
//	handle  = { getEngagement(id, request, timeoutMs), updateSession(id, update, timeoutMs),
//	            session(id), resetSession(id), cancel(id),
//	            watch(request, intervalMs, onChange) → watchId | Error, unwatch(watchId),
//	            impression(kind, engagementDetails) → attribute | Error, close() }
//
// config is the plain part of createChatApi's options (a copy made by the loader), port the
// exchange port over fetch (web/src/exchange.js, see internal/fetch) and storage "memory", "localStorage", a
// {get, set, remove} object or undefined. Requests arrive as JSON text when JSON can hold
// them unchanged, else as the JS value itself (see payloadTree).
//
// The asynchronous handle functions are settled by the id the loader chose, through the one
// function the loader gives newClient: settle(id, how, value) with how settleValue
// (resolve with value), settleJSON (resolve with JSON.parse(value): a call's result that is
// a string is always JSON text) or settleError (reject with value). The loader cancels a call by the same id. So a call costs no js.Func and
// hands no per-call functions to Go: a client owns exactly the functions of its handle and
// releases them all in close. Synchronous functions return a JS Error instead of
// throwing (a Go handler cannot throw), and the loader throws it.

// maxDelay bounds every duration a caller passes in (retry delays, timeouts, intervals).
const maxDelay = 24 * time.Hour

// Exports builds the object the loader receives: the module's version, newClient and
// collect. Its functions live as long as the program.
func Exports(version string) js.Value {
	exports := jsObject.New()
	exports.Set("version", version)
	exports.Set("newClient", js.FuncOf(func(this js.Value, args []js.Value) any {
		return syncCall(func() (js.Value, error) { // recovers, as guard does
			return newClient(arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3))
		})
	}))
	// collect runs Go's garbage collector and its finalizers, which release the JS values Go
	// no longer references; benchmarks call it before counting them to find leaks. It
	// settles the promise of its (resolve, reject); an Error returned instead is a panic
	// before it could.
	exports.Set("collect", js.FuncOf(func(this js.Value, args []js.Value) any {
		return guard(args, collect)
	}))
	return exports
}

// NewFetchTransport is the fetch transport of the earlier exchange contract, one promise per
// round trip (exchange(url, method, body, controller) → Promise<[status, retryAfter, text]>),
// which the Workers gateway's upstream.mjs implements; the gateway keeps it as its default
// because syumai/workers' fetch measured worse there (docs/benchmarks/gateway.md). The
// ChatApi uses the exchange port (internal/fetch); once upstream.mjs offers the port's
// contract (connect/send/abort), this and fetch.PromiseTransport can go.
func NewFetchTransport(exchange js.Value) (core.Transport, error) {
	t, err := fetch.NewPromiseTransport(exchange)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func collect(args []js.Value) any {
	{
		Settler{Resolve: arg(args, 0), Reject: arg(args, 1)}.Run(func() (js.Value, error) {
			for i := 0; i < 3; i++ {
				runtime.GC()
				time.Sleep(time.Millisecond) // let the finalizer goroutine run
			}
			return js.Undefined(), nil
		})
		return nil
	}
}

// configJS is the plain part of createChatApi's options (functions and objects such as
// fetch and storage travel as separate arguments).
type configJS struct {
	AccountID        string   `js:"accountId"`
	Domain           string   `js:"domain"`
	CSDSDomain       string   `js:"csdsDomain"`
	Retry            *retryJS `js:"retry"`
	AttemptTimeoutMs *float64 `js:"attemptTimeoutMs"`
	DomainTTLMs      *float64 `js:"domainTTLMs"`
	MethodOverride   *bool    `js:"methodOverride"`
	Strict           *bool    `js:"strict"`
}

type retryJS struct {
	DelaysMs []float64 `js:"delaysMs"`
	// The clamp of a 429's pause (core.RetryPolicy's MinRateLimitWait/MaxRateLimitWait).
	MinRateLimitWaitMs *float64 `js:"minRateLimitWaitMs"`
	MaxRateLimitWaitMs *float64 `js:"maxRateLimitWaitMs"`
}

// client is one ChatApi: a core.Client, its transport and the JS functions of its handle.
type client struct {
	core      *core.Client
	transport *fetch.Transport
	ctx       context.Context
	cancel    context.CancelFunc
	funcs     []js.Func
	settleFn  js.Value // the loader's settle(id, how, value), given once to newClient
	directID  int32    // the client's number for appengage_get_engagement

	mu      sync.Mutex
	calls   map[float64]context.CancelFunc // in-flight calls by the loader's id
	watches map[float64]func()             // running watches by id
	nextID  float64
	// The last getEngagement request as the loader's JSON text and what core.Client.Prepare
	// made of it (see prepare).
	lastText     string
	lastPrepared *core.Prepared
}

func newClient(config, port, storage, settle js.Value) (js.Value, error) {
	var cfg configJS
	if t, known := convert.TypeOf(config); !known || t != js.TypeObject {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "options must be an object",
			Problems: []core.Problem{{Field: "options", Message: "must be an object, not " + convert.Describe(config)}}}
	}
	if err := convert.DecodeStruct(config, &cfg, ""); err != nil {
		return js.Null(), err
	}
	coreCfg := core.Config{AccountID: cfg.AccountID, Domain: cfg.Domain, CSDSDomain: cfg.CSDSDomain}
	if cfg.MethodOverride != nil {
		coreCfg.MethodOverride = *cfg.MethodOverride
	}
	if cfg.Strict != nil {
		coreCfg.Strict = *cfg.Strict
	}
	var problems []core.Problem
	if cfg.Retry != nil && cfg.Retry.DelaysMs != nil {
		coreCfg.Retry.Delays = make([]time.Duration, 0, len(cfg.Retry.DelaysMs))
		for i, ms := range cfg.Retry.DelaysMs {
			d, msg := duration(ms)
			if msg != "" {
				problems = append(problems, core.Problem{Field: "retry.delaysMs[" + strconv.Itoa(i) + "]", Message: msg})
			}
			coreCfg.Retry.Delays = append(coreCfg.Retry.Delays, d)
		}
	}
	if cfg.Retry != nil {
		problems = append(problems, rateLimitWaits(cfg.Retry, &coreCfg.Retry)...)
	}
	if cfg.AttemptTimeoutMs != nil {
		d, msg := duration(*cfg.AttemptTimeoutMs)
		if msg != "" {
			problems = append(problems, core.Problem{Field: "attemptTimeoutMs", Message: msg})
		}
		coreCfg.AttemptTimeout = d
		if d == 0 {
			coreCfg.AttemptTimeout = -1 // 0 from JS means no per-attempt bound
		}
	}
	if cfg.DomainTTLMs != nil {
		d, msg := duration(*cfg.DomainTTLMs)
		if msg != "" {
			problems = append(problems, core.Problem{Field: "domainTTLMs", Message: msg})
		}
		coreCfg.DomainTTL = d
		if d == 0 {
			coreCfg.DomainTTL = -1 // 0 from JS means ask CSDS every time
		}
	}
	// Every remaining problem is reported at once: these, the transport's and storage's,
	// and the core's (accountId, domain, csdsDomain...).
	transport, err := fetch.New(port)
	problems = appendProblems(problems, err)
	coreCfg.Transport = transport
	if transport == nil { // already reported as fetch; do not have the core report it again
		coreCfg.Transport = core.TransportFunc(func(context.Context, core.WireRequest) (core.WireResponse, error) {
			return core.WireResponse{}, convert.Internal("no transport")
		})
	}
	store, err := storeFor(storage, cfg.AccountID)
	problems = appendProblems(problems, err)
	coreCfg.Store = store
	cc, err := core.NewClient(coreCfg)
	problems = appendProblems(problems, err)
	if len(problems) > 0 {
		if transport != nil {
			transport.Close()
		}
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid options", Problems: problems}
	}
	c := &client{core: cc, transport: transport, settleFn: settle, calls: map[float64]context.CancelFunc{}, watches: map[float64]func(){}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.directID = clients.Add(c)
	return c.handle(), nil
}

// rateLimitWaits sets p's clamp of rate-limit pauses from retry.minRateLimitWaitMs and
// retry.maxRateLimitWaitMs: whole milliseconds from 0 to a day, the minimum not above the
// maximum (unset: the core's 1 s and 60 s). 0 means no pause; the core reads 0 as "the
// default", so it gets the shortest pause it can hold instead.
func rateLimitWaits(r *retryJS, p *core.RetryPolicy) []core.Problem {
	var problems []core.Problem
	read := func(ms *float64, field string, def time.Duration) (time.Duration, bool) {
		if ms == nil {
			return def, true
		}
		d, msg := duration(*ms)
		if msg != "" {
			problems = append(problems, core.Problem{Field: field, Message: msg})
			return 0, false
		}
		return d, true
	}
	lo, okLo := read(r.MinRateLimitWaitMs, "retry.minRateLimitWaitMs", core.DefaultMinRateLimitWait)
	hi, okHi := read(r.MaxRateLimitWaitMs, "retry.maxRateLimitWaitMs", core.DefaultMaxRateLimitWait)
	switch {
	case !okLo || !okHi:
		return problems
	case lo > hi:
		return []core.Problem{{Field: "retry.minRateLimitWaitMs",
			Message: "must not exceed retry.maxRateLimitWaitMs (" + strconv.FormatInt(hi.Milliseconds(), 10) + ")"}}
	}
	p.MinRateLimitWait, p.MaxRateLimitWait = max(lo, time.Nanosecond), max(hi, time.Nanosecond)
	return nil
}

// appendProblems adds the validation problems of err to problems; an error of another kind
// is reported as a problem without a field.
func appendProblems(problems []core.Problem, err error) []core.Problem {
	if err == nil {
		return problems
	}
	if ce, ok := err.(*core.Error); ok && ce.Code == core.CodeValidation && len(ce.Problems) > 0 {
		return append(problems, ce.Problems...)
	}
	return append(problems, core.Problem{Message: err.Error()})
}

// duration converts a count of milliseconds from JS, refusing fractions, negatives and
// anything over a day: a silent rounding would change what the caller asked for.
func duration(ms float64) (time.Duration, string) {
	switch {
	case !convert.WholeNumber(ms):
		return 0, "must be a whole number of milliseconds"
	case ms < 0:
		return 0, "must not be negative"
	case ms > float64(maxDelay/time.Millisecond):
		return 0, "must be at most one day"
	}
	return time.Duration(ms) * time.Millisecond, ""
}

// storeFor picks the session store: "memory", "localStorage", an object with get, set and
// remove, or (undefined) localStorage when the host has it, else memory.
func storeFor(storage js.Value, accountID string) (core.SessionStore, error) {
	key := SessionKey(accountID)
	switch {
	case storage.IsUndefined() || storage.IsNull():
		if ls := LocalStorage(key); ls != nil {
			return ls, nil
		}
		return core.NewMemoryStore(), nil
	case storage.Type() == js.TypeString && storage.String() == "memory":
		return core.NewMemoryStore(), nil
	case storage.Type() == js.TypeString && storage.String() == "localStorage":
		if ls := LocalStorage(key); ls != nil {
			return ls, nil
		}
		return nil, &core.Error{Code: core.CodeValidation, Message: "this host has no usable localStorage",
			Problems: []core.Problem{{Field: "storage", Message: "localStorage is not available here"}}}
	case storage.Type() == js.TypeObject:
		return NewKeyValueStore(storage, key)
	}
	return nil, &core.Error{Code: core.CodeValidation, Message: "invalid storage",
		Problems: []core.Problem{{Field: "storage", Message: `must be "memory", "localStorage", {file} or an object with get, set and remove`}}}
}

// handle builds the JS object of one client; its functions are released by close.
func (c *client) handle() js.Value {
	h := jsObject.New()
	def := func(name string, fn func(args []js.Value) any) { c.def(h, name, fn) }
	h.Set("directId", c.directID)
	def("getEngagement", func(args []js.Value) any {
		c.start(args, c.prepare, c.getEngagement)
		return nil
	})
	def("updateSession", func(args []js.Value) any {
		c.start(args, payloadTree, func(ctx context.Context, tree any) (js.Value, error) {
			u, err := core.ParseUpdateRequest(tree)
			if err != nil {
				return js.Undefined(), err
			}
			return js.Undefined(), c.core.UpdateSession(ctx, u)
		})
		return nil
	})
	def("session", func(args []js.Value) any {
		c.run(numberArg(args, 0), func() (js.Value, error) {
			s, err := c.core.Session(c.ctx)
			if err != nil || s.IsZero() {
				return js.Null(), err
			}
			return convert.EncodeStruct(sessionJS{VisitorID: s.VisitorID, SessionID: s.SessionID, PageID: s.PageID})
		})
		return nil
	})
	def("resetSession", func(args []js.Value) any {
		c.run(numberArg(args, 0), func() (js.Value, error) {
			return js.Undefined(), c.core.ResetSession(c.ctx)
		})
		return nil
	})
	def("cancel", func(args []js.Value) any {
		c.mu.Lock()
		cancel := c.calls[numberArg(args, 0)]
		c.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return nil
	})
	def("watch", func(args []js.Value) any {
		return syncCall(func() (js.Value, error) { return c.watch(arg(args, 0), arg(args, 1), arg(args, 2)) })
	})
	def("unwatch", func(args []js.Value) any {
		c.mu.Lock()
		stop := c.watches[numberArg(args, 0)]
		delete(c.watches, numberArg(args, 0))
		c.mu.Unlock()
		if stop != nil {
			stop()
		}
		return nil
	})
	def("impression", func(args []js.Value) any {
		return syncCall(func() (js.Value, error) { return impression(arg(args, 0), arg(args, 1)) })
	})
	def("close", func(args []js.Value) any {
		c.close()
		return nil
	})
	return h
}

// def sets h[name] to a JS function running fn under guard, released by close. Not inlined:
// each of the handle's functions carried a copy.
//
//go:noinline
func (c *client) def(h js.Value, name string, fn func(args []js.Value) any) {
	f := js.FuncOf(func(this js.Value, args []js.Value) any { return guard(args, fn) })
	c.funcs = append(c.funcs, f)
	h.Set(name, f)
}

func numberArg(args []js.Value, i int) float64 {
	if t, known := convert.TypeOf(arg(args, i)); known && t == js.TypeNumber {
		return arg(args, i).Float()
	}
	return math.NaN()
}

// responseResult is the JS form of a getEngagement answer: the server's own text, which the
// loader JSON.parses (the exact object it sent, in its key order, built in one call instead
// of one per value), when the response carries it, else a conversion of its tree.
func responseResult(resp core.Response) (js.Value, error) {
	if resp.RawText != "" {
		return js.ValueOf(resp.RawText), nil
	}
	return convert.ToJS(resp.Tree())
}

var (
	jsJSON   = js.Global().Get("JSON")
	jsObject = js.Global().Get("Object")
)

// start runs one call settled by id: args are (id, payload, timeoutMs). The JS payload is
// converted here by read, synchronously, before the caller can change its object; work then
// runs on a goroutine with what read made of it, and the loader's settle function receives
// its result. An error from read is the call's result.
func (c *client) start(args []js.Value, read func(js.Value) (any, error), work func(ctx context.Context, payload any) (js.Value, error)) {
	timeout, msg := timeoutArg(arg(args, 2))
	c.begin(numberArg(args, 0), timeout, msg, func() (any, error) { return read(arg(args, 1)) }, work)
}

// getEngagement is the work of a getEngagement call.
func (c *client) getEngagement(ctx context.Context, p any) (js.Value, error) {
	resp, err := c.core.GetEngagementPrepared(ctx, p.(*core.Prepared))
	if err != nil {
		return js.Undefined(), err
	}
	return responseResult(resp)
}

// clients numbers the open clients for appengage_get_engagement.
var clients direct.Registry[*client]

// directGetEngagement is the direct call of getEngagement (see package direct for why): the
// loader calls
//
//	appengage_get_engagement(client, id, textLength, hasTimeout, timeoutMs) → 0 | 1 | 2 (see direct.Taken)
//
// after writing the request's JSON text into the direct buffer, instead of the handle's
// getEngagement(id, text, timeoutMs), whenever Go is not running (a call made from JS that
// Go called, such as a fetch or storage function, takes the handle's js.Func). It does what
// that function does: as a core.Flight on the JS thread when it can (fly), else on a
// goroutine (begin), for which it returns 2 and the loader resumes the Go scheduler. 0 means
// the client is closed or the text did not fit, and the loader makes the call through the
// handle instead.
//
//go:wasmexport appengage_get_engagement
//lint:ignore U1000 called from JS: a wasmexport function is an export of the module
func directGetEngagement(client int32, id float64, n, hasTimeout int32, timeoutMs float64) (taken int32) {
	direct.Begin()
	defer direct.Done()
	c, open := clients.Get(client)
	if !open {
		return 0
	}
	// The same text as the last request's (a caller asking the same question again) is
	// compared where the loader wrote it, not copied out.
	p := c.lastPreparedIf(func(last string) bool { return direct.Equal(0, n, last) })
	var text string
	if p == nil {
		var ok bool
		if text, ok = direct.Text(0, n); !ok {
			return 0
		}
	}
	c.guardDirect(id, func() {
		// Read once, for fly and, when it declines, begin.
		var payload any = p
		var err error
		if p == nil {
			payload, err = c.prepareText(text)
		}
		if hasTimeout == 0 && err == nil && c.fly(id, payload.(*core.Prepared)) {
			return
		}
		var timeout time.Duration
		var msg string
		if hasTimeout != 0 {
			timeout, msg = duration(timeoutMs)
		}
		c.begin(id, timeout, msg, func() (any, error) { return payload, err }, c.getEngagement)
	})
	return direct.Taken()
}

// fly makes getEngagement call id on the JS thread, as a core.Flight, when the core can
// start one (a stored session or the caller's ids, an immediate store, a known host) and
// the call has no timeoutMs of its own (a Go timer that only a resumed scheduler would arm):
// the first attempt goes to the port from here, and its answer, which arrives by
// appengage_answer, settles the call there too. No goroutine runs and Go's scheduler is not
// resumed, which is most of what a call costs beyond the fetch (docs/benchmarks/wasm.md,
// "The two floors"). Any other outcome goes on in a goroutine (core.Flight.Continue). It
// reports false, having done nothing, when the call must take the goroutine path from the
// start.
func (c *client) fly(id float64, p *core.Prepared) bool {
	f, ok := c.core.StartEngagement(p)
	if !ok {
		return false
	}
	l := &flight{c: c, id: id, f: f}
	c.mu.Lock()
	c.calls[id] = l.cancel
	c.mu.Unlock()
	l.trip = c.transport.Start(f.Request(), l.landed)
	return true
}

// flight is a getEngagement call made by fly. Until its first attempt lands or the loader
// cancels it (whichever comes first: stopped), it has no context of its own, only the
// client's; one is made if the call goes on in a goroutine.
type flight struct {
	c         *client
	id        float64
	f         *core.Flight
	trip      float64 // the round trip's id, for Stop
	stopped   bool    // guarded by c.mu
	cancelled bool    // the loader's cancel(id) came first; guarded by c.mu
}

// landed takes the first attempt's outcome from the transport.
func (l *flight) landed(o core.Outcome) {
	c := l.c
	c.mu.Lock()
	was := l.stopped
	l.stopped = true
	c.mu.Unlock()
	if !was {
		l.finish(o)
	}
}

// cancel is the loader's cancel(id): before the answer, it stops the fetch and ends the
// call as cancelled (through Continue, which reports it); after, it is Continue's cancel.
func (l *flight) cancel() {
	c := l.c
	c.mu.Lock()
	was := l.stopped
	l.stopped, l.cancelled = true, true
	c.mu.Unlock()
	if !was {
		c.transport.Stop(l.trip)
		l.finish(core.Outcome{Err: context.Canceled})
	}
}

// finish ends the call with the first attempt's outcome, or hands it to a goroutine.
func (l *flight) finish(o core.Outcome) {
	c := l.c
	c.guardDirect(l.id, func() {
		resp, done, err := l.f.Finish(c.ctx, o)
		if !done {
			ctx, cancel := context.WithCancel(c.ctx)
			c.mu.Lock()
			if l.cancelled {
				cancel()
			}
			c.calls[l.id] = cancel
			c.mu.Unlock()
			c.run(l.id, func() (js.Value, error) {
				defer c.endCall(l.id, cancel)
				resp, err := l.f.Continue(ctx)
				if err != nil {
					return js.Undefined(), err
				}
				return responseResult(resp)
			})
			return
		}
		c.mu.Lock()
		delete(c.calls, l.id)
		c.mu.Unlock()
		if err == nil && resp.RawText == o.Resp.Text && o.Resp.Text != "" {
			// The answer's text is the port's own JS string, being delivered right now:
			// the loader parses that instead of a copy made from Go's.
			invoke(c.settleFn, l.id, settleAnswer)
			return
		}
		v := js.Undefined()
		if err == nil {
			v, err = responseResult(resp)
		}
		c.settle(l.id, v, err)
	})
}

// endCall forgets call id and releases its context.
func (c *client) endCall(id float64, cancel context.CancelFunc) {
	c.mu.Lock()
	delete(c.calls, id)
	c.mu.Unlock()
	cancel()
}

// begin is start once the arguments are read: msg, when not "", is what is wrong with the
// timeout; read converts the payload.
func (c *client) begin(id float64, timeout time.Duration, msg string, read func() (any, error), work func(ctx context.Context, payload any) (js.Value, error)) {
	if msg != "" {
		c.run(id, func() (js.Value, error) {
			return js.Undefined(), &core.Error{Code: core.CodeValidation, Message: "invalid options",
				Problems: []core.Problem{{Field: "options.timeoutMs", Message: msg}}}
		})
		return
	}
	// Convert the payload now: the caller may reuse or change its object after the call.
	payload, convErr := read()
	// One context, one cancel: the loader's cancel(id) and the end of the call release it.
	var ctx context.Context
	var cancel context.CancelFunc
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(c.ctx, timeout)
	} else {
		ctx, cancel = context.WithCancel(c.ctx)
	}
	c.mu.Lock()
	c.calls[id] = cancel
	c.mu.Unlock()
	c.run(id, func() (js.Value, error) {
		defer c.endCall(id, cancel)
		if convErr != nil {
			return js.Undefined(), convErr
		}
		return work(ctx, payload)
	})
}

// timeoutArg reads a call's timeoutMs: undefined or null for none, else a whole number of
// milliseconds; msg says what is wrong with anything else (a bigint included).
func timeoutArg(v js.Value) (d time.Duration, msg string) {
	switch t, known := convert.TypeOf(v); {
	case !known:
		return 0, "must be a number of milliseconds, not a bigint"
	case t == js.TypeNumber:
		return duration(v.Float())
	case t != js.TypeUndefined && t != js.TypeNull:
		return 0, "must be a number of milliseconds, not " + convert.Describe(v)
	}
	return 0, ""
}

// prepare reads a getEngagement request from the loader into a *core.Prepared. The loader
// passes JSON text when it could serialise the request without changing anything, and that
// text is the whole request: when it equals the last one's, the last core.Prepared is used
// again, neither decoded nor validated nor encoded again. Callers mostly ask the same
// question over and over (a button polling, an app asking on every screen), and this was
// about a third of the module's work per call (docs/benchmarks/wasm.md, "Prepared once").
func (c *client) prepare(v js.Value) (any, error) {
	if t, known := convert.TypeOf(v); known && t == js.TypeString {
		return c.prepareText(v.String())
	}
	tree, err := payloadTree(v)
	if err != nil {
		return nil, err
	}
	return c.core.Prepare(tree)
}

// prepareText is prepare for the loader's JSON text of a request.
func (c *client) prepareText(text string) (any, error) {
	if last := c.lastPreparedIf(func(last string) bool { return last == text }); last != nil {
		return last, nil
	}
	tree, err := textTree(text)
	if err != nil {
		return nil, err
	}
	p, err := c.core.Prepare(tree)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.lastText, c.lastPrepared = text, p
	c.mu.Unlock()
	return p, nil
}

// lastPreparedIf returns what the last request's text was prepared into when same(that
// text) holds, else nil.
func (c *client) lastPreparedIf(same func(last string) bool) *core.Prepared {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastPrepared != nil && same(c.lastText) {
		return c.lastPrepared
	}
	return nil
}

// payloadTree converts a request from the loader: JSON text when the loader could
// serialise it without changing anything (the fast path), else the JS value itself, which
// FromJS walks to report every value JSON cannot hold by its field path.
func payloadTree(v js.Value) (any, error) {
	if t, known := convert.TypeOf(v); known && t == js.TypeString {
		return textTree(v.String())
	}
	tree, err := convert.FromJS(v, "")
	if ce, ok := err.(*core.Error); ok {
		for i := range ce.Problems {
			if ce.Problems[i].Field == "" { // the value itself, not one of its fields
				ce.Problems[i].Field = "request"
			}
		}
	}
	return tree, err
}

// textTree decodes the loader's JSON text of a payload.
func textTree(text string) (any, error) {
	tree, err := convert.DecodeJSON(text)
	if err != nil { // valid JSON from JSON.stringify: only its depth can be refused
		p := core.Problem{Message: err.Error()}
		if de, ok := err.(*convert.DepthError); ok {
			p = core.Problem{Field: de.Path(), Message: core.TooDeepMessage}
		}
		return nil, &core.Error{Code: core.CodeValidation, Message: "the value cannot be converted", Problems: []core.Problem{p}}
	}
	return tree, nil
}

// watch starts the core's watcher and returns its id for unwatch.
func (c *client) watch(request, interval, onChange js.Value) (js.Value, error) {
	if t, known := convert.TypeOf(onChange); !known || t != js.TypeFunction {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "onChange must be a function",
			Problems: []core.Problem{{Field: "onChange", Message: "must be a function"}}}
	}
	var opts core.WatchOptions
	if t, known := convert.TypeOf(interval); !known {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid options",
			Problems: []core.Problem{{Field: "options.intervalMs", Message: "must be a number of milliseconds, not a bigint"}}}
	} else if t == js.TypeNumber {
		d, msg := duration(interval.Float())
		if msg != "" {
			return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid options",
				Problems: []core.Problem{{Field: "options.intervalMs", Message: msg}}}
		}
		opts.Interval = d
	}
	tree, err := payloadTree(request)
	if err != nil {
		return js.Null(), err
	}
	p, err := c.core.Prepare(tree)
	if err != nil {
		return js.Null(), err
	}
	stop := c.core.WatchPrepared(c.ctx, p, opts, func(r core.Response, err error) {
		// A throwing onChange must not end the watch or the program; the loader wraps it,
		// so this only reports what got past that.
		if cerr := promise.Catch(func() {
			if err != nil {
				onChange.Invoke(js.Null(), convert.ErrorValue(err))
				return
			}
			v, convErr := convert.ToJS(r.Tree())
			if convErr != nil {
				onChange.Invoke(js.Null(), convert.ErrorValue(convErr))
				return
			}
			onChange.Invoke(v, js.Null())
		}); cerr != nil {
			reportUncaught("onChange threw: " + cerr.Error())
		}
	})
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.watches[id] = stop
	c.mu.Unlock()
	return js.ValueOf(id), nil
}

// impression builds an impression event from an engagementDetails object (or a whole
// getEngagement response). Ids may be numbers or strings of digits, as in responses; the
// core checks the rest and names fields engagementDetails.<field>.
func impression(kind, details js.Value) (js.Value, error) {
	if t, known := convert.TypeOf(kind); !known || t != js.TypeString {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid impression",
			Problems: []core.Problem{{Field: "type", Message: "must be a string, not " + convert.Describe(kind)}}}
	}
	tree, err := convert.FromJS(details, "engagementDetails")
	if err != nil {
		return js.Null(), err
	}
	m, ok := tree.(map[string]any)
	if !ok {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid impression",
			Problems: []core.Problem{{Field: "engagementDetails", Message: "must be an object"}}}
	}
	if inner, ok := m["engagementDetails"]; ok { // a whole response was given
		m, _ = inner.(map[string]any)
	}
	var d core.EngagementDetails
	var problems []core.Problem
	field := func(key string) string {
		x, present := m[key]
		switch t := x.(type) {
		case string:
			return t
		case float64:
			if convert.WholeNumber(t) {
				return strconv.FormatFloat(t, 'f', -1, 64)
			}
		case nil:
			if !present {
				return ""
			}
		}
		problems = append(problems, core.Problem{Field: "engagementDetails." + key, Message: "must be a whole number or a string of digits"})
		return ""
	}
	d.CampaignID = field("campaignId")
	d.EngagementID = field("engagementId")
	d.ContextID = field("contextId")
	if rev := field("engagementRevision"); rev != "" {
		n, err := strconv.ParseInt(rev, 10, 64)
		if err != nil {
			problems = append(problems, core.Problem{Field: "engagementDetails.engagementRevision", Message: "must be a whole number"})
		}
		d.EngagementRevision = n
	}
	if len(problems) > 0 {
		return js.Null(), &core.Error{Code: core.CodeValidation, Message: "invalid engagementDetails", Problems: problems}
	}
	attr, err := core.Impression(kind.String(), d)
	if err != nil {
		return js.Null(), err
	}
	return convert.ToJS(map[string]any(attr))
}

func (c *client) close() {
	clients.Remove(c.directID)
	c.cancel()
	c.mu.Lock()
	for id, stop := range c.watches {
		stop()
		delete(c.watches, id)
	}
	c.mu.Unlock()
	for _, f := range c.funcs {
		f.Release()
	}
	c.funcs = nil
	c.transport.Close()
}
