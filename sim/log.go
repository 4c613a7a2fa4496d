package sim

import (
	"time"

	"github.com/appengage/appengage/core"
)

// RequestRecord is one entry of the request log. It holds ids and the types of the
// engagement attributes and impressions, never their values: SDEs carry personal data.
type RequestRecord struct {
	Time         time.Time `json:"time"`
	Kind         string    `json:"kind"`   // csds, create, update, control, preflight or other
	Method       string    `json:"method"` // as received
	Override     string    `json:"override,omitempty"`
	Path         string    `json:"path"`
	Query        string    `json:"query,omitempty"`
	Account      string    `json:"account,omitempty"`
	Status       int       `json:"status"` // 499 when the caller went away before the answer
	InternalCode int       `json:"internalCode,omitempty"`
	VisitorID    string    `json:"vid,omitempty"`
	SessionID    string    `json:"sid,omitempty"`
	PageID       string    `json:"pageId,omitempty"`
	SDETypes     []string  `json:"sdeTypes,omitempty"`
	ImpTypes     []string  `json:"impressionTypes,omitempty"`
	DurationMs   float64   `json:"durationMs"`
}

// requestLog is a ring of the last size records. Guarded by Server.mu.
type requestLog struct {
	size    int
	records []RequestRecord
	next    int // index of the oldest record once the ring is full
}

func (l *requestLog) reset() { l.records, l.next = nil, 0 }

func (l *requestLog) add(r RequestRecord) {
	if r.Status == 0 {
		r.Status = 499
	}
	if len(l.records) < l.size {
		l.records = append(l.records, r)
		return
	}
	l.records[l.next] = r
	l.next = (l.next + 1) % l.size
}

func (l *requestLog) list(account string) []RequestRecord {
	out := []RequestRecord{}
	n := len(l.records)
	for i := 0; i < n; i++ {
		r := l.records[(l.next+i)%n]
		if account == "" || r.Account == account {
			out = append(out, r)
		}
	}
	return out
}

func attributeTypes(list []core.Attribute) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Type()
	}
	return out
}

func validAccount(id string) bool { return core.ValidAccountID(id) }
