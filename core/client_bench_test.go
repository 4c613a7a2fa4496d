package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/appengage/appengage/core"
)

// benchClient returns a client whose transport answers at once with the documented
// Available body, so the benchmarks measure the client itself: validation, body and URL
// building, response parsing and the session store.
func benchClient(b *testing.B) *core.Client {
	body := available("xyz", "abc", "4743822558", 44, 900)
	c, err := core.NewClient(core.Config{AccountID: "12345678", Domain: "va.v.liveperson.net",
		Transport: core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
			return core.WireResponse{Status: 200, Body: body}, nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

var benchRequest = core.Request{
	AppDetails:       &core.AppDetails{OS: core.OSLinux, OSVersion: "6.1", AppVersion: "3.2.0", DeviceFamily: core.DeviceDesktop, IPAddress: "203.0.113.7"},
	ConsumerSections: []string{"billing", "en"},
	EngagementAttributes: []core.Attribute{
		{"type": "ctmrinfo", "info": map[string]any{"ctype": "gold", "customerId": "c-991"}},
	},
}

// BenchmarkClientGetEngagement is one GetEngagement on a reused session.
func BenchmarkClientGetEngagement(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetEngagement(ctx, benchRequest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientGetEngagementParallel is the same from GOMAXPROCS goroutines, to show the
// cost of the session gate under contention.
func BenchmarkClientGetEngagementParallel(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetEngagement(ctx, benchRequest); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkClientRetriedGetEngagement is a call that fails twice with 503 before it
// succeeds, with a sleeper that returns at once: the overhead of the retry path.
func BenchmarkClientRetriedGetEngagement(b *testing.B) {
	body := available("xyz", "abc", "4743822558", 44, 900)
	n := 0
	c, err := core.NewClient(core.Config{AccountID: "12345678", Domain: "va.v.liveperson.net",
		Retry: core.RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }},
		Transport: core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
			n++
			if n%3 != 0 {
				return core.WireResponse{Status: 503, Body: lpError("busy", 0)}, nil
			}
			return core.WireResponse{Status: 200, Body: body}, nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetEngagement(ctx, benchRequest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRetryAfter(b *testing.B) {
	now := time.Date(1994, 11, 6, 8, 49, 0, 0, time.UTC)
	for _, v := range []string{"120", "Sun, 06 Nov 1994 08:49:37 GMT"} {
		b.Run(v[:3], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := core.ParseRetryAfter(v, now); !ok {
					b.Fatal(v)
				}
			}
		})
	}
}

func BenchmarkNormalizeBase(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.NormalizeBase("https://va.v.liveperson.net/"); err != nil {
			b.Fatal(err)
		}
	}
}
