package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

func TestLookupDomain(t *testing.T) {
	single := map[string]any{"service": "msdkgw", "account": "123", "baseURI": "va.v.liveperson.net"}
	list := map[string]any{"baseURIs": []any{
		map[string]any{"service": "smt", "account": "123", "baseURI": "smt.example.net"},
		map[string]any{"service": "msdkgw", "account": "123", "baseURI": "127.0.0.1:8081"},
	}}
	tests := []struct {
		name    string
		csds    string
		answers []core.WireResponse // one per attempt
		want    string
		code    core.Code
		calls   int
	}{
		{"single object", "https://api.liveperson.net", []core.WireResponse{{Status: 200, Body: single}}, "https://va.v.liveperson.net", "", 1},
		{"list, loopback CSDS over http keeps http", "http://127.0.0.1:9", []core.WireResponse{{Status: 200, Body: list}}, "http://127.0.0.1:8081", "", 1},
		{"list, https CSDS gives https", "https://api.liveperson.net", []core.WireResponse{{Status: 200, Body: list}}, "https://127.0.0.1:8081", "", 1},
		{"503 retried, then answered", "https://api.liveperson.net", []core.WireResponse{{Status: 503}, {Status: 200, Body: single}}, "https://va.v.liveperson.net", "", 2},
		{"401 not retried", "https://api.liveperson.net", []core.WireResponse{{Status: 401}}, "", core.CodeDomainLookup, 1},
		{"no msdkgw in the answer", "https://api.liveperson.net", []core.WireResponse{{Status: 200, Body: map[string]any{"baseURIs": []any{}}}}, "", core.CodeDomainLookup, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var urls []string
			tr := core.TransportFunc(func(_ context.Context, r core.WireRequest) (core.WireResponse, error) {
				urls = append(urls, r.URL)
				return tt.answers[len(urls)-1], nil
			})
			retry := core.RetryPolicy{Delays: []time.Duration{time.Second}, Sleep: func(context.Context, time.Duration) error { return nil }}
			got, err := core.LookupDomain(context.Background(), core.Config{AccountID: "123", CSDSDomain: tt.csds, Transport: tr, Retry: retry})
			assert.Len(t, urls, tt.calls)
			assert.Equal(t, tt.csds+"/api/account/123/service/msdkgw/baseURI.json?version=1.0", urls[0])
			if tt.code != "" {
				var ce *core.Error
				require.True(t, errors.As(err, &ce), "error %v", err)
				assert.Equal(t, tt.code, ce.Code)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLookupDomainRefusesABadConfig(t *testing.T) {
	_, err := core.LookupDomain(context.Background(), core.Config{AccountID: "no spaces allowed"})
	var ce *core.Error
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, core.CodeValidation, ce.Code)
	assert.Equal(t, "accountId", ce.Field())
}
