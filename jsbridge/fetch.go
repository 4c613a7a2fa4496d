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
// (aborted when its context ends or its Timeout passes), the body limit and the decoding.
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

// errAttemptTimeout is the cause of an attempt that ran out of its own Timeout.
var errAttemptTimeout = context.DeadlineExceeded

// Do makes one HTTP exchange. It returns an error only when no response arrived: the
// context's error when the caller cancelled or the attempt timed out (wrapping
// context.DeadlineExceeded for the attempt's own timeout), else a network error.
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
	attemptCtx, cancel := ctx, context.CancelFunc(func() {})
	if req.Timeout > 0 && !deadlineWithin(ctx, req.Timeout) {
		attemptCtx, cancel = context.WithTimeoutCause(ctx, req.Timeout, errAttemptTimeout)
	}
	defer cancel()

	controller := abortController.New()
	stop := context.AfterFunc(attemptCtx, func() {
		defer func() { recover() }()
		controller.Call("abort")
	})
	defer stop()

	p, err := safeInvoke(t.exchange, req.URL, req.Method, body, controller)
	if err != nil {
		return core.WireResponse{}, err
	}
	result, err := Await(attemptCtx, p)
	if err != nil {
		return core.WireResponse{}, t.failure(attemptCtx, err)
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

// deadlineWithin reports whether ctx already ends within d, as it does when the core's
// client calls Do (it puts each attempt under its timeout before calling the transport): a
// second timer for the same deadline would only cost time.
func deadlineWithin(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) <= d
}

// safeInvoke calls fn, returning a synchronous JS exception as an error.
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

// failure turns a rejected fetch into the error the client classifies: the context's
// cause when the attempt was aborted by us, the JS reason otherwise.
func (t *FetchTransport) failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil {
			return cause
		}
		return ctx.Err()
	}
	return err
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
		if isLoopback(hostOf(url[len("http://"):])) {
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

// hostOf returns the host of the authority at the start of rest, without port or brackets.
func hostOf(rest string) string {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i >= 0 {
			return rest[1:i]
		}
		return rest
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	return core.IsLoopbackIP(host)
}
