package nethttp_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/sim"
)

// BenchmarkGetEngagement measures one full GetEngagement (validation, body building, JSON
// encoding, HTTP over a keep-alive loopback connection, the simulator's work, decoding and
// session bookkeeping) with core.Client + nethttp against the in-process simulator on
// 127.0.0.1. The session and the CSDS answer are reused, as in steady use.
func BenchmarkGetEngagement(b *testing.B) {
	raw, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(b, err)
	var seed map[string]any
	require.NoError(b, json.Unmarshal(raw, &seed))
	delete(seed, "vid") // reuse the client's stored session instead of the example's ids
	delete(seed, "sid")
	seedReq, err := core.ParseRequest(seed)
	require.NoError(b, err)

	for _, bc := range []struct {
		name string
		req  core.Request
	}{
		{"minimal", core.Request{}},
		{"seed", seedReq},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := sim.New(sim.Options{})
			require.NoError(b, err)
			hs := httptest.NewServer(s)
			defer hs.Close()
			c, err := core.NewClient(core.Config{AccountID: "bench", CSDSDomain: hs.URL, Transport: nethttp.New()})
			require.NoError(b, err)
			ctx := context.Background()
			_, err = c.GetEngagement(ctx, bc.req) // CSDS lookup and first session
			require.NoError(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.GetEngagement(ctx, bc.req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if st := s.Stats("bench"); st.Visitors != 1 || st.Sessions != 1 {
				b.Fatalf("session not reused: %+v", st)
			}
		})
	}
}

// BenchmarkGetEngagementParallel is BenchmarkGetEngagement (minimal request) from
// GOMAXPROCS goroutines sharing one client, as an app with several windows would.
func BenchmarkGetEngagementParallel(b *testing.B) {
	s, err := sim.New(sim.Options{})
	require.NoError(b, err)
	hs := httptest.NewServer(s)
	defer hs.Close()
	c, err := core.NewClient(core.Config{AccountID: "bench", CSDSDomain: hs.URL, Transport: nethttp.New()})
	require.NoError(b, err)
	_, err = c.GetEngagement(context.Background(), core.Request{})
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetEngagement(context.Background(), core.Request{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
