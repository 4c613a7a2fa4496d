//go:build js && wasm

// Package jsbridge is the only Go code that touches syscall/js. It adapts the core to a
// JavaScript host: a core.Transport over the host's fetch, conversion between JS values and
// the core's generic value trees, promise and callback glue, session storage adapters, and
// the ChatApi object that wasm/chatapi hands to the JS loader.
//
// Two hazards of syscall/js shape every file here. A js.FuncOf handler runs on the JS event
// loop: blocking in it (waiting on a channel, a fetch, a timer) deadlocks the program, so
// handlers only convert their arguments and start a goroutine. Every js.Func holds a slot in
// a table until Release is called, so each one has a single owner that releases it; the two
// callbacks given to a promise's then are released together, whichever fires.
package jsbridge
