//go:build js && wasm

package jsbridge

import (
	"time"

	"github.com/appengage/appengage/jsbridge/internal/direct"
)

// The direct call of getEngagement (see package direct for why): the loader calls
//
//	appengage_get_engagement(client, id, textLength, hasTimeout, timeoutMs) → 1 taken | 0 not
//
// after writing the request's JSON text into the direct buffer, instead of the handle's
// getEngagement(id, text, timeoutMs), whenever Go is not running (a call made from JS that
// Go called, such as a fetch or storage function, takes the handle's js.Func). It does what
// that function does (start), and the loader then resumes the Go scheduler, which runs the
// call's goroutine until it waits for its answer. 0 means the client is closed or the text
// did not fit, and the loader makes the call through the handle instead.

// clients holds the open clients by their directID. Only newClient, close and direct calls
// use it, all on the one JS thread.
var clients = registry{byID: map[float64]*client{}}

type registry struct {
	next float64
	byID map[float64]*client
}

func (r *registry) add(c *client) float64 {
	r.next++
	r.byID[r.next] = c
	return r.next
}

func (r *registry) remove(id float64) { delete(r.byID, id) }

//go:wasmexport appengage_get_engagement
func directGetEngagement(client, id float64, n, hasTimeout int32, timeoutMs float64) (taken int32) {
	defer direct.Done()
	c := clients.byID[client]
	if c == nil {
		return 0
	}
	text, ok := direct.Text(0, n)
	if !ok {
		return 0
	}
	c.guardDirect(id, func() {
		var timeout time.Duration
		var msg string
		if hasTimeout != 0 {
			timeout, msg = duration(timeoutMs)
		}
		c.begin(id, timeout, msg, func() (any, error) { return c.prepareText(text) }, c.getEngagement)
	})
	return 1
}
