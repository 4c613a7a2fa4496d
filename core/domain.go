package core

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/appengage/appengage/wire"
)

// DefaultCSDSDomain is LivePerson's Domain API (CSDS) host, used when Config.CSDSDomain is "".
const DefaultCSDSDomain = "https://api.liveperson.net"

// DefaultDomainTTL is how long a msdkgw host found through CSDS is reused.
const DefaultDomainTTL = time.Hour

// ServiceName is the Domain API name of the App Engagement API.
const ServiceName = wire.Service

// NormalizeBase turns a configured service address into the base URL the client prefixes to
// API paths: "scheme://host[:port][/path]" without a trailing slash.
//
//   - A scheme is kept; only http and https are accepted (case-insensitive, written lower case).
//   - A bare host[:port] means https. A bare IPv6 literal may be given with or without brackets.
//   - Plain http is accepted only for loopback hosts (127.0.0.0/8, ::1, localhost), so that
//     the local simulator works and nothing else travels unencrypted.
//   - A path is kept as a prefix (for a proxy that serves the API under one), its trailing
//     slashes dropped: "https://h/", "https://h" and "h" are the same base.
//   - User info, a query, a fragment, spaces, backslashes and bad ports are refused.
//
// A refused address is a *Error with CodeValidation and one Problem on field "domain".
func NormalizeBase(domain string) (string, error) {
	return normalizeBase("domain", domain)
}

func normalizeBase(field, domain string) (string, error) {
	base, msg := parseBase(domain)
	if msg != "" {
		return "", &Error{Code: CodeValidation, Problems: []Problem{{Field: field, Message: msg}}}
	}
	return base, nil
}

// parseBase does NormalizeBase's work, returning a message instead of an error.
func parseBase(domain string) (base string, problem string) {
	s := strings.TrimSpace(domain)
	if s == "" {
		return "", "is empty: give a host such as va.v.liveperson.net or a URL"
	}
	scheme := "https"
	if i := strings.Index(s, "://"); i >= 0 {
		scheme = strings.ToLower(s[:i])
		if scheme != "http" && scheme != "https" {
			return "", "scheme " + quoteForMessage(s[:i]) + " is not supported: use https (or http for a loopback host)"
		}
		s = s[i+3:]
	}
	if strings.ContainsAny(s, " \t\r\n\\") {
		return "", "must not contain spaces or backslashes"
	}
	if strings.ContainsAny(s, "?#") {
		return "", "must not contain a query or fragment"
	}
	hostport, path := s, ""
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hostport, path = s[:i], strings.TrimRight(s[i:], "/")
	}
	if strings.Contains(hostport, "@") {
		return "", "must not contain user info"
	}
	host, port, msg := splitHostPort(hostport)
	if msg != "" {
		return "", msg
	}
	if scheme == "http" && !IsLoopbackHost(host) {
		return "", "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost): use https"
	}
	out := scheme + "://" + host
	if port != "" {
		out += ":" + port
	}
	return out + path, ""
}

// splitHostPort validates host[:port] and returns the host (IPv6 in brackets, names lower
// case) and the port digits ("" when absent).
func splitHostPort(hp string) (host, port, problem string) {
	if hp == "" {
		return "", "", "has no host"
	}
	if a, ok := parseIP(hp); ok && !a.is4 && a.zone == "" {
		return "[" + a.String() + "]", "", "" // bare IPv6 literal
	}
	if hp[0] == '[' {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", "has an unterminated IPv6 literal"
		}
		a, ok := parseIP(hp[1:end])
		if !ok || a.is4 || a.zone != "" {
			return "", "", "has an invalid IPv6 literal"
		}
		host, hp = "["+a.String()+"]", hp[end+1:]
		if hp != "" && hp[0] != ':' {
			return "", "", "has text after the IPv6 literal"
		}
	} else {
		host = hp
		if i := strings.LastIndexByte(hp, ':'); i >= 0 {
			host, hp = hp[:i], hp[i:]
		} else {
			hp = ""
		}
		host = strings.ToLower(host)
		if !validHostName(host) {
			return "", "", "host " + quoteForMessage(host) + " is not a valid host name or IPv4 address"
		}
	}
	if hp != "" {
		port = hp[1:]
		n, ok := parseDigits(port)
		if !ok || n < 1 || n > 65535 || len(port) > 5 {
			return "", "", "port " + quoteForMessage(port) + " must be a number from 1 to 65535"
		}
	}
	return host, port, ""
}

// validHostName accepts DNS names (letters, digits, '-', '.', labels of 1-63 characters not
// starting or ending with '-') and dotted IPv4 addresses.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	h = strings.TrimSuffix(h, ".")
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// IsLoopbackHost reports whether host — a URL's host without its port: a name, an IP
// literal, or a bracketed IPv6 literal — is localhost or a loopback address (127.0.0.0/8,
// IPv4-mapped included, or ::1). It is the one rule for "plain http is allowed": NormalizeBase,
// the CSDS answer and the JS fetch transport all apply it.
func IsLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" {
		return true
	}
	if strings.HasPrefix(h, "[") != strings.HasSuffix(h, "]") {
		return false // an unmatched bracket is no host at all
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	a, ok := parseIP(h)
	return ok && a.isLoopback()
}

// quoteForMessage quotes a short piece of configuration for an error message.
func quoteForMessage(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + s + "\""
}

// DomainStore is a cache of msdkgw hosts shared beyond one process, consulted by a
// DomainResolver behind its own memory (on Cloudflare Workers the gateway gives the Cache
// API, which every isolate of a location sees). Implementations must be safe for concurrent
// use; a failing store reports a miss and drops the Put.
type DomainStore interface {
	// Get returns the base URL kept for account and how long it stays fresh, if it has one.
	Get(ctx context.Context, account string) (base string, ttl time.Duration, ok bool)
	// Put keeps base for account for ttl.
	Put(ctx context.Context, account, base string, ttl time.Duration)
}

// domainResolver is the one cached, single-flight CSDS resolver of the module: a Client
// holds one for its account, the edge gateway one (DomainResolver) for every account it
// serves. Answers are kept in memory for ttl (and in shared, when set); a lookup made while
// one for the same account is under way waits for it and shares its answer.
type domainResolver struct {
	csds   string        // normalized CSDS base URL
	ttl    time.Duration // <= 0: nothing is cached
	shared DomainStore   // nil: memory only

	mu      sync.Mutex
	entries map[string]domainEntry
	flights map[string]*domainFlight
}

type domainEntry struct {
	base    string
	expires time.Time
}

// domainFlight is one lookup under way; done is closed when base/err are set.
type domainFlight struct {
	done chan struct{}
	base string
	err  error
	// callerGone is set when the lookup ended because its caller's context was done, so the
	// callers that waited for it must look up again rather than share that error.
	callerGone bool
}

// maxDomainEntries bounds the memory cache; past it, expired entries are swept and, if
// that frees nothing, the cache starts over (accounts are allow-listed, so it is not reached
// in practice).
const maxDomainEntries = 4096

// resolve returns account's msdkgw base: from memory, else from the shared store, else from
// lookup (one at a time per account).
func (r *domainResolver) resolve(ctx context.Context, account string, now func() time.Time, lookup func(context.Context) (string, error)) (string, error) {
	for {
		r.mu.Lock()
		if base, ok := r.freshLocked(account, now()); ok {
			r.mu.Unlock()
			return base, nil
		}
		if f := r.flights[account]; f != nil {
			r.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", contextError(ctx.Err())
			}
			if f.callerGone {
				continue
			}
			return f.base, f.err
		}
		f := &domainFlight{done: make(chan struct{})}
		if r.flights == nil {
			r.flights = map[string]*domainFlight{}
		}
		r.flights[account] = f
		r.mu.Unlock()

		ttl := r.ttl
		var fromShared bool
		if r.shared != nil && r.ttl > 0 {
			if b, left, ok := r.shared.Get(ctx, account); ok && left > 0 {
				f.base, fromShared = b, true
				ttl = min(ttl, left)
			}
		}
		if !fromShared {
			f.base, f.err = lookup(ctx)
			f.callerGone = f.err != nil && ctx.Err() != nil
			if f.err == nil && r.shared != nil && r.ttl > 0 {
				r.shared.Put(ctx, account, f.base, r.ttl)
			}
		}
		r.mu.Lock()
		if f.err == nil && ttl > 0 {
			if r.entries == nil || len(r.entries) >= maxDomainEntries {
				r.sweep(now())
			}
			r.entries[account] = domainEntry{base: f.base, expires: now().Add(ttl)}
		}
		delete(r.flights, account)
		r.mu.Unlock()
		close(f.done)
		return f.base, f.err
	}
}

// sweep drops expired entries, or all of them when none has expired; r.mu is held.
func (r *domainResolver) sweep(now time.Time) {
	for k, e := range r.entries {
		if !now.Before(e.expires) {
			delete(r.entries, k)
		}
	}
	if r.entries == nil || len(r.entries) >= maxDomainEntries {
		r.entries = map[string]domainEntry{}
	}
}

// forget drops account's cached host, so that the next call asks CSDS again.
func (r *domainResolver) forget(account string) {
	r.mu.Lock()
	delete(r.entries, account)
	r.mu.Unlock()
}

// baseURL returns the msdkgw base URL: the configured one, or the one CSDS gives.
func (c *Client) baseURL(ctx context.Context) (string, error) {
	if c.fixedBase != "" {
		return c.fixedBase, nil
	}
	return c.domains.resolve(ctx, c.account, c.now, c.lookupDomain)
}

// freshBase is baseURL when that needs no waiting: the configured base, or a CSDS answer
// still fresh; false otherwise.
func (c *Client) freshBase() (string, bool) {
	if c.fixedBase != "" {
		return c.fixedBase, true
	}
	return c.domains.cached(c.account, c.now())
}

// cached returns account's host when the cache holds a fresh one.
func (r *domainResolver) cached(account string, now time.Time) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.freshLocked(account, now)
}

// freshLocked is cached for a caller holding r.mu.
func (r *domainResolver) freshLocked(account string, now time.Time) (string, bool) {
	if e, ok := r.entries[account]; ok && now.Before(e.expires) {
		return e.base, true
	}
	return "", false
}

// forgetDomain drops the cached msdkgw host, so that the next call asks CSDS again.
func (c *Client) forgetDomain() {
	if c.domains != nil {
		c.domains.forget(c.account)
	}
}

// DomainResolver finds the msdkgw base URL of any account through CSDS for servers that
// serve many accounts (the edge gateway), with the Client's rules, cache and single flight:
// the answer is kept for the TTL in memory (and in a shared DomainStore when given), and
// concurrent requests for one account share one lookup. It is safe for concurrent use.
type DomainResolver struct {
	cfg Config
	r   domainResolver
}

// NewDomainResolver returns a DomainResolver asking CSDS at cfg.CSDSDomain (""
// = DefaultCSDSDomain) through cfg.Transport under cfg.Retry and cfg.AttemptTimeout, keeping
// answers for cfg.DomainTTL (0 = DefaultDomainTTL, negative = not kept) and, when shared is
// not nil, in shared too. cfg.AccountID, cfg.Domain and cfg.Store are ignored. A bad cfg is a
// CodeValidation *Error, as from NewClient.
func NewDomainResolver(cfg Config, shared DomainStore) (*DomainResolver, error) {
	cfg.AccountID, cfg.Domain, cfg.Store = "0", "", nil
	c, err := NewClient(cfg) // checks cfg exactly as a Client would
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &DomainResolver{cfg: cfg, r: domainResolver{csds: c.domains.csds, ttl: c.domains.ttl, shared: shared}}, nil
}

// Resolve returns the msdkgw base URL of account (which the caller has checked). Failures
// are *Error with CodeDomainLookup, or CodeAborted/CodeTimeout when ctx ended.
func (d *DomainResolver) Resolve(ctx context.Context, account string) (string, error) {
	return d.r.resolve(ctx, account, d.cfg.Now, func(ctx context.Context) (string, error) {
		cfg := d.cfg
		cfg.AccountID = account
		return LookupDomain(ctx, cfg)
	})
}

// lookupDomain asks CSDS for the msdkgw host, under the retry policy. Failures other than
// the caller's cancellation or deadline are CodeDomainLookup, with the Status of the last
// answer when there was one and the underlying error in Err.
func (c *Client) lookupDomain(ctx context.Context) (string, error) {
	u := c.domains.csds + wire.DomainPath(escapeURLComponent(c.account), ServiceName) + "?version=" + wire.Version
	resp, err := c.retried(ctx, retriedCall{method: "GET", url: func(string) string { return u }}, nil)
	if err != nil {
		e, _ := err.(*Error)
		if e != nil && (e.Code == CodeAborted || ctx.Err() != nil) {
			return "", err
		}
		out := &Error{Code: CodeDomainLookup, Message: "CSDS lookup of " + ServiceName + " failed", Err: err}
		if e != nil {
			out.Status, out.InternalCode, out.Time = e.Status, e.InternalCode, e.Time
			if e.Message != "" {
				out.Message += ": " + e.Message
			}
		}
		return "", out
	}
	host, ok := csdsBaseURI(resp.Body)
	if !ok {
		return "", &Error{Code: CodeDomainLookup, Status: resp.Status, Message: "CSDS answer names no " + ServiceName + " baseURI"}
	}
	h, port, msg := splitHostPort(host)
	if msg != "" || strings.ContainsAny(host, "/@?#") {
		return "", &Error{Code: CodeDomainLookup, Status: resp.Status, Message: "CSDS answer has an invalid " + ServiceName + " baseURI " + quoteForMessage(host)}
	}
	scheme := "https"
	if strings.HasPrefix(c.domains.csds, "http://") && IsLoopbackHost(h) {
		scheme = "http" // a plain-http loopback CSDS pointing at a loopback host: the simulator
	}
	base := scheme + "://" + h
	if port != "" {
		base += ":" + port
	}
	return base, nil
}

// csdsBaseURI reads the msdkgw host from a CSDS answer of either shape: one object
// {service, account, baseURI}, or {baseURIs: [{service, account, baseURI}, ...]}.
func csdsBaseURI(body any) (string, bool) {
	m, ok := body.(map[string]any)
	if !ok {
		return "", false
	}
	if list, ok := m["baseURIs"].([]any); ok {
		for _, item := range list {
			e, ok := item.(map[string]any)
			if !ok {
				continue
			}
			if svc, _ := e["service"].(string); strings.EqualFold(svc, ServiceName) {
				host, _ := e["baseURI"].(string)
				host = strings.TrimSpace(host)
				return host, host != ""
			}
		}
		return "", false
	}
	if svc, present := m["service"]; present {
		if s, _ := svc.(string); !strings.EqualFold(s, ServiceName) {
			return "", false
		}
	}
	host, _ := m["baseURI"].(string)
	host = strings.TrimSpace(host)
	return host, host != ""
}

// escapeURLComponent percent-encodes every byte except the unreserved characters
// A-Z a-z 0-9 - . _ ~ (RFC 3986) and ':', so the result is safe in a path segment (after the
// first) and in a query value, and well-formed ids pass unchanged. net/url is not used because it pulls fmt and reflect into the WebAssembly module.
func escapeURLComponent(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func isUnreserved(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == ':'
}
