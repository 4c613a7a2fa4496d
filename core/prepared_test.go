package core_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

func TestPrepareValidatesOnceAndSendsTheSameBodyEachTime(t *testing.T) {
	wire := &fakeWire{answer: script(
		answerStatus(503, nil), // one retried attempt: the same body again
		answerStatus(200, notAvailable("v1", "s1", "p1")),
	)}
	c, _ := newFakeClient(t, wire)
	p, err := c.Prepare(map[string]any{"consumerSections": []any{"billing"}})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err := c.GetEngagementPrepared(context.Background(), p)
		require.NoError(t, err)
	}
	reqs := wire.requests()
	require.Len(t, reqs, 4)
	for _, r := range reqs {
		assert.NotZero(t, r.BodyID)
		assert.Equal(t, reqs[0].BodyID, r.BodyID, "every attempt and every call of one Prepared names one body")
		assert.Equal(t, map[string]any{"appType": "EXTERNAL", "consumerSections": []any{"billing"}}, r.Body)
	}
	assert.Equal(t, firstURL("", ""), reqs[0].URL)
	assert.Equal(t, firstURL("v1", "s1"), reqs[3].URL, "the stored session is used by the next call of the same Prepared")

	q, err := c.Prepare(map[string]any{"consumerSections": []any{"billing"}})
	require.NoError(t, err)
	_, err = c.GetEngagementPrepared(context.Background(), q)
	require.NoError(t, err)
	assert.NotEqual(t, reqs[0].BodyID, wire.requests()[4].BodyID, "another Prepared names another body, even an equal one")
}

func TestPrepareRefusesWhatGetEngagementRefuses(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	c, _ := newFakeClient(t, wire)
	for _, tc := range []struct {
		tree  any
		field string
	}{
		{map[string]any{"appType": "WEB"}, "appType"},
		{map[string]any{"vid": "a b"}, "vid"},
		{map[string]any{"appDetails": map[string]any{"os": "WINDOWS95"}}, "appDetails.os"},
		{"not an object", ""},
	} {
		p, err := c.Prepare(tc.tree)
		assert.Nil(t, p)
		var e *core.Error
		require.ErrorAs(t, err, &e, "%v", tc.tree)
		assert.Equal(t, core.CodeValidation, e.Code)
		if tc.field != "" {
			require.NotEmpty(t, e.Problems)
			assert.Equal(t, tc.field, e.Problems[0].Field)
		}
	}
	_, err := c.PrepareRequest(core.Request{VisitorID: "a b"})
	assert.Equal(t, core.CodeValidation, core.ErrorCode(err))
	assert.Empty(t, wire.requests(), "nothing is sent for a refused request")
}

func TestGetEngagementPreparedRefusesARequestPreparedUnderOtherRules(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	strict, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Strict = true })
	loose, _ := newFakeClient(t, wire)
	p, err := loose.Prepare(map[string]any{"someNewField": 1}) // unknown fields pass by default
	require.NoError(t, err)
	_, err = strict.Prepare(map[string]any{"someNewField": 1})
	require.Equal(t, core.CodeValidation, core.ErrorCode(err), "strict refuses it")
	_, err = strict.GetEngagementPrepared(context.Background(), p)
	var e *core.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, core.CodeValidation, e.Code)
	assert.Equal(t, "request", e.Problems[0].Field)
	_, err = strict.GetEngagementPrepared(context.Background(), nil)
	assert.Equal(t, core.CodeValidation, core.ErrorCode(err))
	assert.Empty(t, wire.requests())
}

func TestUpdateSessionAttemptsShareOneBodyID(t *testing.T) {
	wire := &fakeWire{answer: script(
		answerStatus(200, notAvailable("v1", "s1", "p1")),
		answerStatus(503, nil),
		answerStatus(200, nil),
		answerStatus(200, nil),
	)}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	u := core.UpdateRequest{EngagementAttributes: []core.Attribute{{"type": "lead", "lead": map[string]any{"topic": "upgrade", "value": 49.5}}}}
	require.NoError(t, c.UpdateSession(context.Background(), u))
	require.NoError(t, c.UpdateSession(context.Background(), u))
	reqs := wire.requests()
	require.Len(t, reqs, 4)
	assert.NotZero(t, reqs[1].BodyID)
	assert.Equal(t, reqs[1].BodyID, reqs[2].BodyID, "a retried attempt sends the same body")
	assert.NotEqual(t, reqs[2].BodyID, reqs[3].BodyID, "each UpdateSession builds its own body")
	assert.NotEqual(t, reqs[0].BodyID, reqs[1].BodyID)
}

func TestAPreparedRequestServesEveryClientWithTheSameRules(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	a, _ := newFakeClient(t, wire)
	b, _ := newFakeClient(t, wire)
	p, err := core.Validation{}.Prepare(map[string]any{"vid": "V1", "sid": "S1", "consumerSections": []any{"x"}})
	require.NoError(t, err)
	for _, c := range []*core.Client{a, b} {
		_, err := c.GetEngagementPrepared(context.Background(), p)
		require.NoError(t, err)
	}
	reqs := wire.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, firstURL("V1", "S1"), r.URL, "the request's own ids go in the URL")
		assert.Equal(t, map[string]any{"appType": "EXTERNAL", "consumerSections": []any{"x"}}, r.Body)
	}
	_, err = core.Validation{Strict: true}.Prepare(map[string]any{"vid": "a b"})
	assert.Equal(t, core.CodeValidation, core.ErrorCode(err))
}
