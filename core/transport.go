package core

import (
	"context"
	"strconv"
	"time"
)

// MaxResponseBody is the most bytes of a response body the client accepts (msdkgw and CSDS
// answers are well under 1 KB). It travels to the transport as WireRequest.MaxBody.
const MaxResponseBody = 1 << 20

// WireRequest is one HTTP round trip the client asks a Transport to make. Every field is the
// client's decision; the transport sends exactly this.
type WireRequest struct {
	// Method is the HTTP method to send: "GET", "POST" or "PUT" ("POST" for a PUT sent
	// under Config.MethodOverride).
	Method string
	// MethodOverride, when not "", is the value of an X-HTTP-Method-Override header to send:
	// the real method of a request sent as POST (Config.MethodOverride).
	MethodOverride string
	// URL is absolute and already escaped; its scheme and host passed the client's rule
	// (https, or plain http to a loopback host), so the transport does not check it again.
	URL string
	// Body is the JSON body as a value tree (map[string]any, []any, string, float64, bool,
	// nil) that the adapter encodes; nil for GET. A transport only reads it: the same tree
	// is sent again by later attempts and calls.
	Body any
	// BodyID, when not 0, names Body: requests with the same BodyID carry the same Body,
	// which nobody changes (every attempt of one call, and every call of one Prepared
	// request), so a transport may encode it once and send that encoding again. A
	// transport that ignores it encodes Body each time, which is just as correct.
	BodyID uint64
	// Timeout is this attempt's deadline, 0 for none. The client enforces it through the
	// context it gives Do; a transport may hand it to its host as well (nethttp does).
	Timeout time.Duration
	// MaxBody is the most body bytes to read. A transport stops reading past it and returns
	// a *BodyTooLargeError instead of the response.
	MaxBody int64
}

// WireResponse is what came back. A transport never follows a redirect: a 3xx is returned
// as it is, and Status 0 means a redirect whose status the host hides (a browser's
// fetch with redirect: 'manual' gives an "opaqueredirect" response without one).
type WireResponse struct {
	Status     int
	RetryAfter string // the Retry-After header, "" when absent
	// Body is the body decoded from JSON into a value tree (objects as map[string]any, arrays
	// as []any, numbers as float64 or, from nethttp, a json.Number-like value that keeps
	// large ids exact), whatever the Content-Type says; a body that is not JSON is given as
	// its text (a string), an empty one as nil. The core reads numbers through one helper
	// (asNumber), which also serves trees Go callers build by hand (int, Attribute...).
	Body any
	// Text is the body as received, for adapters that hand the server's own JSON text to
	// their caller (the JS module answers with JSON.parse of it); "" when the transport does
	// not keep it.
	Text string
}

// Transport makes one HTTP round trip. It returns an error only when there is no usable
// HTTP response (network failure, cancelled or timed-out attempt, a body over MaxBody);
// any status, including 3xx, 4xx and 5xx, is a WireResponse. Implementations: nethttp
// (native Go) and jsbridge's fetch transport. A Transport converts and forwards: retries,
// timeouts, scheme rules, method override, validation and sessions are the client's.
type Transport interface {
	Do(ctx context.Context, req WireRequest) (WireResponse, error)
}

// TransportFunc adapts a function to the Transport interface.
type TransportFunc func(ctx context.Context, req WireRequest) (WireResponse, error)

// Do calls f.
func (f TransportFunc) Do(ctx context.Context, req WireRequest) (WireResponse, error) {
	return f(ctx, req)
}

// BodyTooLargeError is what a Transport returns when a response body is longer than
// WireRequest.MaxBody. The client reports it as CodeServer with the status and does not
// retry it: the same server would send the same answer again.
type BodyTooLargeError struct {
	Status int   // the status of the response whose body was too large
	Limit  int64 // the MaxBody that was exceeded
}

// Error says which answer was too large and what the limit was.
func (e *BodyTooLargeError) Error() string {
	return "the HTTP " + strconv.Itoa(e.Status) + " response body is larger than " + strconv.FormatInt(e.Limit, 10) + " bytes"
}

// SessionStore persists the Session between calls and, for persistent stores, between
// runs. Load returns the zero Session when nothing is stored. Every method must return
// when ctx is done: the client gives it the caller's context, so a store that hangs ends in
// the caller's timeout or abort.
type SessionStore interface {
	Load(ctx context.Context) (Session, error)
	Save(ctx context.Context, s Session) error
	Clear(ctx context.Context) error
}
