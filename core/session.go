package core

import (
	"context"
	"sync"
)

// MemoryStore is the default SessionStore: the session lives as long as the process. It is
// safe for concurrent use.
type MemoryStore struct {
	mu sync.Mutex
	s  Session
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Load returns the stored session, the zero Session when there is none.
func (m *MemoryStore) Load(ctx context.Context) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s, nil
}

// Save replaces the stored session.
func (m *MemoryStore) Save(ctx context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = s
	return nil
}

// Immediate reports true: a MemoryStore never waits (see ImmediateStore).
func (m *MemoryStore) Immediate() bool { return true }

// Clear forgets the stored session.
func (m *MemoryStore) Clear(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = Session{}
	return nil
}

// sessionGate makes the client's session changes atomic and lets concurrent calls that
// find no session share one Create Session: the first creates, the others wait for it and
// then use the ids it stored (one visitor, not N).
//
// The store is the caller's and may be slow or hang (a file on a stuck disk, a remote
// key-value service), so its I/O never runs under a lock that others wait on without their
// context: the gate is a one-slot semaphore that a waiting call leaves when its context
// ends, and the store itself is given the holder's context.
type sessionGate struct {
	slot     chan struct{} // holds one token while a call reads or writes the store (made by NewClient)
	mu       sync.Mutex    // guards creating only; never held during store I/O
	creating chan struct{} // non-nil while a Create Session without ids is under way
}

// lock takes the store slot, or returns the caller's timeout or abort when ctx ends first.
func (g *sessionGate) lock(ctx context.Context) error {
	if g.tryLock() {
		return nil
	}
	select {
	case g.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return contextError(ctx.Err())
	}
}

func (g *sessionGate) unlock() { <-g.slot }

// tryLock takes the store slot when it is free, without waiting.
func (g *sessionGate) tryLock() bool {
	select {
	case g.slot <- struct{}{}:
		return true
	default:
		return false
	}
}

// storeError reports a SessionStore failure. When the caller's context ended meanwhile, the
// store most likely gave up because of it: that is the caller's timeout or abort. Otherwise
// the store is the caller's, so its failure is neither a network nor a validation problem.
func storeError(ctx context.Context, op string, err error) *Error {
	if cerr := ctx.Err(); cerr != nil {
		e := contextError(cerr)
		e.Message += " while the session store was busy (" + op + ")"
		return e
	}
	return &Error{Code: CodeInternal, Message: "session store: " + op + " failed: " + err.Error(), Err: err}
}

// acquire returns the stored session to reuse, or, when there is none, makes the caller the
// creator: it then gets create=true and must call release when its Create Session is over.
// Callers that find a creation under way wait for it (or for ctx) and look again.
func (c *Client) acquire(ctx context.Context) (s Session, create bool, err error) {
	g := &c.gate
	for {
		if err := g.lock(ctx); err != nil {
			return Session{}, false, err
		}
		s, err = c.store.Load(ctx)
		if err != nil {
			g.unlock()
			return Session{}, false, storeError(ctx, "load", err)
		}
		if !s.IsZero() {
			g.unlock()
			return s, false, nil
		}
		g.mu.Lock()
		wait := g.creating
		if wait == nil {
			g.creating = make(chan struct{})
		}
		g.mu.Unlock()
		g.unlock()
		if wait == nil {
			return Session{}, true, nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return Session{}, false, contextError(ctx.Err())
		}
	}
}

// release ends the creator's turn and wakes the callers waiting for it.
func (c *Client) release() {
	g := &c.gate
	g.mu.Lock()
	close(g.creating)
	g.creating = nil
	g.mu.Unlock()
}

// remember stores the ids of a Create Session answer. Empty ids in the answer keep the
// stored ones rather than erase them.
func (c *Client) remember(ctx context.Context, r Response) error {
	g := &c.gate
	if err := g.lock(ctx); err != nil {
		return err
	}
	defer g.unlock()
	return c.rememberLocked(ctx, r)
}

// rememberLocked is remember for a caller holding the store slot.
func (c *Client) rememberLocked(ctx context.Context, r Response) error {
	s, err := c.store.Load(ctx)
	if err != nil {
		return storeError(ctx, "load", err)
	}
	if r.VisitorID != "" {
		s.VisitorID = r.VisitorID
	}
	if r.SessionID != "" {
		s.SessionID = r.SessionID
	}
	if r.PageID != "" {
		s.PageID = r.PageID
	}
	if err := c.store.Save(ctx, s); err != nil {
		return storeError(ctx, "save", err)
	}
	return nil
}

// forget clears the stored session if it still holds the ids that were refused, so that
// concurrent callers refused with the same ids clear it once and a newer session survives.
func (c *Client) forget(ctx context.Context, refused Session) error {
	g := &c.gate
	if err := g.lock(ctx); err != nil {
		return err
	}
	defer g.unlock()
	s, err := c.store.Load(ctx)
	if err != nil {
		return storeError(ctx, "load", err)
	}
	if s.VisitorID != refused.VisitorID || s.SessionID != refused.SessionID {
		return nil
	}
	if err := c.store.Clear(ctx); err != nil {
		return storeError(ctx, "clear", err)
	}
	return nil
}

// Session returns the session the client would reuse: the zero Session before the first
// successful GetEngagement or after ResetSession.
func (c *Client) Session(ctx context.Context) (Session, error) {
	if err := c.gate.lock(ctx); err != nil {
		return Session{}, err
	}
	defer c.gate.unlock()
	s, err := c.store.Load(ctx)
	if err != nil {
		return Session{}, storeError(ctx, "load", err)
	}
	return s, nil
}

// ResetSession forgets the stored session: the next GetEngagement without ids creates a new
// visitor. Use it when the app's user signs out.
func (c *Client) ResetSession(ctx context.Context) error {
	if err := c.gate.lock(ctx); err != nil {
		return err
	}
	defer c.gate.unlock()
	if err := c.store.Clear(ctx); err != nil {
		return storeError(ctx, "clear", err)
	}
	return nil
}
