package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/tests/faults"
)

// table is testdata/faults.json, the one table both clients are held to.
type table struct {
	About    string `json:"about"`
	Defaults struct {
		RetryDelaysMs    []int `json:"retryDelaysMs"`
		AttemptTimeoutMs int   `json:"attemptTimeoutMs"`
		CallTimeoutMs    int   `json:"callTimeoutMs"`
	} `json:"defaults"`
	Rows []row `json:"rows"`
}

type row struct {
	Fault            string  `json:"fault"`
	Why              string  `json:"why"`
	Prime            bool    `json:"prime"`
	Via              string  `json:"via"`
	AttemptTimeoutMs int     `json:"attemptTimeoutMs"`
	CallTimeoutMs    int     `json:"callTimeoutMs"`
	Expect           outcome `json:"expect"`
	// KnownDifference is the outcome of one implementation ("js" or "native") where it
	// differs from Expect on purpose, with the reason.
	KnownDifference *struct {
		Native *outcome `json:"native"`
		JS     *outcome `json:"js"`
		Reason string   `json:"reason"`
	} `json:"knownDifference"`
}

type outcome struct {
	Code               *string `json:"code"`
	Status             int     `json:"status"`
	Attempts           int     `json:"attempts"`
	Fresh              int     `json:"fresh"`
	Session            string  `json:"session"`
	RedirectTargetHits int     `json:"redirectTargetHits"`
}

func load(t *testing.T) table {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/faults.json")
	require.NoError(t, err)
	var tb table
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&tb))
	require.NotEmpty(t, tb.Rows)
	return tb
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestTableCoversEveryFault keeps the table and the server in step: every fault the server
// implements has a row, and every row names a fault the server implements.
func TestTableCoversEveryFault(t *testing.T) {
	var inTable, inServer []string
	for _, r := range load(t).Rows {
		inTable = append(inTable, r.Fault)
	}
	for f := range faults.Faults {
		inServer = append(inServer, f)
	}
	sort.Strings(inTable)
	sort.Strings(inServer)
	assert.Equal(t, inServer, inTable)
}

// TestNativeClientAgainstFaults runs core.Client over nethttp against every row, with
// LivePerson's attempt count (1 + 3) and the table's short pauses.
func TestNativeClientAgainstFaults(t *testing.T) {
	tb := load(t)
	srv, err := faults.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })

	for _, r := range tb.Rows {
		t.Run(r.Fault, func(t *testing.T) {
			want := r.Expect
			if r.KnownDifference != nil && r.KnownDifference.Native != nil {
				want = *r.KnownDifference.Native
			}
			delays := make([]time.Duration, len(tb.Defaults.RetryDelaysMs))
			for i, d := range tb.Defaults.RetryDelaysMs {
				delays[i] = ms(d)
			}
			require.Len(t, delays, 3, "the production policy's attempt count: 1 + 3")
			attemptTimeout := tb.Defaults.AttemptTimeoutMs
			if r.AttemptTimeoutMs > 0 {
				attemptTimeout = r.AttemptTimeoutMs
			}
			cfg := core.Config{
				AccountID:      r.Fault,
				Domain:         srv.URL(),
				Transport:      nethttp.New(),
				Retry:          core.RetryPolicy{Delays: delays},
				AttemptTimeout: ms(attemptTimeout),
			}
			if r.Via == "csds" {
				cfg.Domain, cfg.CSDSDomain = "", srv.URL()
			}
			c, err := core.NewClient(cfg)
			require.NoError(t, err)
			ctx := context.Background()

			var primed core.Session
			if r.Prime {
				_, err := c.GetEngagement(ctx, core.Request{})
				require.NoError(t, err, "priming call")
				primed, err = c.Session(ctx)
				require.NoError(t, err)
				require.NotEmpty(t, primed.VisitorID)
			}
			before := srv.Stats(r.Fault)

			callCtx := ctx
			callTimeout := tb.Defaults.CallTimeoutMs
			if r.CallTimeoutMs > 0 {
				callTimeout = r.CallTimeoutMs
			}
			if callTimeout > 0 {
				var cancel context.CancelFunc
				callCtx, cancel = context.WithTimeout(ctx, ms(callTimeout))
				defer cancel()
			}
			resp, callErr := c.GetEngagement(callCtx, core.Request{})

			after := srv.Stats(r.Fault)
			if want.Code == nil {
				require.NoError(t, callErr)
				assert.Equal(t, core.StatusNotAvailable, resp.Status)
			} else {
				var ce *core.Error
				require.True(t, errors.As(callErr, &ce), "got %v", callErr)
				assert.Equal(t, *want.Code, string(ce.Code), "code (%v)", callErr)
				assert.Equal(t, want.Status, ce.Status, "status (%v)", callErr)
			}
			assert.Equal(t, want.Attempts, after.Attempts-before.Attempts, "attempts the server saw")
			assert.Equal(t, want.Fresh, after.Fresh-before.Fresh, "attempts without a visitor id")
			assert.Equal(t, want.RedirectTargetHits, after.RedirectTargetHits-before.RedirectTargetHits, "requests at the redirect target")

			s, err := c.Session(ctx)
			require.NoError(t, err)
			switch want.Session {
			case "none":
				assert.Empty(t, s.VisitorID, "session dropped or never stored")
				assert.Empty(t, s.SessionID)
			case "stored":
				assert.NotEmpty(t, s.VisitorID)
				assert.NotEmpty(t, s.SessionID)
			case "kept":
				assert.Equal(t, primed, s, "the primed session is kept")
			case "replaced":
				assert.NotEmpty(t, s.VisitorID)
				assert.NotEqual(t, primed.VisitorID, s.VisitorID, "a new visitor replaced the rejected one")
			default:
				t.Fatalf("unknown session expectation %q", want.Session)
			}
		})
	}
}
