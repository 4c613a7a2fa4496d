//go:build workerd

package gateway_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneGoInstanceServesManyRequests checks gateway.mjs: requests share one Go instance
// (its served counter grows) until APPENGAGE_INSTANCE_REQUESTS retires it, and the next
// request starts a fresh one.
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

// TestConcurrentRequestsShareAnInstance sends requests at once; each gets its own answer.
func TestConcurrentRequestsShareAnInstance(t *testing.T) {
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
