//go:build workerd

package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneGoInstanceServesManyRequests checks gateway.mjs: consecutive requests reuse one Go
// instance (its served counter grows) until APPENGAGE_INSTANCE_REQUESTS retires it, and the
// next request starts a fresh one.
func TestOneGoInstanceServesManyRequests(t *testing.T) {
	var counts []int
	for i := 0; i < 3*instanceRequests; i++ {
		a := do(t, "GET", gateURL+"/appengage/v1/health", "", nil)
		require.Equal(t, 200, a.status, a.raw)
		counts = append(counts, int(a.body["served"].(float64)))
	}
	grew, restarted := 0, 0
	for i := 1; i < len(counts); i++ {
		switch {
		case counts[i] == counts[i-1]+1:
			grew++
		case counts[i] < counts[i-1]:
			restarted++
		}
		assert.LessOrEqual(t, counts[i], instanceRequests, "an instance never serves past its limit")
	}
	assert.Greater(t, grew, 2*instanceRequests, "consecutive requests were served by the same instance: %v", counts)
	assert.GreaterOrEqual(t, restarted, 2, "retired instances were replaced: %v", counts)
}

// TestConcurrentRequests sends requests at once (each takes an idle instance or starts one);
// each gets its own answer.
func TestConcurrentRequests(t *testing.T) {
	a := do(t, "POST", gateURL+visitorsPath(acctConc, "", ""), `{"appType":"EXTERNAL"}`, nil)
	require.Equal(t, 200, a.status, a.raw)
	vid, sid := a.body["visitorId"].(string), a.body["sessionId"].(string)
	var wg sync.WaitGroup
	results := make([]answer, 16)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = do(t, "POST", gateURL+visitorsPath(acctConc, vid, sid), `{"appType":"EXTERNAL","consumerSections":["s`+string(rune('a'+i))+`"]}`, nil)
		}(i)
	}
	wg.Wait()
	pages := map[any]bool{}
	for i, r := range results {
		require.Equal(t, 200, r.status, "request %d: %s", i, r.raw)
		assert.Equal(t, vid, r.body["visitorId"])
		pages[r.body["pageId"]] = true
	}
	assert.Len(t, pages, len(results), "every request got its own page id")
}

// TestTimerOutlivesTheRequestThatScheduledIt: the Go runtime re-arms its one wake-up timer
// whenever it goes idle, so a timer a request is waiting on (here the attempt timeout, 5 s,
// against an upstream that answers after 10 s) may be re-armed while serving another request
// that then finishes. The waiting request must still wake up on time.
func TestTimerOutlivesTheRequestThatScheduledIt(t *testing.T) {
	setScenario(t, acctFail, `{"delayMs":10000}`)
	defer setScenario(t, acctFail, `{}`)
	done := make(chan answer, 1)
	go func() { done <- do(t, "POST", gateURL+visitorsPath(acctFail, "", ""), `{}`, nil) }()
	time.Sleep(300 * time.Millisecond) // the first request is now waiting on its attempt timer
	for i := 0; i < 3; i++ {
		a := do(t, "GET", gateURL+"/appengage/v1/health", "", nil)
		require.Equal(t, 200, a.status)
	}
	select {
	case a := <-done:
		assert.Equal(t, 504, a.status, a.raw)
	case <-time.After(20 * time.Second):
		t.Fatal("the request waiting on a Go timer never finished")
	}
}

// TestInterleavedRetriesOnOneInstance: many requests at once, each waiting on a slow
// upstream, so goroutines of one request are woken while the runtime is serving another's
// event. Every request must finish with an answer of its own.
func TestInterleavedRetriesOnOneInstance(t *testing.T) {
	setScenario(t, acctStress, `{"delayMs":300}`)
	defer setScenario(t, acctStress, `{}`)
	const n = 24
	results := make(chan answer, n)
	for i := 0; i < n; i++ {
		ip := map[string]string{"CF-Connecting-IP": fmt.Sprintf("198.51.100.%d", i+1)} // one new visitor each: under the cap
		go func() { results <- do(t, "POST", gateURL+visitorsPath(acctStress, "", ""), `{}`, ip) }()
	}
	deadline := time.After(60 * time.Second)
	ok := 0
	for i := 0; i < n; i++ {
		select {
		case a := <-results:
			switch a.status {
			case 200:
				ok++
			case 504: // 24 instances starting at once on a loaded machine may pass the 5 s attempt timeout
			case 503:
				// workerd itself, when it restarts the isolate under 24 fresh Go instances
				// ("Your worker restarted mid-request"); before the one-retry-layer change this
				// test accepted every 503, which hid it. An answer all the same, not a hang.
				assert.Contains(t, a.raw, "restarted", "a 503 that is not workerd's restart")
				t.Logf("workerd restarted the isolate: %s", a.raw)
			default:
				t.Errorf("unexpected answer %d: %s", a.status, a.raw)
			}
		case <-deadline:
			t.Fatalf("%d of %d requests never finished", n-i, n)
		}
	}
	assert.Greater(t, ok, 0)
}
