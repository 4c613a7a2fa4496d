package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/sim"
)

// FuzzDecode feeds arbitrary bodies, ids and methods to the simulator's Create and Update
// Session decoding: it must never panic and answer only 200 or a 4xx with LivePerson's
// error body.
func FuzzDecode(f *testing.F) {
	seed, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(f, err)
	f.Add(seed, "", "", false)
	f.Add([]byte(`{"appType":"EXTERNAL","engagementAttributes":[{"type":"cart","total":1e400,"numItems":-1}]}`), "v1", "s1", false)
	f.Add([]byte(`{"pageId":"1","impAttributes":[{"type":"impDisplay","campaign":1,"engId":2,"revision":3}]}`), "v1", "s1", true)
	f.Add([]byte(`{"pageId":12345678901234567890123}`), "v1", "s1", true)
	f.Add([]byte(`[{"type":null}]`), "a b", "", false)
	f.Add([]byte(`{"appType":"EXTERNAL","appDetails":{"ipAddress":"::ffff:1.2.3.4"},"consumerSections":[1,{}]}`), "", "x", false)
	f.Add([]byte("\xff\xfe{"), "..", "::", true)

	s, err := sim.New(sim.Options{})
	require.NoError(f, err)
	// A live session so that update bodies can get past the id checks.
	live := httptest.NewRecorder()
	s.ServeHTTP(live, httptest.NewRequest("POST", "/api/account/fz/app/engagement/visitors/?v=1.0", bytes.NewReader([]byte(`{"appType":"EXTERNAL"}`))))
	var session map[string]any
	require.NoError(f, json.Unmarshal(live.Body.Bytes(), &session))

	f.Fuzz(func(t *testing.T, body []byte, vid, sid string, update bool) {
		method := "POST"
		if update {
			method = "PUT"
			if vid == "v1" && sid == "s1" {
				vid, sid = session["visitorId"].(string), session["sessionId"].(string)
			}
		}
		target := "/api/account/fz/app/engagement/visitors/" + url.PathEscape(vid) + "?" + url.Values{"v": {"1.0"}, "sid": {sid}}.Encode()
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { s.ServeHTTP(rec, req) })

		status := rec.Code
		require.True(t, status == 200 || (status >= 400 && status < 500), "status %d for %q: %s", status, body, rec.Body)
		var answer map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), "answers are JSON objects")
		if status != 200 {
			assert.Len(t, answer, 3, "error body {time, message, internalCode}: %s", rec.Body)
			_, ok := core.ParseErrorBody(answer)
			assert.True(t, ok)
			return
		}
		if !update {
			_, err := core.ParseResponse(answer)
			assert.NoError(t, err, "a 200 Create Session answer is one the client reads")
		}
	})
}
