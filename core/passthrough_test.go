package core_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// The seed describes appDetails as carrying "Type, Platform, Name, Version, Client
// timestamp"; a user who sends those (and a top-level field LivePerson may add later) gets
// an answer, and every one of them reaches LivePerson unchanged.
const passThroughRequest = `{
	"appType": "EXTERNAL",
	"appDetails": {"os": "LINUX", "Type": "desktop", "Platform": "electron", "Name": "Trader", "Version": "4.1.0", "clientTimestamp": 1700000000123},
	"engagementAttributes": [
		{"type": "ctmrinfo"},
		{"type": "searchInfo"},
		{"type": "ctmrinfo", "info": {"customerId": "c-1", "tier2": {"x": [1, null, true]}}, "source": "crm"},
		{"type": "personal", "personal": {"firstname": "Jane", "age": {"month": 7}}}
	],
	"consumerSections": ["billing"],
	"channelHint": {"k": ["a", 2.5]},
	"vid": "v1", "sid": "s1"
}`

// recorder is an msdkgw stand-in on 127.0.0.1 that keeps every Create Session body it got.
type recorder struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (rec *recorder) serve(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, json.Unmarshal(raw, &body))
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, body)
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "NotAvailable", "visitorId": "v1", "sessionId": "s1", "pageId": "p1"}`)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func (rec *recorder) received() []map[string]any {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]map[string]any(nil), rec.bodies...)
}

func newRecordingClient(t *testing.T, strict bool) (*core.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := core.NewClient(core.Config{AccountID: "12345678", Domain: rec.serve(t), Transport: nethttp.New(), Strict: strict})
	require.NoError(t, err)
	return c, rec
}

// wantOnWire is passThroughRequest as LivePerson must receive it: everything but vid and
// sid (which travel in the URL), unchanged.
func wantOnWire(t *testing.T) map[string]any {
	m := decodePlain(t, passThroughRequest).(map[string]any)
	delete(m, "vid")
	delete(m, "sid")
	return m
}

func TestUnknownFieldsReachTheWireUnchanged(t *testing.T) {
	t.Run("GetEngagementTree", func(t *testing.T) {
		c, rec := newRecordingClient(t, false)
		resp, err := c.GetEngagementTree(context.Background(), decodePlain(t, passThroughRequest))
		require.NoError(t, err)
		assert.Equal(t, core.StatusNotAvailable, resp.Status)
		require.Len(t, rec.received(), 1)
		assert.Equal(t, wantOnWire(t), rec.received()[0])
	})
	t.Run("GetEngagement with a parsed request", func(t *testing.T) {
		c, rec := newRecordingClient(t, false)
		req, err := core.ParseRequest(decodeNumbers(t, passThroughRequest))
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"k": []any{"a", 2.5}}, req.Extra["channelHint"])
		assert.Equal(t, "electron", req.AppDetails.Extra["Platform"])
		_, err = c.GetEngagement(context.Background(), req)
		require.NoError(t, err)
		require.Len(t, rec.received(), 1)
		assert.Equal(t, wantOnWire(t), rec.received()[0])
	})
	t.Run("GetEngagement with Extra set in Go", func(t *testing.T) {
		c, rec := newRecordingClient(t, false)
		req := core.Request{
			AppDetails: &core.AppDetails{OS: core.OSLinux, Extra: map[string]any{"Name": "Trader", "Version": int64(4)}},
			Extra:      map[string]any{"channelHint": []string{"a"}},
		}
		_, err := c.GetEngagement(context.Background(), req)
		require.NoError(t, err)
		require.Len(t, rec.received(), 1)
		assert.Equal(t, map[string]any{
			"appType":     "EXTERNAL",
			"appDetails":  map[string]any{"os": "LINUX", "Name": "Trader", "Version": 4.0},
			"channelHint": []any{"a"},
		}, rec.received()[0])
	})
	t.Run("UpdateSession", func(t *testing.T) {
		c, rec := newRecordingClient(t, false)
		_, err := c.GetEngagement(context.Background(), core.Request{})
		require.NoError(t, err)
		u, err := core.ParseUpdateRequest(decodePlain(t, `{"entryPoints": ["sec://Sport"], "engagementAttributes": [{"type": "lead", "lead": {"topic": "t", "stage": 2}}]}`))
		require.NoError(t, err)
		require.NoError(t, c.UpdateSession(context.Background(), u))
		got := rec.received()
		require.Len(t, got, 2)
		assert.Equal(t, decodePlain(t, `{"pageId": "p1", "entryPoints": ["sec://Sport"], "engagementAttributes": [{"type": "lead", "lead": {"topic": "t", "stage": 2}}]}`), any(got[1]))
	})
}

// A near-miss of a documented name stays an error in the default mode, and nothing is sent.
func TestNearMissesAreRefusedAndNothingIsSent(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		want []core.Problem
	}{
		"case only":       {`{"appDetails": {"OS": "LINUX"}}`, []core.Problem{p("appDetails.OS", "unknown field; did you mean os?")}},
		"one edit":        {`{"appDetails": {"ipAdress": "1.2.3.4"}}`, []core.Problem{p("appDetails.ipAdress", "unknown field; did you mean ipAddress?")}},
		"two edits":       {`{"appDetails": {"devceFamly": "DESKTOP"}}`, []core.Problem{p("appDetails.devceFamly", "unknown field; did you mean deviceFamily?")}},
		"swap":            {`{"consumerSectoins": []}`, []core.Problem{p("consumerSectoins", "unknown field; did you mean consumerSections?")}},
		"top level":       {`{"engagementAttribute": []}`, []core.Problem{p("engagementAttribute", "unknown field; did you mean engagementAttributes?")}},
		"in an SDE":       {`{"engagementAttributes": [{"type": "personal", "personal": {"firstName": "x", "nickname": "y"}}]}`, []core.Problem{p("engagementAttributes[0].personal.firstName", "unknown field; did you mean firstname?")}},
		"in a product":    {`{"engagementAttributes": [{"type": "cart", "total": 1, "numItems": 1, "products": [{"product": {"prize": 3}}]}]}`, []core.Problem{p("engagementAttributes[0].products[0].product.prize", "unknown field; did you mean price?")}},
		"vid spelled VID": {`{"VID": "v1"}`, []core.Problem{p("VID", "unknown field; did you mean vid?")}},
	} {
		t.Run(name, func(t *testing.T) {
			c, rec := newRecordingClient(t, false)
			_, err := c.GetEngagementTree(context.Background(), decodePlain(t, tc.json))
			assert.Equal(t, tc.want, validationProblems(t, err))
			assert.Empty(t, rec.received(), "nothing is sent")
		})
	}
}

// Names that only resemble a documented one from afar pass through: short names match by
// case only, and more edits than the name's length allows are not a near-miss.
func TestNotNearMissesPassThrough(t *testing.T) {
	for _, json := range []string{
		`{"appDetails": {"ip": "1.2.3.4", "os2": "x", "osName": "LINUX", "platform": "electron"}}`,
		`{"engagementAttributes": [{"type": "lead", "lead": {"stage": 1, "topics": ["a"]}}]}`, // topics: one edit from topic
	} {
		r, err := core.ParseRequest(decodePlain(t, json))
		if json[2] == 'e' {
			// "topics" is one edit from "topic": a near-miss (a name of 3 to 7 characters
			// allows one edit).
			assert.Equal(t, []core.Problem{p("engagementAttributes[0].lead.topics", "unknown field; did you mean topic?")}, validationProblems(t, err))
			continue
		}
		require.NoError(t, err, json)
		assert.Equal(t, map[string]any{"ip": "1.2.3.4", "os2": "x", "osName": "LINUX", "platform": "electron"}, r.AppDetails.Extra)
	}
}

// Strict refuses every unknown field, through Config and through Validation, and nothing is
// sent.
func TestStrictRefusesEveryUnknownField(t *testing.T) {
	want := []core.Problem{
		p("appDetails.Name", "unknown field"),
		p("appDetails.Platform", "unknown field"),
		p("appDetails.Type", "unknown field"),
		p("appDetails.Version", "unknown field"),
		p("appDetails.clientTimestamp", "unknown field"),
		p("channelHint", "unknown field"),
		p("engagementAttributes[2].info.tier2", "unknown field"),
		p("engagementAttributes[2].source", "unknown field"),
	}
	c, rec := newRecordingClient(t, true)
	_, err := c.GetEngagementTree(context.Background(), decodePlain(t, passThroughRequest))
	assert.Equal(t, want, validationProblems(t, err))

	// A typed request with Extra (parsed leniently) is refused by a strict client too.
	req, err := core.ParseRequest(decodePlain(t, passThroughRequest))
	require.NoError(t, err)
	_, err = c.GetEngagement(context.Background(), req)
	assert.Equal(t, want, validationProblems(t, err))
	assert.Equal(t, want, validationProblems(t, strict.Request(req)))
	assert.NoError(t, req.Validate())

	_, err = strict.ParseUpdateRequest(decodePlain(t, `{"pageId": "1", "entryPoints": []}`))
	assert.Equal(t, []core.Problem{p("entryPoints", "unknown field")}, validationProblems(t, err))
	u, err := core.ParseUpdateRequest(decodePlain(t, `{"pageId": "1", "entryPoints": []}`))
	require.NoError(t, err)
	assert.Equal(t, []core.Problem{p("entryPoints", "unknown field")}, validationProblems(t, strict.UpdateRequest(u)))
	assert.Empty(t, rec.received(), "nothing is sent")
}

// Pass-through values must still be plain JSON: finite numbers, supported types, bounded
// depth; an Extra member may not repeat a typed field.
func TestPassThroughValuesAreChecked(t *testing.T) {
	_, err := core.ParseRequest(map[string]any{"x": nan(), "y": struct{}{}, "appDetails": map[string]any{"z": inf(1)}})
	assert.Equal(t, []core.Problem{
		p("appDetails.z", "must be a finite number"),
		p("x", "must be a finite number"),
		p("y", "must be a JSON value, got unsupported value"),
	}, validationProblems(t, err))

	err = core.Request{AppType: core.AppTypeMSDK, Extra: map[string]any{"appType": "EXTERNAL"}, AppDetails: &core.AppDetails{Extra: map[string]any{"os": "LINUX"}}}.Validate()
	assert.Equal(t, []core.Problem{
		p("appType", "is given in Extra too; set the typed field instead"),
		p("appDetails.os", "is given in Extra too; set the typed field instead"),
	}, validationProblems(t, err))
	err = core.UpdateRequest{PageID: "1", Extra: map[string]any{"pageId": "2"}}.Validate()
	assert.Equal(t, []core.Problem{p("pageId", "is given in Extra too; set the typed field instead")}, validationProblems(t, err))
}

// Tree and Body carry Extra, and ParseRequest gives it back.
func TestExtraRoundTrips(t *testing.T) {
	tree := decodePlain(t, passThroughRequest)
	r, err := core.ParseRequest(tree)
	require.NoError(t, err)
	assert.Equal(t, tree, jsonRoundTrip(t, r.Tree()))
	back, err := core.ParseRequest(r.Tree())
	require.NoError(t, err)
	assert.Equal(t, r, back)

	// The copies are the request's own: changing the caller's tree later changes nothing.
	tree.(map[string]any)["channelHint"].(map[string]any)["k"] = "changed"
	assert.Equal(t, []any{"a", 2.5}, r.Extra["channelHint"].(map[string]any)["k"])
}
