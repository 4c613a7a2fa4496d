// Package nethttp is the native Go adapter of core.Transport: it speaks HTTP through
// net/http and JSON through encoding/json, and makes no policy decisions (retries,
// validation and sessions belong to core.Client).
package nethttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/wire"
)

// DefaultMaxBodyBytes is the largest response body Do reads unless WithMaxBodyBytes says
// otherwise. LivePerson's answers are a few hundred bytes; the limit only guards against a
// misbehaving server or proxy.
const DefaultMaxBodyBytes int64 = 1 << 20

// DefaultUserAgent is the User-Agent header sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "appengage-go/1"

// ErrBodyTooLarge is wrapped, together with a *core.BodyTooLargeError, by the error Do
// returns when a response body is larger than the limit (the smaller of WireRequest.MaxBody
// and WithMaxBodyBytes). The core finds the *core.BodyTooLargeError and ends the call as
// CodeServer with the status, without retrying.
var ErrBodyTooLarge = errors.New("nethttp: response body too large")

// sharedClient is the one keep-alive HTTP client every Transport uses unless given its own,
// so connections to the msdkgw and CSDS hosts are reused across clients and calls. It has no
// overall timeout: each attempt's deadline comes from WireRequest.Timeout or the context.
// It does not follow redirects: net/http would turn a redirected POST into a GET without its
// body, so a 3xx is returned as the answer (core reports it) instead of silently losing data.
var sharedClient = &http.Client{
	Transport:     newRoundTripper(),
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func newRoundTripper() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0, // the attempt's context bounds the whole exchange
	}
}

// Transport implements core.Transport over net/http. The zero value is not usable; call New.
// A Transport is safe for concurrent use.
type Transport struct {
	do        Exchange
	maxBody   int64
	userAgent string
}

// Exchange makes one HTTP round trip, as (*http.Client).Do does: it returns the response
// whatever its status, without following redirects, or an error when there is none.
type Exchange func(*http.Request) (*http.Response, error)

// Option configures a Transport.
type Option func(*Transport)

// WithHTTPClient makes the Transport send through c instead of the shared keep-alive client,
// e.g. to add a proxy, custom TLS roots or a test server's client. A nil c is ignored.
func WithHTTPClient(c *http.Client) Option {
	return func(t *Transport) {
		if c != nil {
			t.do = c.Do
		}
	}
}

// WithMaxBodyBytes sets the largest response body Do accepts (default DefaultMaxBodyBytes);
// a larger body makes Do fail with ErrBodyTooLarge. n <= 0 keeps the default. A request's
// own WireRequest.MaxBody, when smaller, wins.
func WithMaxBodyBytes(n int64) Option {
	return func(t *Transport) {
		if n > 0 {
			t.maxBody = n
		}
	}
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent); "" keeps the default.
func WithUserAgent(ua string) Option {
	return func(t *Transport) {
		if ua != "" {
			t.userAgent = ua
		}
	}
}

// New returns a Transport using the shared keep-alive client, a 1 MiB response limit and the
// default User-Agent, changed by opts.
func New(opts ...Option) *Transport {
	return NewWithExchange(sharedClient.Do, opts...)
}

// NewWithExchange returns a Transport that makes its round trips with do instead of an
// http.Client, for a host whose HTTP stack is not net/http's: the gateway on Cloudflare
// Workers sends through github.com/syumai/workers' fetch this way, and since nothing then
// reaches net/http's client, its HTTP/1, HTTP/2 and TLS code is not linked into the Worker
// (3.9 MB less wasm; docs/benchmarks/gateway.md). do must not follow redirects and should
// end when the request's context ends. Options apply as for New.
func NewWithExchange(do Exchange, opts ...Option) *Transport {
	t := &Transport{do: do, maxBody: DefaultMaxBodyBytes, userAgent: DefaultUserAgent}
	for _, o := range opts {
		o(t)
	}
	return t
}

var _ core.Transport = (*Transport)(nil)

// Do sends req and returns the status, the Retry-After header and the body decoded from JSON
// (numbers as json.Number so large ids stay exact) whatever the Content-Type; a body that is
// not JSON is returned as a string and an empty body as nil. It returns an error only when
// there is no complete HTTP response: the request could not be encoded or sent, the attempt's
// deadline (req.Timeout) or ctx ended, or the body exceeded the size limit (a
// *core.BodyTooLargeError, see ErrBodyTooLarge). A non-empty req.MethodOverride is sent as
// the X-HTTP-Method-Override header. Redirects are never followed (see New).
func (t *Transport) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	var body io.Reader
	if req.Body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(req.Body); err != nil {
			return core.WireResponse{}, fmt.Errorf("nethttp: encoding the %s body: %w", req.Method, err)
		}
		body = &buf
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return core.WireResponse{}, fmt.Errorf("nethttp: %w", err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", t.userAgent)
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if req.MethodOverride != "" {
		hreq.Header.Set(wire.MethodOverrideHeader, req.MethodOverride)
	}
	limit := t.maxBody
	if req.MaxBody > 0 && req.MaxBody < limit {
		limit = req.MaxBody
	}
	resp, err := t.do(hreq)
	if err != nil {
		return core.WireResponse{}, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		// Declared too large: refuse before downloading any of it.
		return core.WireResponse{}, tooLarge(resp.StatusCode, limit)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return core.WireResponse{}, fmt.Errorf("nethttp: reading the HTTP %d response body: %w", resp.StatusCode, err)
	}
	if int64(len(raw)) > limit {
		return core.WireResponse{}, tooLarge(resp.StatusCode, limit)
	}
	return core.WireResponse{
		Status:     resp.StatusCode,
		RetryAfter: resp.Header.Get("Retry-After"),
		Body:       Decode(raw),
	}, nil
}

// tooLarge is the error for a response body over limit: a *core.BodyTooLargeError (what the
// core acts on) that also matches ErrBodyTooLarge.
func tooLarge(status int, limit int64) error {
	return fmt.Errorf("%w: %w", ErrBodyTooLarge, &core.BodyTooLargeError{Status: status, Limit: limit})
}

// Decode turns a response body into a generic value tree: nil for an empty (or all-space)
// body, the JSON value (objects as map[string]any, numbers as json.Number) when the body is
// exactly one JSON value, and otherwise the body's text. It reads bodies exactly as the JS
// fetch transport (jsbridge/internal/fetch) does, so both clients take or refuse the same
// answers (testdata/faults.json): a leading UTF-8 byte order mark is dropped (fetch's text()
// drops it; RFC 8259 §8.1 lets a parser ignore it), only JSON's own whitespace may surround
// the value (RFC 8259 §2; a form feed makes it text), nesting deeper than core.MaxDepth makes
// it text (the one depth limit of every reader), and so does a number outside float64's
// range (the JS decoder has no value for it).
func Decode(raw []byte) any {
	raw = bytes.TrimPrefix(raw, utf8BOM)
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	trimmed := bytes.Trim(raw, jsonSpace)
	if JSONDepth(trimmed) > core.MaxDepth {
		return string(raw)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	if dec.InputOffset() != int64(len(trimmed)) {
		return string(raw) // trailing data: not one JSON value
	}
	if !finiteNumbers(v) {
		return string(raw)
	}
	return v
}

var utf8BOM = []byte("\ufeff")

// jsonSpace is RFC 8259's whitespace: space, tab, line feed, carriage return.
const jsonSpace = " \t\n\r"

// finiteNumbers reports whether every number in the tree v fits a float64. v is a decoded
// tree at most core.MaxDepth deep.
func finiteNumbers(v any) bool {
	switch t := v.(type) {
	case json.Number:
		_, err := strconv.ParseFloat(string(t), 64)
		return err == nil
	case map[string]any:
		for _, e := range t {
			if !finiteNumbers(e) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !finiteNumbers(e) {
				return false
			}
		}
	}
	return true
}
