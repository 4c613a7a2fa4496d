package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

// BenchmarkSimCreateSession measures the simulator's own cost of one Create Session,
// calling its handler directly (no network): decoding, validation through core, state and
// the JSON answer.
func BenchmarkSimCreateSession(b *testing.B) {
	seed, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(b, err)
	var tree map[string]any
	require.NoError(b, json.Unmarshal(seed, &tree))
	delete(tree, "vid")
	delete(tree, "sid")
	seedBody, err := json.Marshal(tree)
	require.NoError(b, err)
	minimal := []byte(`{"appType":"EXTERNAL"}`)

	for _, bc := range []struct {
		name  string
		body  []byte
		reuse bool
	}{
		{"reused-session/minimal", minimal, true},
		{"reused-session/seed", seedBody, true},
		{"new-visitor/minimal", minimal, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := sim.New(sim.Options{})
			require.NoError(b, err)
			target := "/api/account/bench/app/engagement/visitors/?v=1.0"
			if bc.reuse {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest("POST", target, bytes.NewReader(minimal)))
				var first map[string]any
				require.NoError(b, json.Unmarshal(rec.Body.Bytes(), &first))
				target = "/api/account/bench/app/engagement/visitors/" + first["visitorId"].(string) + "?v=1.0&sid=" + first["sessionId"].(string)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest("POST", target, bytes.NewReader(bc.body)))
				if rec.Code != 200 {
					b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
