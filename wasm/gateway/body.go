//go:build js && wasm

package main

import (
	"bytes"
	"net/http"
	"syscall/js"
)

// rawJSBodyWriter is implemented by syumai/workers' ResponseWriter: a body given as a JS
// value becomes the Response body as is.
type rawJSBodyWriter interface {
	WriteRawJSBody(body js.Value)
}

// wholeBodies buffers each answer and hands it to the Worker as one Uint8Array instead of
// letting syumai/workers stream it out of an io.Pipe. The gateway's answers are small JSON
// documents, and the streaming path keeps its pull callbacks and a 16 KB buffer per response
// for the life of the Go instance, which instance reuse cannot afford (about 10 KB per
// request; docs/benchmarks/gateway.md).
func wholeBodies(h http.Handler) http.Handler {
	uint8Array := js.Global().Get("Uint8Array")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := w.(rawJSBodyWriter)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		b := &bufferedWriter{header: w.Header(), status: http.StatusOK}
		h.ServeHTTP(b, r)
		if b.body.Len() > 0 {
			arr := uint8Array.New(b.body.Len())
			js.CopyBytesToJS(arr, b.body.Bytes())
			raw.WriteRawJSBody(arr)
		}
		w.WriteHeader(b.status)
	})
}

// bufferedWriter is an http.ResponseWriter that keeps the status and the body in memory; the
// headers are the real writer's.
type bufferedWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}
