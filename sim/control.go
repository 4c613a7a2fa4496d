package sim

import (
	"net/http"
	"net/url"
	"strings"
)

// serveControl answers the control API under /sim/v1/:
//
//	GET    /sim/v1/stats?account=ID     counters of one account (all accounts without account=)
//	GET    /sim/v1/requests?account=ID  the request log, oldest first (all accounts without account=)
//	GET    /sim/v1/accounts/{id}        the account's scenario
//	PUT    /sim/v1/accounts/{id}        set the account's scenario (JSON body)
//	DELETE /sim/v1/accounts/{id}        forget the account: scenario, visitors, sessions, counters
//	POST   /sim/v1/reset                forget everything and restore the initial scenarios
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, rest string) {
	now := s.now()
	methods := func(allowed ...string) bool {
		for _, m := range allowed {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", ")+", OPTIONS")
		writeError(w, now, http.StatusMethodNotAllowed, 0, "method "+r.Method+" not allowed on /sim/v1/"+rest)
		return false
	}
	switch {
	case rest == "stats":
		if !methods(http.MethodGet) {
			return
		}
		if id := r.URL.Query().Get("account"); id != "" {
			writeJSON(w, http.StatusOK, s.Stats(id))
			return
		}
		s.mu.Lock()
		all := make(map[string]Stats, len(s.accounts))
		for id, a := range s.accounts {
			all[id] = a.stats.clone()
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"accounts": all})
	case rest == "requests":
		if methods(http.MethodGet) {
			writeJSON(w, http.StatusOK, map[string]any{"requests": s.Requests(r.URL.Query().Get("account"))})
		}
	case rest == "reset":
		if methods(http.MethodPost) {
			s.Reset()
			writeJSON(w, http.StatusOK, map[string]any{})
		}
	case strings.HasPrefix(rest, "accounts/"):
		id, err := url.PathUnescape(strings.TrimPrefix(rest, "accounts/"))
		if err != nil || !validAccount(id) {
			writeError(w, now, http.StatusBadRequest, codeValidation, "account id must match ^[a-zA-Z0-9_]{1,20}$")
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Scenario(id))
		case http.MethodPut:
			sc, err := DecodeScenario(http.MaxBytesReader(w, r.Body, 64<<10))
			if err == nil {
				sc, err = s.SetScenario(id, sc)
			}
			if err != nil {
				writeError(w, now, http.StatusBadRequest, codeValidation, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, sc)
		case http.MethodDelete:
			s.DeleteAccount(id)
			w.WriteHeader(http.StatusNoContent)
		default:
			methods(http.MethodGet, http.MethodPut, http.MethodDelete)
		}
	default:
		writeError(w, now, http.StatusNotFound, 0, "no such control resource: /sim/v1/"+rest)
	}
}
