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
	// Allowed reports whether the client was under its cap (and one visitor was reserved).
	Allowed bool
	// RetryAfter is how long until the client's window ends, when it was refused.
	RetryAfter time.Duration
	// Window identifies the window the reservation was counted in (its start), for Release.
	Window time.Time
}

// VisitorLimiter counts the new visitors each client creates per VisitorWindow. The key is
// the client's IP address. On Workers it is a Durable Object (one counter per client,
// consistent across isolates); natively an in-memory counter.
//
// The gateway reserves before it forwards any Create Session that may create a visitor (all
// of them: an invented vid creates one too) and releases the reservation when the upstream
// answer shows none was created, so concurrent requests cannot overshoot the cap.
type VisitorLimiter interface {
	// Reserve counts one visitor for client if that keeps it within limit, and says whether
	// it did.
	Reserve(ctx context.Context, client string, limit int) (Admission, error)
	// Release gives back one visitor reserved in window, if that window is still the
	// client's current one (a new window has started from zero anyway).
	Release(ctx context.Context, client string, window time.Time) error
}

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
func (m *MemoryLimiter) Reserve(_ context.Context, client string, limit int) (Admission, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.windows[client]
	if w == nil || now.Sub(w.start) >= VisitorWindow || now.Before(w.start) {
		if w == nil && len(m.windows) >= maxTrackedClients {
			m.sweep(now)
		}
		w = &window{start: now}
		m.windows[client] = w
	}
	if w.count >= limit {
		return Admission{RetryAfter: w.start.Add(VisitorWindow).Sub(now), Window: w.start}, nil
	}
	w.count++
	return Admission{Allowed: true, Window: w.start}, nil
}

// Release implements VisitorLimiter.
func (m *MemoryLimiter) Release(_ context.Context, client string, start time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w := m.windows[client]; w != nil && w.start.Equal(start) && w.count > 0 {
		w.count--
	}
	return nil
}

// sweep drops the windows that have ended; m.mu is held.
func (m *MemoryLimiter) sweep(now time.Time) {
	for k, w := range m.windows {
		if now.Sub(w.start) >= VisitorWindow {
			delete(m.windows, k)
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

// knownVisitors remembers, in this process, the visitor ids the upstream has confirmed (it
// answered with the vid it was given, or created it), per account, for knownVisitorTTL. A
// Create Session naming a known vid cannot create a visitor, so it takes no slot of the cap:
// many concurrent calls of returning visitors behind one address are not refused, while
// invented vids still are. Bounded like MemoryLimiter; entries are not personal data beyond
// the ids the gateway handles anyway, and are never logged.
type knownVisitors struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// knownVisitorTTL is LivePerson's session idle time: a visitor unused for longer may have
// been forgotten upstream.
const knownVisitorTTL = 30 * time.Minute

func (k *knownVisitors) has(account, vid string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.seen[account+"/"+vid]
	return ok && now.Sub(t) < knownVisitorTTL
}

func (k *knownVisitors) add(account, vid string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil {
		k.seen = map[string]time.Time{}
	}
	if len(k.seen) >= maxTrackedClients {
		for key, t := range k.seen {
			if now.Sub(t) >= knownVisitorTTL {
				delete(k.seen, key)
			}
		}
		if len(k.seen) >= maxTrackedClients {
			k.seen = map[string]time.Time{}
		}
	}
	k.seen[account+"/"+vid] = now
}
