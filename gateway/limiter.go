package gateway

import (
	"context"
	"sync"
	"time"
)

// VisitorWindow is the period the visitor cap counts over.
const VisitorWindow = time.Minute

// Admission is a VisitorLimiter's answer for one client.
type Admission struct {
	// Allowed reports whether the client was under its cap (and one visitor was reserved),
	// or the vid was a known one.
	Allowed bool
	// Known reports that the vid named in Reserve is one the limiter saw confirmed for this
	// client: nothing was reserved.
	Known bool
	// RetryAfter is how long until the client's window ends, when it was refused.
	RetryAfter time.Duration
	// Window identifies the window the reservation was counted in (its start), for Settle.
	Window time.Time
}

// VisitorLimiter counts the new visitors each client creates per VisitorWindow. The key is
// the client's IP address. On Workers it is a Durable Object (one counter per client,
// consistent across isolates); natively an in-memory counter.
//
// The gateway reserves before it forwards any Create Session that may create a visitor (all
// of them but those naming a visitor the upstream confirmed: an invented vid creates one
// too), so concurrent requests cannot overshoot the cap, and settles after the answer.
type VisitorLimiter interface {
	// Reserve counts one visitor for client if that keeps it within limit, and says whether
	// it did. vid is the visitor id the request names ("" for none); a vid confirmed for this
	// client before (Settle) reserves nothing and is allowed, with Known set.
	Reserve(ctx context.Context, client string, limit int, vid string) (Admission, error)
	// Settle ends a reservation made in window: giveBack returns the slot (no visitor was
	// created), if that window is still the client's current one; confirmed, when not "",
	// is a visitor id the upstream answered with, remembered for the client for
	// KnownVisitorTTL so that its later calls reserve nothing.
	Settle(ctx context.Context, client string, window time.Time, giveBack bool, confirmed string) error
}

// KnownVisitorTTL is how long a confirmed visitor id is remembered: LivePerson's session idle
// time (a visitor unused for longer may have been forgotten upstream).
const KnownVisitorTTL = 30 * time.Minute

// maxKnownPerClient bounds the confirmed visitor ids remembered per client.
const maxKnownPerClient = 1000

// MemoryLimiter is a VisitorLimiter for one process: a fixed one-minute window per client.
// It is safe for concurrent use.
type MemoryLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
	known confirmedSet // the visitor ids confirmed for this client
}

// maxTrackedClients bounds the MemoryLimiter's map; past it, ended windows are swept.
const maxTrackedClients = 10000

// NewMemoryLimiter returns an empty MemoryLimiter using now as its clock (nil = time.Now).
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, windows: map[string]*window{}}
}

// Reserve implements VisitorLimiter.
func (m *MemoryLimiter) Reserve(_ context.Context, client string, limit int, vid string) (Admission, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.windows[client]
	if w == nil {
		if len(m.windows) >= maxTrackedClients {
			m.sweep(now)
		}
		w = &window{start: now}
		m.windows[client] = w
	}
	if vid != "" && w.known.has(vid, now) {
		return Admission{Allowed: true, Known: true, Window: w.start}, nil
	}
	if now.Sub(w.start) >= VisitorWindow || now.Before(w.start) {
		w.start, w.count = now, 0
	}
	if w.count >= limit {
		return Admission{RetryAfter: w.start.Add(VisitorWindow).Sub(now), Window: w.start}, nil
	}
	w.count++
	return Admission{Allowed: true, Window: w.start}, nil
}

// Settle implements VisitorLimiter.
func (m *MemoryLimiter) Settle(_ context.Context, client string, start time.Time, giveBack bool, confirmed string) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.windows[client]
	if w == nil {
		return nil
	}
	if giveBack && w.start.Equal(start) && w.count > 0 {
		w.count--
	}
	if confirmed != "" {
		w.known = w.known.add(confirmed, now, maxKnownPerClient)
	}
	return nil
}

// sweep drops the clients whose window has ended and who have no confirmed visitors; m.mu
// is held.
func (m *MemoryLimiter) sweep(now time.Time) {
	for k, w := range m.windows {
		if now.Sub(w.start) >= VisitorWindow && len(w.known) == 0 {
			delete(m.windows, k)
		}
	}
	if len(m.windows) >= maxTrackedClients {
		for k, w := range m.windows {
			if now.Sub(w.start) >= VisitorWindow {
				delete(m.windows, k)
			}
		}
	}
}

// blockList remembers, in this process, which clients are past their cap and until when,
// so their requests are refused without asking the limiter. It is bounded like
// MemoryLimiter.
type blockList struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (b *blockList) blocked(client string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[client]
	if !ok {
		return 0, false
	}
	if !now.Before(t) {
		delete(b.until, client)
		return 0, false
	}
	return t.Sub(now), true
}

func (b *blockList) block(client string, until time.Time, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if len(b.until) >= maxTrackedClients {
		for k, t := range b.until {
			if !now.Before(t) {
				delete(b.until, k)
			}
		}
	}
	b.until[client] = until
}

// knownVisitors remembers, in this process (on Workers: this Go instance), the visitor ids
// the upstream has confirmed (it answered with the vid it was given, or created it), per
// account, for KnownVisitorTTL: a Create Session naming one cannot create a visitor, so it
// is forwarded without asking the limiter at all (no Durable Object round trip in the
// steady state). The limiter keeps the same facts per client for the other instances.
// Bounded like MemoryLimiter; never logged.
type knownVisitors struct {
	mu   sync.Mutex
	seen confirmedSet // keyed by account + "/" + vid
}

func (k *knownVisitors) has(account, vid string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen.has(account+"/"+vid, now)
}

func (k *knownVisitors) add(account, vid string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seen = k.seen.add(account+"/"+vid, now, maxTrackedClients)
}

// confirmedSet holds visitor ids with the time the upstream last confirmed each; one counts
// as known for KnownVisitorTTL. The limiter's per-client windows and knownVisitors share it.
type confirmedSet map[string]time.Time

func (s confirmedSet) has(key string, now time.Time) bool {
	t, ok := s[key]
	return ok && now.Sub(t) < KnownVisitorTTL
}

// add records key as confirmed at now and returns the set, a new one when s was nil. At
// limit entries the expired ones are dropped first, and all of them if none had expired, so
// the set stays bounded.
func (s confirmedSet) add(key string, now time.Time, limit int) confirmedSet {
	if s == nil {
		s = confirmedSet{}
	}
	if len(s) >= limit {
		for k, t := range s {
			if now.Sub(t) >= KnownVisitorTTL {
				delete(s, k)
			}
		}
		if len(s) >= limit {
			s = confirmedSet{}
		}
	}
	s[key] = now
	return s
}
