package core

import (
	"strconv"
	"strings"

	"github.com/appengage/appengage/wire"
)

// ParseResponse decodes a Create Session response body (a generic tree) tolerantly: ids may
// be JSON numbers or strings and are kept as exact decimal strings, unknown fields are
// allowed (and kept in Raw, which holds the whole body as given). It requires status
// Available or NotAvailable, sessionId, visitorId and pageId, and engagementDetails with
// campaignId, engagementId and contextId when the status is Available; engagementDetails of a
// NotAvailable response is left in Raw only. A body that breaks these rules is an *Error
// with CodeServer and a Message "malformed response: ..." naming every broken field.
func ParseResponse(v any) (Response, error) {
	m, ok := asMap(v)
	if !ok {
		return Response{}, malformed("body is not a JSON object, got " + typeName(v))
	}
	var d responseDecoder
	r := Response{Raw: m}
	// Problems are reported in key order: engagementDetails, pageId, sessionId, status,
	// visitorId.
	statusX, statusPresent := m["status"]
	if s, _ := statusX.(string); s == string(StatusAvailable) || s == string(StatusNotAvailable) {
		r.Status = Status(s)
	}
	if r.Status == StatusAvailable {
		if dm, ok := asMap(m["engagementDetails"]); ok {
			r.EngagementDetails = d.details(dm)
		} else if x, present := m["engagementDetails"]; !present || x == nil {
			d.problem("engagementDetails", "is required when status is Available")
		} else {
			d.problem("engagementDetails", "must be an object, got "+typeName(x))
		}
	}
	r.PageID = d.id(m, "pageId", "", true)
	r.SessionID = d.id(m, "sessionId", "", true)
	if r.Status == "" {
		if !statusPresent || statusX == nil {
			d.problem("status", "is required")
		} else {
			d.problem("status", "must be Available or NotAvailable")
		}
	}
	r.VisitorID = d.id(m, "visitorId", "", true)
	if dotsOnly(r.VisitorID) {
		// The visitor id goes into the URL path of every later call; "." or ".." there
		// would address another resource.
		d.problem("visitorId", "must not be made of dots alone")
	}
	if len(d.problems) > 0 {
		return Response{}, malformed(d.message())
	}
	return r, nil
}

// Tree returns the response as the generic tree JS callers receive: Raw when it is set (the
// body exactly as the server sent it; do not modify it), else a tree built from the fields,
// with ids as strings and engagementRevision, validForSeconds and skillId as numbers, as in
// LivePerson's documented example.
func (r Response) Tree() map[string]any {
	if r.Raw != nil {
		return r.Raw
	}
	t := map[string]any{"status": string(r.Status)}
	putString(t, "sessionId", r.SessionID)
	putString(t, "visitorId", r.VisitorID)
	putString(t, "pageId", r.PageID)
	if e := r.EngagementDetails; e != nil {
		d := map[string]any{
			"campaignId":         e.CampaignID,
			"engagementId":       e.EngagementID,
			"contextId":          e.ContextID,
			"engagementRevision": float64(e.EngagementRevision),
			"validForSeconds":    float64(e.ValidForSeconds),
		}
		putString(d, "windowId", e.WindowID)
		putString(d, "language", e.Language)
		if e.SkillID != "" {
			if n, err := strconv.ParseInt(e.SkillID, 10, 64); err == nil && n >= 0 && n <= maxSafeInteger && strconv.FormatInt(n, 10) == e.SkillID {
				d["skillId"] = float64(n)
			} else {
				d["skillId"] = e.SkillID
			}
		}
		putString(d, "skillName", e.SkillName)
		putString(d, "connectorId", e.ConnectorID)
		t["engagementDetails"] = d
	}
	return t
}

// ParseErrorBody reads LivePerson's error body {time, message, internalCode}. It reports
// false when v is not an object or has neither a message nor an internalCode, so the caller
// can fall back to the HTTP status alone. time and internalCode may be numbers or digit
// strings; fields of the wrong type are ignored.
func ParseErrorBody(v any) (ErrorBody, bool) {
	m, ok := asMap(v)
	if !ok {
		return ErrorBody{}, false
	}
	var e ErrorBody
	found := false
	if s, ok := m[wire.FieldMessage].(string); ok {
		e.Message = s
		found = true
	}
	if n, ok := loneInteger(m[wire.FieldInternalCode]); ok && n >= -1<<31 && n < 1<<31 {
		e.InternalCode = int(n)
		found = true
	}
	if n, ok := loneInteger(m[wire.FieldTime]); ok {
		e.Time = n
	}
	return e, found
}

func putString(m map[string]any, key, s string) {
	if s != "" {
		m[key] = s
	}
}

// loneInteger reads an integer within ±2^53 that may be a JSON number or a digit string.
func loneInteger(x any) (int64, bool) {
	if s, ok := x.(string); ok {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && -maxSafeInteger <= n && n <= maxSafeInteger
	}
	n, ok := asNumber(x)
	if !ok {
		return 0, false
	}
	return n.whole()
}

func malformed(detail string) *Error {
	return &Error{Code: CodeServer, Message: "malformed response: " + detail}
}

// responseDecoder collects the problems of a response body.
type responseDecoder struct {
	problems []Problem
}

func (d *responseDecoder) problem(field, msg string) {
	d.problems = append(d.problems, Problem{Field: field, Message: msg})
}

func (d *responseDecoder) message() string {
	var b strings.Builder
	for i, p := range d.problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// id reads an id that may be a non-empty string or a whole number.
func (d *responseDecoder) id(m map[string]any, key, prefix string, required bool) string {
	x, present := m[key]
	if !present || x == nil {
		if required {
			d.problem(prefix+key, "is required")
		}
		return ""
	}
	if s, ok := x.(string); ok {
		if s == "" && required {
			d.problem(prefix+key, "must not be empty")
		}
		return s
	}
	if n, ok := asNumber(x); ok {
		if s, ok := n.decimalID(); ok {
			return s
		}
		d.problem(prefix+key, "must be a string or a whole number")
		return ""
	}
	d.problem(prefix+key, "must be a string or a number, got "+typeName(x))
	return ""
}

// integer reads a whole number that may also be sent as a digit string.
func (d *responseDecoder) integer(m map[string]any, key, prefix string) int64 {
	x, present := m[key]
	if !present || x == nil {
		return 0
	}
	if n, ok := loneInteger(x); ok {
		return n
	}
	d.problem(prefix+key, "must be a whole number")
	return 0
}

// text reads an optional string; numbers are accepted as their decimal form.
func (d *responseDecoder) text(m map[string]any, key, prefix string) string {
	return d.id(m, key, prefix, false)
}

func (d *responseDecoder) details(m map[string]any) *EngagementDetails {
	const p = "engagementDetails."
	e := &EngagementDetails{
		CampaignID:         d.id(m, "campaignId", p, true),
		ConnectorID:        d.text(m, "connectorId", p),
		ContextID:          d.id(m, "contextId", p, true),
		EngagementID:       d.id(m, "engagementId", p, true),
		EngagementRevision: d.integer(m, "engagementRevision", p),
		Language:           d.text(m, "language", p),
		SkillID:            d.text(m, "skillId", p),
		SkillName:          d.text(m, "skillName", p),
		ValidForSeconds:    d.integer(m, "validForSeconds", p),
		WindowID:           d.text(m, "windowId", p),
	}
	if e.ValidForSeconds < 0 {
		d.problem(p+"validForSeconds", "must not be negative")
	}
	return e
}
