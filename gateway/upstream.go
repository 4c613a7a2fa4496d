package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/appengage/appengage/core"
)

// DomainCache keeps the msdkgw base resolved through CSDS for each account, so CSDS is not
// asked on every request (or, on Workers, in every isolate: there it is the Cache API).
type DomainCache interface {
	// Get returns the cached base URL for account, if there is a fresh one.
	Get(ctx context.Context, account string) (base string, ok bool)
	// Put stores the base URL for account for ttl.
	Put(ctx context.Context, account, base string, ttl time.Duration)
}

// MemoryDomains is a DomainCache in process memory. It is safe for concurrent use.
type MemoryDomains struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]domainEntry
}

type domainEntry struct {
	base    string
	expires time.Time
}

// NewMemoryDomains returns an empty MemoryDomains using now as its clock (nil = time.Now).
func NewMemoryDomains(now func() time.Time) *MemoryDomains {
	if now == nil {
		now = time.Now
	}
	return &MemoryDomains{now: now, entries: map[string]domainEntry{}}
}

// Get implements DomainCache.
func (m *MemoryDomains) Get(_ context.Context, account string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[account]
	if !ok || !m.now().Before(e.expires) {
		return "", false
	}
	return e.base, true
}

// Put implements DomainCache.
func (m *MemoryDomains) Put(_ context.Context, account, base string, ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[account] = domainEntry{base: base, expires: m.now().Add(ttl)}
}

// resolver finds the msdkgw base for an allowed account: the configured upstream, or the
// host CSDS names for the account. Nothing from the client's request reaches it but the
// account id, which the caller has checked against the allow-list.
type resolver struct {
	fixed     string // normalized Config.Upstream, "" for CSDS
	csds      string // normalized CSDS base
	transport core.Transport
	cache     DomainCache
	ttl       time.Duration
	timeout   time.Duration
	retry     core.RetryPolicy

	mu      sync.Mutex
	flights map[string]*flight // one CSDS lookup per account at a time
}

type flight struct {
	done chan struct{}
	base string
	err  error
}

func (r *resolver) base(ctx context.Context, account string) (string, error) {
	if r.fixed != "" {
		return r.fixed, nil
	}
	if b, ok := r.cache.Get(ctx, account); ok {
		return b, nil
	}
	r.mu.Lock()
	if f, ok := r.flights[account]; ok {
		r.mu.Unlock()
		select {
		case <-f.done:
			return f.base, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	if r.flights == nil {
		r.flights = map[string]*flight{}
	}
	r.flights[account] = f
	r.mu.Unlock()

	f.base, f.err = r.lookup(ctx, account)
	if f.err == nil {
		r.cache.Put(ctx, account, f.base, r.ttl)
	}
	r.mu.Lock()
	delete(r.flights, account)
	r.mu.Unlock()
	close(f.done)
	return f.base, f.err
}

// lookup asks CSDS for the account's msdkgw host with the core's lookup and retry policy:
// the same rules as every appengage client (both answer shapes; https, or http for a loopback
// host named by a plain-http loopback CSDS such as the simulator).
func (r *resolver) lookup(ctx context.Context, account string) (string, error) {
	return core.LookupDomain(ctx, core.Config{
		AccountID:      account,
		CSDSDomain:     r.csds,
		Transport:      r.transport,
		Retry:          r.retry,
		AttemptTimeout: r.timeout,
	})
}
