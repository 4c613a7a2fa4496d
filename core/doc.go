// Package core is the domain of appengage: the request and response types of LivePerson's
// App Engagement API (service msdkgw), their validation including every SDE type, the retry
// policy, session reuse, domain lookup through CSDS and the engagement client.
//
// core depends on the standard library only, and on neither net/http, syscall/js nor
// encoding/json: it exchanges generic value trees (map[string]any, []any, string, float64,
// bool, nil) with the adapters through the Transport interface, and the adapters own the
// bytes on the wire. This keeps the WebAssembly module small and lets the same rules run in
// native Go, in the browser, in Node and at the edge.
package core
