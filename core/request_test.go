package core_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// seedTree decodes LivePerson's documented getEngagement example (testdata/seed-request.json).
func seedTree(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// jsonRoundTrip encodes v as JSON and decodes it again, as a transport would.
func jsonRoundTrip(t testing.TB, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestSeedRequestParsesValidatesAndRoundTrips(t *testing.T) {
	tree := seedTree(t)
	r, err := core.ParseRequest(tree)
	require.NoError(t, err)
	require.NoError(t, r.Validate())

	assert.Equal(t, core.AppTypeExternal, r.AppType)
	assert.Equal(t, "123", r.VisitorID)
	assert.Equal(t, "456", r.SessionID)
	assert.Equal(t, &core.AppDetails{AppVersion: "1.0", DeviceFamily: core.DeviceMobile, IPAddress: "192.168.5.2", OS: core.OSMacOSX, OSVersion: "1.2"}, r.AppDetails)
	assert.Equal(t, []string{"Support", "English", "Other"}, r.ConsumerSections)
	require.Len(t, r.EngagementAttributes, 1)
	assert.Equal(t, "personal", r.EngagementAttributes[0].Type())

	// Tree gives back LivePerson's object exactly, 30.0 included, after a JSON round trip.
	assert.Equal(t, any(tree), jsonRoundTrip(t, r.Tree()))

	// Body is the same without vid and sid.
	body := jsonRoundTrip(t, r.Body()).(map[string]any)
	delete(tree, "vid")
	delete(tree, "sid")
	assert.Equal(t, tree, body)
}
