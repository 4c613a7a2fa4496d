package sim

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// ImpressionTypes are the impression events Update Session counts, in funnel order.
var ImpressionTypes = []string{"impDisplay", "impAccept", "impExpanded", "impTimeout", "impClose"}

// Stats are one account's counters since it was first seen (or last deleted or reset).
type Stats struct {
	Account     string         `json:"account"`
	Visitors    int            `json:"visitors"`    // visitors created
	Sessions    int            `json:"sessions"`    // sessions created
	CreateCalls int            `json:"createCalls"` // Create Session calls received, whatever the answer
	UpdateCalls int            `json:"updateCalls"` // Update Session calls received, whatever the answer
	CSDSCalls   int            `json:"csdsCalls"`   // Domain API (CSDS) lookups
	SDEs        int            `json:"sdes"`        // engagement attributes accepted (Create and Update)
	SDETypes    map[string]int `json:"sdeTypes"`    // accepted engagement attributes by type
	Impressions map[string]int `json:"impressions"` // accepted impression events by type
	Responses   map[string]int `json:"responses"`   // answers by HTTP status, e.g. {"200": 3, "429": 1}
}

func newStats(account string) Stats {
	st := Stats{Account: account, SDETypes: map[string]int{}, Impressions: map[string]int{}, Responses: map[string]int{}}
	for _, t := range ImpressionTypes {
		st.Impressions[t] = 0
	}
	return st
}

// clone returns a copy that shares no maps with st.
func (st Stats) clone() Stats {
	c := st
	c.SDETypes, c.Impressions, c.Responses = copyCounts(st.SDETypes), copyCounts(st.Impressions), copyCounts(st.Responses)
	return c
}

func copyCounts(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// maxPagesPerSession bounds the page ids a session remembers for Update Session.
const maxPagesPerSession = 1000

// visitorIdleLimit is how long a visitor id stays known without any call.
const visitorIdleLimit = 30 * 24 * time.Hour

// sweepEvery is how many Create Session calls pass between sweeps of expired state.
const sweepEvery = 512

type visitor struct {
	id       string
	lastSeen time.Time
}

type session struct {
	id, vid  string
	created  time.Time
	lastSeen time.Time
	pages    map[string]struct{}
	order    []string // page ids, oldest first
}

func (s *session) addPage(id string) {
	if len(s.order) >= maxPagesPerSession {
		delete(s.pages, s.order[0])
		s.order = s.order[1:]
	}
	s.pages[id] = struct{}{}
	s.order = append(s.order, id)
}

// account is the state of one account id. Every field is guarded by Server.mu.
type account struct {
	id          string
	scenario    Scenario
	scenarioAt  time.Time // when the scenario was set: the origin of the flap schedule
	loadingLeft int
	failLeft    int
	rateLeft    int
	visitors    map[string]*visitor
	sessions    map[string]*session
	stats       Stats
	creates     int // Create Session calls since the last sweep
}

func newAccount(id string, sc Scenario, now time.Time) *account {
	a := &account{id: id, visitors: map[string]*visitor{}, sessions: map[string]*session{}, stats: newStats(id)}
	a.setScenario(sc, now)
	return a
}

func (a *account) setScenario(sc Scenario, now time.Time) {
	a.scenario, a.scenarioAt = sc, now
	a.loadingLeft, a.failLeft, a.rateLeft = sc.LoadingCalls, sc.FailCalls, sc.RateLimitCalls
}

// available reports the availability at now and the validForSeconds to announce.
func (a *account) available(now time.Time) (bool, int) {
	sc := a.scenario
	switch sc.Availability {
	case NotAvailable:
		return false, 0
	case Flap:
		period := time.Duration(sc.FlapSeconds) * time.Second
		elapsed := now.Sub(a.scenarioAt)
		if elapsed < 0 {
			elapsed = 0
		}
		on := (elapsed/period)%2 == 0
		valid := sc.ValidForSeconds
		if valid == 0 {
			left := period - elapsed%period
			valid = int((left + time.Second - 1) / time.Second)
		}
		return on, valid
	}
	if sc.ValidForSeconds > 0 {
		return true, sc.ValidForSeconds
	}
	return true, 900
}

// newID returns a fresh 22-character visitor or session id (128 random bits, URL-safe
// base64), which core.WellFormedID accepts.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// expired reports whether the session ended by idleness or by age at now.
func (s *Server) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.lastSeen) > s.idle || now.Sub(ss.created) > s.maxAge
}

// sweep forgets expired sessions and long-idle visitors, so a long-running simulator does
// not grow without bound.
func (s *Server) sweep(a *account, now time.Time) {
	for id, ss := range a.sessions {
		if s.expired(ss, now) {
			delete(a.sessions, id)
		}
	}
	for id, v := range a.visitors {
		if now.Sub(v.lastSeen) > visitorIdleLimit {
			delete(a.visitors, id)
		}
	}
}
