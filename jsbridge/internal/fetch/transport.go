//go:build js && wasm

// Package fetch is the core.Transport over the host's fetch: it converts a core.WireRequest
// into one call of the JS exchange (web/src/exchange.js) and the answer back into a
// core.WireResponse. It decides nothing: the URL, the method and its override, the body cap
// and the deadline all come from the core.
package fetch

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/convert"
	"github.com/appengage/appengage/jsbridge/internal/direct"
	"github.com/appengage/appengage/jsbridge/internal/promise"
)

// Transport makes round trips through one long-lived JS exchange port (exchangeOver in
// web/src/exchange.js):
//
//	port.connect(onDone, directID)                                   once, by New
//	port.send(id, method, url, override, body, maxBytes, timeoutMs)  one round trip
//	port.abort(id, timedOut)                                         the round trip's context ended
//	onDone(id, status, retryAfter, text)                             an answer (status 0: a hidden redirect)
//	onDone(id, -1, status)                                           an answer whose body passed maxBytes
//	onDone(id, -2, reason)                                           no answer (reason: the JS error)
//	onDone(id, -3)                                                   timeoutMs passed first (the fetch is aborted)
//
// Calls are settled by id through the one onDone function, so a round trip creates no
// js.Func, no promise and no AbortController on the Go side: a handful of values cross the
// boundary each way. An answer with a text may instead arrive by the direct call
// appengage_answer(directID, id, status, retryAfterLength, textLength), the two texts
// written one after the other into the direct buffer (package direct), which is what the
// loader's port does whenever Go is not running. The port fetches with redirect: 'manual'
// and reads the body as a stream, stopping at maxBytes.
//
// Do waits for its answer on a goroutine, under the deadline the core keeps in its context
// (timeoutMs 0). Start is the same round trip for a caller on the JS thread (a core.Flight):
// its answer goes to a function, and the port enforces the attempt's timeout itself.
type Transport struct {
	port     js.Value
	onDone   js.Func
	directID int32 // this transport's number for appengage_answer

	mu      sync.Mutex
	nextID  float64
	pending map[float64]func(answer)
	// The JS string of the last body sent with a WireRequest.BodyID, sent again for a
	// request with the same id instead of encoding the same body again.
	bodyID uint64
	body   js.Value
	// The last method and URL sent as JS strings: calls of one client mostly send the same
	// (one visitor, one session), and each new JS string is a js.Value Go must track and
	// finalize (docs/benchmarks/wasm.md, "Direct calls").
	method, url lastString
}

// lastString is a Go string and the JS string made of it.
type lastString struct {
	s  string
	js js.Value
}

// jsString returns s as a JS string, the one kept in last when it holds the same text.
func (t *Transport) jsString(last *lastString, s string) js.Value {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last.s != s || last.js.IsUndefined() {
		*last = lastString{s, js.ValueOf(s)}
	}
	return last.js
}

// answer is what onDone delivered for one round trip.
type answer struct {
	resp     core.WireResponse // Body not yet decoded
	err      error
	timedOut bool // the port's timer (timeoutMs) ended it
}

// New connects a Transport to the exchange port; Close releases its callback.
func New(port js.Value) (*Transport, error) {
	t, known := convert.TypeOf(port)
	if !known || t != js.TypeObject {
		return nil, noPort()
	}
	for _, m := range []string{"connect", "send", "abort"} {
		var f js.Value
		if promise.Catch(func() { f = convert.SafeGet(port, m) }) != nil || f.Type() != js.TypeFunction {
			return nil, noPort()
		}
	}
	tr := &Transport{port: port, pending: map[float64]func(answer){}}
	tr.onDone = js.FuncOf(tr.done)
	tr.directID = live.Add(tr)
	if err := promise.Catch(func() { port.Call("connect", tr.onDone, tr.directID) }); err != nil {
		live.Remove(tr.directID)
		tr.onDone.Release()
		return nil, err
	}
	return tr, nil
}

// live numbers the transports not yet closed for appengage_answer.
var live direct.Registry[*Transport]

// directAnswer is the direct call of an answer with a text: the port wrote retryAfter
// (raLen bytes, -1 for none) and then the body text (textLen bytes) into the direct
// buffer. It reports 1 when the answer was taken, 0 when this transport is closed or the
// lengths do not fit, and then the port settles through onDone as before.
//
//go:wasmexport appengage_answer
//lint:ignore U1000 called from JS: a wasmexport function is an export of the module
func directAnswer(transport int32, id float64, status, raLen, textLen int32) (taken int32) {
	direct.Begin()
	defer direct.Done()
	t, open := live.Get(transport)
	if !open || status < 0 || status > 999 {
		return 0
	}
	ra, ok := "", true
	if raLen >= 0 {
		ra, ok = direct.Text(0, raLen)
	}
	text, ok2 := direct.Text(max(raLen, 0), textLen)
	if !ok || !ok2 {
		return 0
	}
	t.deliver(id, answer{resp: core.WireResponse{Status: int(status), RetryAfter: ra, Text: text}})
	return direct.Taken()
}

func noPort() error {
	return &core.Error{Code: core.CodeValidation, Message: "no fetch function: pass options.fetch",
		Problems: []core.Problem{{Field: "fetch", Message: "must be a function"}}}
}

// Close aborts the round trips under way, which end as network errors, disconnects the
// port and releases the callback.
func (t *Transport) Close() {
	t.mu.Lock()
	waiting := t.pending
	t.pending = map[float64]func(answer){}
	t.mu.Unlock()
	for id := range waiting {
		_ = promise.Catch(func() { t.port.Call("abort", id, false) }) // the port's own code: it does not throw
	}
	_ = promise.Catch(func() { t.port.Call("connect", js.Null()) })
	for _, then := range waiting {
		then(answer{err: errors.New("fetch: the client was closed")})
	}
	live.Remove(t.directID)
	t.onDone.Release()
}

// done is onDone, run by JS on the event loop: it only reads the answer and hands it on
// (deliver).
func (t *Transport) done(this js.Value, args []js.Value) any {
	id, kind := number(promise.Arg(args, 0)), number(promise.Arg(args, 1))
	var a answer
	switch {
	case kind == -1:
		a.err = &core.BodyTooLargeError{Status: int(number(promise.Arg(args, 2)))}
	case kind == -2:
		a.err = &promise.JSError{Value: promise.Arg(args, 2)}
	case kind == -3:
		a.err, a.timedOut = errors.New("fetch: aborted at the attempt's deadline"), true
	case kind != float64(int(kind)) || kind < 0 || kind > 999 || promise.Arg(args, 3).Type() != js.TypeString:
		a.err = errors.New("fetch did not return a usable Response")
	default:
		a.resp.Status = int(kind)
		if ra := promise.Arg(args, 2); ra.Type() == js.TypeString {
			a.resp.RetryAfter = ra.String()
		}
		a.resp.Text = promise.Arg(args, 3).String()
	}
	t.deliver(id, a)
	return nil
}

// deliver hands an answer to the round trip waiting for it (a buffered channel or a
// Flight's function, so it never blocks); one aborted meanwhile has nobody waiting and the
// answer is dropped.
func (t *Transport) deliver(id float64, a answer) {
	t.mu.Lock()
	then := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if then != nil {
		then(a)
	}
}

// Do makes one round trip. It returns an error only when no usable answer arrived: the
// context's error when it ended (the JS fetch is aborted, with a TimeoutError reason when
// the deadline passed), a *core.BodyTooLargeError, or the JS error of a failed fetch.
func (t *Transport) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	if err := ctx.Err(); err != nil {
		return core.WireResponse{}, err
	}
	ch := make(chan answer, 1)
	id, err := t.send(req, 0, func(a answer) {
		ch <- a
		direct.Woke()
	})
	if err != nil {
		return core.WireResponse{}, err
	}
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		t.abort(id, errors.Is(ctx.Err(), context.DeadlineExceeded))
		return core.WireResponse{}, ctx.Err()
	}
	o := finish(req, a)
	return o.Resp, o.Err
}

// Start makes one round trip for a caller on the JS thread: then receives its outcome once,
// on the JS thread, unless Stop comes first. The port stops the fetch at req.Timeout and
// the outcome then says TimedOut. A port that throws is an outcome too (Err), given before
// Start returns. The returned id is Stop's.
func (t *Transport) Start(req core.WireRequest, then func(core.Outcome)) float64 {
	id, err := t.send(req, req.Timeout.Milliseconds(), func(a answer) { then(finish(req, a)) })
	if err != nil {
		then(core.Outcome{Err: err})
	}
	return id
}

// Stop abandons round trip id (its caller was cancelled): its outcome is never delivered,
// and the port aborts the fetch.
func (t *Transport) Stop(id float64) { t.abort(id, false) }

// send registers then for a new round trip and hands the request to the port; timeoutMs,
// when above 0, is the port's own deadline for it.
func (t *Transport) send(req core.WireRequest, timeoutMs int64, then func(answer)) (float64, error) {
	body, err := t.requestBody(req)
	if err != nil {
		return 0, err
	}
	override := js.Null()
	if req.MethodOverride != "" {
		override = js.ValueOf(req.MethodOverride)
	}
	t.mu.Lock()
	t.nextID++
	id := t.nextID
	t.pending[id] = then
	t.mu.Unlock()
	if err := promise.Catch(func() {
		t.port.Call("send", id, t.jsString(&t.method, req.Method), t.jsString(&t.url, req.URL), override, body, float64(req.MaxBody), float64(timeoutMs))
	}); err != nil {
		t.forget(id)
		return 0, err
	}
	return id, nil
}

// abort forgets round trip id and, when it was still pending, has the port abort its fetch.
func (t *Transport) abort(id float64, timedOut bool) {
	if t.forget(id) {
		_ = promise.Catch(func() { t.port.Call("abort", id, timedOut) }) // the port's own code: it does not throw
	}
}

// finish turns what the port delivered for req into the round trip's outcome: the answer
// with its body decoded, or the error of a failure without a usable one.
func finish(req core.WireRequest, a answer) core.Outcome {
	if a.err != nil {
		var big *core.BodyTooLargeError
		if errors.As(a.err, &big) {
			big.Limit = req.MaxBody
		}
		return core.Outcome{Err: a.err, TimedOut: a.timedOut}
	}
	if req.MaxBody > 0 && int64(len(a.resp.Text)) > req.MaxBody {
		// The port caps streamed bodies itself; a fetch without a body stream hands over
		// the whole text, so the cap is checked here too.
		return core.Outcome{Err: &core.BodyTooLargeError{Status: a.resp.Status, Limit: req.MaxBody}}
	}
	a.resp.Body = parseBody(a.resp.Text)
	return core.Outcome{Resp: a.resp}
}

// number reads a number the port passed, NaN for anything else.
func number(v js.Value) float64 {
	if t, known := convert.TypeOf(v); known && t == js.TypeNumber {
		return v.Float()
	}
	return math.NaN()
}

// forget removes a round trip nobody will wait for; it reports whether it was still pending.
func (t *Transport) forget(id float64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.pending[id]
	delete(t.pending, id)
	return ok
}

// parseBody decodes a body as JSON whatever its Content-Type; text that is not JSON is
// returned as the string itself, and an empty body as nil.
func parseBody(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	tree, err := convert.DecodeJSON(s)
	if err != nil {
		return s
	}
	return tree
}

// requestBody is req.Body as the JSON text the exchange sends, or undefined when there is
// none (a GET); the last body with a BodyID is kept and sent again for the same id.
func (t *Transport) requestBody(req core.WireRequest) (js.Value, error) {
	if req.Body == nil {
		return js.Undefined(), nil
	}
	if req.BodyID != 0 {
		t.mu.Lock()
		id, body := t.bodyID, t.body
		t.mu.Unlock()
		if id == req.BodyID {
			return body, nil
		}
	}
	body, err := encodeBody(req.Body)
	if err == nil && req.BodyID != 0 {
		t.mu.Lock()
		t.bodyID, t.body = req.BodyID, body
		t.mu.Unlock()
	}
	return body, err
}

// encodeBody is a request body as the JSON text a JS exchange sends. Both of jsbridge's
// transports send bodies this way.
func encodeBody(tree any) (js.Value, error) {
	text, err := convert.EncodeJSON(tree)
	if err != nil {
		return js.Undefined(), convert.Internal("cannot encode the request body: " + err.Error())
	}
	return js.ValueOf(text), nil
}
