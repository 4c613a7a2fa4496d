package core_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// GetEngagementTree validates once (in ParseRequest) but must send exactly what
// GetEngagement sends for the same request, and refuse exactly what it refuses.
func TestGetEngagementTreeSendsWhatGetEngagementSends(t *testing.T) {
	tree := seedTree(t)
	delete(tree, "vid")
	delete(tree, "sid")
	delete(tree, "appType") // filled with EXTERNAL by both

	sent := func(get func(c *core.Client) (core.Response, error)) (core.Response, core.WireRequest) {
		wire := &fakeWire{answer: script(answerStatus(200, available("v1", "s1", "p1", 3, 60)))}
		c, _ := newFakeClient(t, wire)
		resp, err := get(c)
		require.NoError(t, err)
		require.Len(t, wire.requests(), 1)
		return resp, wire.requests()[0]
	}
	req, err := core.ParseRequest(tree)
	require.NoError(t, err)
	typedResp, typedWire := sent(func(c *core.Client) (core.Response, error) { return c.GetEngagement(context.Background(), req) })
	treeResp, treeWire := sent(func(c *core.Client) (core.Response, error) { return c.GetEngagementTree(context.Background(), tree) })

	assert.Equal(t, typedWire.URL, treeWire.URL)
	assert.Equal(t, typedWire.Body, treeWire.Body)
	assert.Equal(t, "EXTERNAL", treeWire.Body.(map[string]any)["appType"])
	assert.Equal(t, typedResp, treeResp)

	// The body shares nothing with the caller's tree: changing it afterwards changes nothing sent.
	tree["engagementAttributes"].([]any)[0].(map[string]any)["type"] = "changed"
	assert.Equal(t, typedWire.Body, treeWire.Body)
}

func TestGetEngagementTreeRefusesWhatParseRequestRefuses(t *testing.T) {
	for name, tree := range map[string]any{
		"not an object": []any{},
		"bad appType":   map[string]any{"appType": "external"},
		"bad vid":       map[string]any{"vid": "a b"},
		"bad SDE":       map[string]any{"engagementAttributes": []any{map[string]any{"type": "personal", "personal": map[string]any{"firstName": "x"}}}},
		"unknown field": map[string]any{"appTyp": "EXTERNAL"},
	} {
		t.Run(name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
			c, _ := newFakeClient(t, wire)
			_, err := c.GetEngagementTree(context.Background(), tree)
			_, parseErr := core.ParseRequest(tree)
			e := requireCode(t, err, core.CodeValidation)
			assert.Equal(t, parseErr.(*core.Error).Problems, e.Problems)
			assert.Empty(t, wire.requests(), "nothing is sent")
		})
	}
}
