//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/appengage/appengage/core"
)

// maxBodyBytes bounds a response body; msdkgw and CSDS answers are well under 1 KB.
const maxBodyBytes = 1 << 20

// FetchTransport is a core.Transport over the host's fetch (the browser's, Node's undici,
// Electron's net.fetch or any function with the same contract). The loader wraps fetch in an
// exchange function, one promise per HTTP exchange:
//
//	exchange(url, method, body, controller) → Promise<[status, retryAfter | null, text]>
//
// so an exchange costs a handful of calls across the Go/JS boundary instead of one per
// header, property and promise. Bodies cross as JSON text in one string each way (see
// json.go). Go keeps the policy: the scheme check, the AbortController behind every attempt
// (aborted when its context ends, or by a host setTimeout when its Timeout passes), the body
// limit and the decoding.
// Plain http is refused except to loopback hosts, so a misconfigured domain cannot leak a
// visitor's data in clear text.
type FetchTransport struct {
	exchange js.Value
}

var abortController = js.Global().Get("AbortController")

// NewFetchTransport returns a transport over the loader's exchange function.
func NewFetchTransport(exchange js.Value) (*FetchTransport, error) {
	if exchange.Type() != js.TypeFunction {
		return nil, &core.Error{Code: core.CodeValidation, Message: "no fetch function: pass options.fetch",
			Problems: []core.Problem{{Field: "fetch", Message: "must be a function"}}}
	}
	return &FetchTransport{exchange: exchange}, nil
}

// maxHostTimeout is the longest delay setTimeout keeps (2^31-1 ms, about 24.8 days); hosts
// fire a longer one at once, so an attempt timeout beyond it is treated as none.
const maxHostTimeout = (1<<31 - 1) * time.Millisecond

// timeoutReason is what the controller of a timed-out attempt is aborted with, so that the
// exchange function and fetch see why.
var timeoutReason = func() js.Value {
	e := js.Global().Get("Error").New("appengage: the attempt timed out")
	e.Set("name", "TimeoutError")
	return e
}()

// AttemptTimeoutError is what Do returns for an attempt that ran out of its Timeout (the
// host timer aborted its fetch). It matches context.DeadlineExceeded under errors.Is and
// reports Timeout() true, so the core's client retries it and reports CodeTimeout, exactly
// as for its own attempt deadline.
type AttemptTimeoutError struct {
	After time.Duration // the attempt's Timeout
}

// Error says that the attempt timed out and after how long.
func (e *AttemptTimeoutError) Error() string {
	return "attempt timed out after " + e.After.String()
}

// Timeout reports true: this is a timeout.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// Is matches context.DeadlineExceeded.
func (e *AttemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// EnforcesAttemptTimeout reports true (core.AttemptTimeoutEnforcer): Do bounds each attempt
// by its Timeout with the host's setTimeout, so the core's client adds no Go timer. On
// js/wasm a Go timer costs more than the timer itself: the runtime re-arms a JS timeout for
// its next deadline whenever it goes idle, which with real round trips is nearly every call.
func (t *FetchTransport) EnforcesAttemptTimeout() bool { return true }

// Do makes one HTTP exchange. It returns an error only when no response arrived: the
// context's error when the caller cancelled, an *AttemptTimeoutError when the attempt ran
// out of its Timeout (a host timer aborts the exchange's controller with a TimeoutError
// and ends the wait, even if the exchange ignores the abort), else a network error.
func (t *FetchTransport) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	if err := checkScheme(req.URL); err != nil {
		return core.WireResponse{}, err
	}
	if err := ctx.Err(); err != nil {
		return core.WireResponse{}, err
	}
	body := js.Undefined()
	if req.Body != nil {
		text, err := EncodeJSON(req.Body)
		if err != nil {
			return core.WireResponse{}, internalError("cannot encode the request body: " + err.Error())
		}
		body = js.ValueOf(text)
	}

	controller := abortController.New()
	abort := func(reason any) {
		defer func() { recover() }()
		controller.Call("abort", reason)
	}
	stop := context.AfterFunc(ctx, func() { abort(js.Undefined()) })
	defer stop()
	var timer *hostTimer
	if req.Timeout > 0 && req.Timeout <= maxHostTimeout {
		timer = &hostTimer{after: req.Timeout, onFire: func() { abort(timeoutReason) },
			err: &AttemptTimeoutError{After: req.Timeout}}
	}

	p, err := safeInvoke(t.exchange, req.URL, req.Method, body, controller)
	if err != nil {
		return core.WireResponse{}, err
	}
	result, err := await(ctx, p, timer)
	if err != nil {
		if ctx.Err() != nil {
			return core.WireResponse{}, ctx.Err()
		}
		return core.WireResponse{}, err
	}
	out, jsText, err := exchangeResult(result)
	if err != nil {
		return core.WireResponse{}, err
	}
	text := jsText.String()
	if len(text) > maxBodyBytes {
		return core.WireResponse{}, errors.New("fetch: response body larger than 1 MiB")
	}
	out.Body = parseBody(text)
	if m, ok := out.Body.(map[string]any); ok {
		if c, ok := ctx.Value(captureKey{}).(*bodyCapture); ok {
			c.add(m, jsText)
		}
	}
	return out, nil
}

// safeInvoke calls fn (the exchange function, setTimeout, clearTimeout), returning a
// synchronous JS exception as an error.
func safeInvoke(fn js.Value, args ...any) (out js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("fetch threw: " + panicText(r))
		}
	}()
	return fn.Invoke(args...), nil
}

// exchangeResult reads [status, retryAfter, text] from the exchange function; the text stays
// a JS string (see bodyCapture).
func exchangeResult(v js.Value) (out core.WireResponse, text js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("fetch did not return a usable Response: " + panicText(r))
		}
	}()
	status, retryAfter, body := safeGet(v, 0), safeGet(v, 1), safeGet(v, 2)
	if status.Type() != js.TypeNumber || body.Type() != js.TypeString {
		return out, js.Undefined(), errors.New("fetch did not return a usable Response")
	}
	out.Status = status.Int()
	if retryAfter.Type() == js.TypeString {
		out.RetryAfter = retryAfter.String()
	}
	return out, body, nil
}

type captureKey struct{}

// bodyCapture remembers the JSON text of the object bodies a call received, so that the
// response handed back to JS can be JSON.parse of the server's own text: the exact object
// the server sent, in its key order, built with one call instead of one per value. The text
// is kept as the JS string fetch gave, so it does not cross back from Go.
type bodyCapture struct {
	mu    sync.Mutex
	texts map[uintptr]js.Value
}

func withBodyCapture(ctx context.Context) (context.Context, *bodyCapture) {
	c := &bodyCapture{}
	return context.WithValue(ctx, captureKey{}, c), c
}

func (c *bodyCapture) add(m map[string]any, text js.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.texts == nil {
		c.texts = map[uintptr]js.Value{}
	}
	c.texts[reflect.ValueOf(m).Pointer()] = text
}

// jsValue returns the JS form of tree: the parsed server text when tree is a body this call
// received, else a conversion.
func (c *bodyCapture) jsValue(tree map[string]any) (js.Value, error) {
	c.mu.Lock()
	text, ok := c.texts[reflect.ValueOf(tree).Pointer()]
	c.mu.Unlock()
	if ok {
		return jsJSON.Call("parse", text), nil
	}
	return ToJS(tree)
}

// parseBody decodes a body as JSON whatever its Content-Type; text that is not JSON is
// returned as the string itself, and an empty body as nil.
func parseBody(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	tree, err := DecodeJSON(s)
	if err != nil {
		return s
	}
	return tree
}

// checkScheme allows https anywhere and http only to loopback hosts.
func checkScheme(url string) error {
	switch {
	case strings.HasPrefix(url, "https://"):
		return nil
	case strings.HasPrefix(url, "http://"):
		if core.IsLoopbackHost(hostOf(url[len("http://"):])) {
			return nil
		}
	}
	return &core.Error{Code: core.CodeValidation, Message: "refusing to send to " + schemeOf(url) +
		": only https, or http to a loopback host, is allowed"}
}

func schemeOf(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[:i+3] + "..."
	}
	return "a URL without a scheme"
}

// hostOf returns the host of the authority at the start of rest, without its port (an IPv6
// literal keeps its brackets, as core.IsLoopbackHost takes it).
func hostOf(rest string) string {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i >= 0 {
			return rest[:i+1]
		}
		return rest
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
