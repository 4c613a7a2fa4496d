//go:build js && wasm

// Command crashworker is a test fixture for gateway.mjs: a Go program on syumai/workers
// whose /crash request stops the whole program (as an unrecovered panic in any goroutine
// would), and whose other requests report how many requests this instance has served. The
// workerd test checks that the request under way gets a 500 and the next one a fresh
// instance.
package main

import (
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/syumai/workers"
)

func main() {
	var served atomic.Int64
	workers.ServeNonBlock(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		if r.URL.Path == "/crash" {
			go func() {
				time.Sleep(10 * time.Millisecond)
				os.Exit(3)
			}()
			time.Sleep(time.Second) // the answer never comes: the program stops first
		}
		fmt.Fprintf(w, "served %d\n", n)
	}))
	workers.Ready()
	select {}
}
