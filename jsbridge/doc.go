//go:build js && wasm

// Package jsbridge is the ChatApi handle: the object wasm/chatapi hands to the JS loader, its
// calls, their promises and the session storage adapters. It is the only Go code that
// touches syscall/js, split by job into internal packages:
//
//   - internal/fetch: the core.Transport over the host's fetch, through the exchange port
//     of web/src/exchange.js (calls settled by id through one long-lived callback);
//   - internal/convert: JS values <-> the core's value trees (JSON text both ways, a
//     walker for values JSON cannot hold), the fixed shapes through vert, errors as JS
//     Errors;
//   - internal/promise: waiting for JS promises and turning JS exceptions into errors;
//   - internal/direct: the memory the loader writes text into for the direct calls, the
//     wasmexport functions a getEngagement and its answer enter Go by (api.go's
//     appengage_get_engagement, fetch's appengage_answer), which cost a fraction of a
//     js.Func call. Like a js.Func handler, a direct call must never block.
//
// Two hazards of syscall/js shape every file here. A js.FuncOf handler runs on the JS event
// loop: blocking in it (waiting on a channel, a fetch, a timer) deadlocks the program, so
// handlers only convert their arguments and start a goroutine. Every js.Func holds a slot in
// a table until Release is called, so each one has a single owner that releases it.
//
// recover() runs only where JS calls into Go (guard, guardDirect, syncCall, and protect,
// where a call's goroutine starts, all in call.go) and turns a panic into an internal error that reaches the caller; JS exceptions thrown into
// Go are caught by promise.Catch, or reported on their field by convert's readers.
package jsbridge
