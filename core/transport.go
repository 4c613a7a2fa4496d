package core

import (
	"context"
	"time"
)

// WireRequest is one HTTP exchange the client asks a Transport to make. Body is a generic
// value tree (map[string]any, []any, string, float64, bool, nil) that the adapter encodes as
// JSON; it is nil for GET.
type WireRequest struct {
	Method  string        // "GET", "POST" or "PUT"
	URL     string        // absolute URL, already escaped
	Body    any           // JSON body as a value tree, nil for none
	Timeout time.Duration // deadline for this one attempt, 0 for none
}

// WireResponse is what came back: the status, the Retry-After header and the body decoded
// from JSON into a generic value tree (nil when the body was empty). Adapters decode JSON
// whatever the Content-Type says; a body that is not JSON is given as its text (a string).
type WireResponse struct {
	Status     int
	RetryAfter string // the Retry-After header, "" when absent
	Body       any
}

// Transport makes one HTTP exchange. It returns an error only when there is no HTTP
// response (network failure, cancelled or timed-out attempt); any status, including 4xx and
// 5xx, is a WireResponse. Implementations: nethttp (native Go) and jsbridge (JS fetch).
// A Transport makes no policy decisions: retries, validation and session handling are the
// client's.
type Transport interface {
	Do(ctx context.Context, req WireRequest) (WireResponse, error)
}

// AttemptTimeoutEnforcer is implemented by a Transport that bounds each exchange by
// WireRequest.Timeout itself. When EnforcesAttemptTimeout reports true, the client hands such
// a transport its own context (no per-attempt deadline of the client's) and relies on the
// transport to end an attempt whose Timeout passed with an error that matches
// context.DeadlineExceeded (errors.Is), which the client treats exactly like its own attempt
// timeout: retried, and reported as CodeTimeout when no attempt is left. The caller's
// cancellation must still end Do at once. jsbridge's fetch transport implements it (a
// setTimeout in the host, which costs less there than a Go timer); nethttp does not.
type AttemptTimeoutEnforcer interface {
	EnforcesAttemptTimeout() bool
}

// TransportFunc adapts a function to the Transport interface.
type TransportFunc func(ctx context.Context, req WireRequest) (WireResponse, error)

// Do calls f.
func (f TransportFunc) Do(ctx context.Context, req WireRequest) (WireResponse, error) {
	return f(ctx, req)
}

// SessionStore persists the Session between calls and, for persistent stores, between
// runs. Load returns the zero Session when nothing is stored.
type SessionStore interface {
	Load(ctx context.Context) (Session, error)
	Save(ctx context.Context, s Session) error
	Clear(ctx context.Context) error
}
