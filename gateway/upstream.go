package gateway

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/wire"
)

// DomainCache is a cache of CSDS answers shared beyond one Go instance (on Workers, the
// Cache API), consulted by the core's resolver behind its own memory cache. It is
// core.DomainStore; natively none is needed.
type DomainCache = core.DomainStore

// singleAttempt is the gateway's retry policy upstream: none. The client retries (1 + 3
// attempts, LivePerson's 5/10/15 s pauses, the loading-account vid) and the gateway passes
// each answer, its error body and Retry-After through, so one user call makes at most four
// upstream attempts however the two are chained (docs/gateway.md "One retry layer").
var singleAttempt = core.RetryPolicy{Delays: []time.Duration{}}

// newResolver returns the msdkgw base finder of a gateway: the configured upstream, or the
// core's cached single-flight CSDS resolver (one attempt per lookup, like every upstream
// exchange of the gateway). Nothing from the client's request reaches it but the account id,
// which the caller has checked against the allow-list.
func newResolver(cfg Config) (func(ctx context.Context, account string) (string, error), error) {
	if cfg.Upstream != "" {
		base, err := core.NormalizeBase(cfg.Upstream)
		if err != nil {
			return nil, err
		}
		return func(context.Context, string) (string, error) { return base, nil }, nil
	}
	r, err := core.NewDomainResolver(core.Config{
		CSDSDomain:     cfg.CSDS,
		Transport:      cfg.Transport,
		Retry:          singleAttempt,
		AttemptTimeout: cfg.AttemptTimeout,
		DomainTTL:      cfg.DomainTTL,
		Now:            cfg.Now,
	}, cfg.Domains)
	if err != nil {
		return nil, err
	}
	return r.Resolve, nil
}

// lastAnswer is the upstream transport of one gateway request: it forwards to the gateway's
// transport and keeps the last answer, whose status, error body and Retry-After the gateway
// passes on to its client.
type lastAnswer struct {
	inner core.Transport
	mu    sync.Mutex
	resp  *core.WireResponse
}

func (l *lastAnswer) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	resp, err := l.inner.Do(ctx, req)
	if err == nil {
		l.mu.Lock()
		l.resp = &resp
		l.mu.Unlock()
	}
	return resp, err
}

func (l *lastAnswer) last() *core.WireResponse {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.resp
}

// maxRelayedMessage bounds the upstream error message passed on to clients.
const maxRelayedMessage = 256

// relayedError is the error body the gateway answers for an upstream error answer: the
// upstream's own LivePerson error body when it sent one (message cut to maxRelayedMessage
// bytes), otherwise — an HTML page from a proxy, a stack trace, an empty body — LivePerson's
// shape with a neutral message, so nothing of the upstream's internals reaches clients.
func relayedError(resp core.WireResponse, now int64) wire.ErrorBody {
	if b, ok := core.ParseErrorBody(resp.Body); ok {
		if _, isObject := resp.Body.(map[string]any); isObject {
			msg := b.Message
			if len(msg) > maxRelayedMessage {
				msg = strings.ToValidUTF8(msg[:maxRelayedMessage], "")
			}
			t := b.Time
			if t == 0 {
				t = now
			}
			return wire.ErrorBody{Time: t, Message: msg, InternalCode: b.InternalCode}
		}
	}
	code := wire.CodeNone
	if resp.Status >= 500 {
		code = wire.CodeInternal
	}
	return wire.ErrorBody{Time: now, Message: "upstream answered HTTP " + strconv.Itoa(resp.Status) + " without an error body", InternalCode: code}
}
