package sim

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/wire"
)

// maxRequestBody bounds the request bodies the simulator reads.
const maxRequestBody = 1 << 20

// serveEngagement answers Create Session (POST) and Update Session (PUT, or POST with
// X-HTTP-Method-Override: PUT) on /api/account/{acct}/app/engagement/visitors/{vid}.
func (s *Server) serveEngagement(w http.ResponseWriter, r *http.Request, acct, vid string, rec *RequestRecord) {
	q := r.URL.Query()
	sid := q.Get(wire.SessionParam)
	rec.VisitorID, rec.SessionID = printableID(vid), printableID(sid)
	if o := r.Header.Get(wire.MethodOverrideHeader); o != "" && r.Method == http.MethodPost {
		rec.Override = o
	}
	fail := func(status, code int, msg string) {
		rec.InternalCode = code
		writeError(w, s.now(), status, code, msg)
	}
	v := wire.CheckCall(wire.Call{Method: r.Method, Override: r.Header.Get(wire.MethodOverrideHeader),
		Versions: q[wire.VersionParam], VisitorID: vid, SessionID: sid}, core.WellFormedID)
	switch {
	case v.Status == http.StatusMethodNotAllowed:
		rec.Kind = "other"
		w.Header().Set("Allow", "POST, PUT, OPTIONS")
		fail(v.Status, v.InternalCode, v.Message)
		return
	case v.Update:
		rec.Kind = "update"
	default:
		rec.Kind = "create"
	}
	if !validAccount(acct) {
		fail(http.StatusBadRequest, codeValidation, "accountId: must match ^[a-zA-Z0-9_]{1,20}$")
		return
	}
	if v.Status != 0 {
		fail(v.Status, v.InternalCode, v.Message)
		return
	}

	// Read the body first: once it is consumed, net/http notices a caller that hangs up and
	// cancels r.Context(), which ends a scripted delay early.
	body, bodyProblem := readBody(r)

	// Count the call and spend the scripted transport-level failures.
	s.mu.Lock()
	a := s.accountLocked(acct)
	if rec.Kind == "create" {
		a.stats.CreateCalls++
	} else {
		a.stats.UpdateCalls++
	}
	delay := time.Duration(a.scenario.DelayMs) * time.Millisecond
	var status, code, retryAfter int
	switch {
	case a.rateLeft > 0:
		a.rateLeft--
		status, retryAfter = http.StatusTooManyRequests, a.scenario.RetryAfterSeconds
	case a.failLeft > 0:
		a.failLeft--
		status, code = a.scenario.FailStatus, codeInternal
	}
	s.mu.Unlock()

	if delay > 0 && !wait(r.Context(), delay) {
		return // the caller gave up; nobody reads an answer
	}
	switch status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		fail(status, 0, "Too many requests, retry after "+strconv.Itoa(retryAfter)+" s")
		return
	case 0:
	default:
		fail(status, code, http.StatusText(status)+" (scripted by the simulator)")
		return
	}

	if rec.Kind == "create" {
		s.create(w, r, a, vid, sid, body, bodyProblem, rec, fail)
	} else {
		s.update(w, r, a, vid, sid, body, bodyProblem, rec, fail)
	}
}

// create answers Create Session.
func (s *Server) create(w http.ResponseWriter, r *http.Request, a *account, vid, sid string, body any, bodyProblem string, rec *RequestRecord, fail func(int, int, string)) {
	if bodyProblem != "" {
		fail(http.StatusBadRequest, codeValidation, bodyProblem)
		return
	}
	s.notify(r, "create", a.id, vid, body)
	var problems []string
	if m, ok := body.(map[string]any); ok {
		for _, k := range wire.URLOnlyFields {
			if _, present := m[k]; present {
				problems = append(problems, k+": not a body field, it belongs in the URL")
			}
		}
	}
	req, err := core.ParseRequest(body)
	if err != nil {
		problems = append(problems, problemList(err)...)
	} else if req.AppType == "" {
		problems = append(problems, "appType: required (MSDK or EXTERNAL)")
	}
	if len(problems) > 0 {
		fail(http.StatusBadRequest, codeValidation, strings.Join(problems, "; "))
		return
	}
	rec.SDETypes = attributeTypes(req.EngagementAttributes)

	now := s.now()
	s.mu.Lock()
	a.creates++
	if a.creates >= sweepEvery {
		a.creates = 0
		s.sweep(a, now)
	}
	v := a.visitors[vid]
	if v == nil {
		v = &visitor{id: newID()}
		a.visitors[v.id] = v
		a.stats.Visitors++
	}
	v.lastSeen = now
	if a.loadingLeft > 0 {
		a.loadingLeft--
		s.mu.Unlock()
		fail(http.StatusInternalServerError, codeLoading, wire.LoadingAccountMessage(a.id, v.id))
		return
	}
	ss := a.sessions[sid]
	if ss != nil && (ss.vid != v.id || s.expired(ss, now)) {
		if s.expired(ss, now) {
			delete(a.sessions, sid)
		}
		ss = nil
	}
	if ss == nil {
		ss = &session{id: newID(), vid: v.id, created: now, pages: map[string]struct{}{}}
		a.sessions[ss.id] = ss
		a.stats.Sessions++
	}
	ss.lastSeen = now
	s.nextPage++
	page := strconv.FormatInt(s.nextPage, 10)
	ss.addPage(page)
	countSDEs(&a.stats, req.EngagementAttributes)
	on, validFor := a.available(now)
	eng := *a.scenario.Engagement
	s.mu.Unlock()

	rec.PageID = page
	out := createAnswer{Status: string(core.StatusNotAvailable), SessionID: ss.id, VisitorID: v.id, PageID: page}
	if on {
		out.Status = string(core.StatusAvailable)
		out.EngagementDetails = &engagementDetails{
			CampaignID:         eng.CampaignID,
			EngagementID:       eng.EngagementID,
			ContextID:          eng.ContextID,
			WindowID:           eng.WindowID,
			Language:           eng.Language,
			EngagementRevision: eng.EngagementRevision,
			ValidForSeconds:    validFor,
			SkillID:            eng.SkillID,
			SkillName:          eng.SkillName,
			ConnectorID:        eng.ConnectorID,
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// createAnswer is the Create Session answer, fields in the documented order: ids as
// strings, engagementDetails only when Available.
type createAnswer struct {
	Status            string             `json:"status"`
	SessionID         string             `json:"sessionId"`
	VisitorID         string             `json:"visitorId"`
	PageID            string             `json:"pageId"`
	EngagementDetails *engagementDetails `json:"engagementDetails,omitempty"`
}

// engagementDetails mirrors LivePerson's example: ids as strings; revision, validity and
// skillId as numbers; skill and connector only when set.
type engagementDetails struct {
	CampaignID         string `json:"campaignId"`
	EngagementID       string `json:"engagementId"`
	ContextID          string `json:"contextId"`
	WindowID           string `json:"windowId"`
	Language           string `json:"language"`
	EngagementRevision int64  `json:"engagementRevision"`
	ValidForSeconds    int    `json:"validForSeconds"`
	SkillID            int64  `json:"skillId,omitempty"`
	SkillName          string `json:"skillName,omitempty"`
	ConnectorID        string `json:"connectorId,omitempty"`
}

// update answers Update Session: the visitor, session and page must be live ones.
func (s *Server) update(w http.ResponseWriter, r *http.Request, a *account, vid, sid string, body any, bodyProblem string, rec *RequestRecord, fail func(int, int, string)) {
	if bodyProblem != "" {
		fail(http.StatusBadRequest, codeValidation, bodyProblem)
		return
	}
	s.notify(r, "update", a.id, vid, body)
	u, err := core.ParseUpdateRequest(body)
	var problems []string
	if err != nil {
		problems = problemList(err)
	} else if u.PageID == "" {
		problems = []string{"pageId: required"}
	}
	if len(problems) > 0 {
		fail(http.StatusBadRequest, codeValidation, strings.Join(problems, "; "))
		return
	}
	rec.PageID = u.PageID
	rec.SDETypes, rec.ImpTypes = attributeTypes(u.EngagementAttributes), attributeTypes(u.ImpAttributes)

	now := s.now()
	s.mu.Lock()
	v := a.visitors[vid]
	ss := a.sessions[sid]
	switch {
	case v == nil:
		s.mu.Unlock()
		fail(http.StatusUnauthorized, codeBadVisitor, "vid: unknown visitor")
		return
	case ss == nil || ss.vid != vid || s.expired(ss, now):
		s.mu.Unlock()
		fail(http.StatusUnauthorized, codeBadSession, "sid: unknown or expired session; create a new one")
		return
	}
	if _, ok := ss.pages[u.PageID]; !ok {
		s.mu.Unlock()
		fail(http.StatusBadRequest, codeValidation, "pageId: not a page of this session")
		return
	}
	v.lastSeen, ss.lastSeen = now, now
	countSDEs(&a.stats, u.EngagementAttributes)
	for _, imp := range u.ImpAttributes {
		a.stats.Impressions[imp.Type()]++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{})
}

func countSDEs(st *Stats, list []core.Attribute) {
	st.SDEs += len(list)
	for _, sde := range list {
		st.SDETypes[sde.Type()]++
	}
}

// notify hands the decoded request to Options.OnRequest.
func (s *Server) notify(r *http.Request, kind, acct, vid string, body any) {
	if s.onRequest == nil {
		return
	}
	method := http.MethodPost
	if kind == "update" {
		method = http.MethodPut
	}
	s.onRequest(Received{Kind: kind, Method: method, Account: acct, VisitorID: vid,
		Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
}

// readBody decodes the request body as one JSON object (numbers as json.Number), with the
// servers' one reader (nethttp.ReadObject: size cap, core.MaxDepth). It returns the message
// of a 400 answer when the body is missing, too large, too deep or not one JSON object.
func readBody(r *http.Request) (any, string) {
	v, err := nethttp.ReadObject(r.Body, maxRequestBody, core.MaxDepth)
	if err != nil {
		return nil, err.Message
	}
	return v, ""
}

// problemList renders a validation error's problems as "field: message" strings.
func problemList(err error) []string {
	var e *core.Error
	if errors.As(err, &e) && len(e.Problems) > 0 {
		out := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			out[i] = p.String()
		}
		return out
	}
	return []string{err.Error()}
}

// wait sleeps d unless ctx ends first; it reports whether the full delay passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// printableID keeps an id for the log only when it is well-formed, so junk from the URL
// never reaches logs.
func printableID(id string) string {
	if core.WellFormedID(id) {
		return id
	}
	if id == "" {
		return ""
	}
	return "(malformed)"
}
