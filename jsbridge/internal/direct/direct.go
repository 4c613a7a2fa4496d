//go:build js && wasm

// Package direct is what the module's direct calls share: the memory the loader writes text
// into, and the numbers JS names their receivers by. The direct calls are the wasmexport
// functions (jsbridge's appengage_get_engagement, fetch's appengage_answer) that JS calls
// instead of a js.Func on the path of every getEngagement. A js.Func call goes through the
// Go runtime's event machinery (the pending-event object, a handler goroutine, the
// scheduler) and costs 12-20 µs in a tight loop and several times that between fetches; a
// wasmexport call costs well under a microsecond (docs/benchmarks/wasm.md, "Direct calls").
//
// The loader asks for room with appengage_buffer(n), writes UTF-8 there, then calls one
// direct function with the lengths, which copies the text out with Text before anything
// else can reuse the buffer. A direct function never blocks: it reads, converts, makes the
// round trips and settles the calls that need no waiting (core.Flight), and hands the rest
// to goroutines, which the loader then runs by resuming the Go scheduler (see Taken).
package direct

import "unsafe"

// keep is the most buffer kept between calls; a larger one is made for one call and dropped
// (a response body can be up to core.MaxResponseBody, 1 MiB, which the next call need not hold).
const keep = 64 << 10

var buf []byte

// buffer returns where the loader may write n bytes, valid until the next Go call.
//
//go:wasmexport appengage_buffer
//lint:ignore U1000 called from JS: a wasmexport function is an export of the module
func buffer(n int32) unsafe.Pointer {
	need := max(int(n), 1) // room for 0 bytes still needs an address (and Done may have dropped buf)
	if need > cap(buf) {
		buf = make([]byte, max(need, 4<<10))
	}
	buf = buf[:need]
	return unsafe.Pointer(&buf[0])
}

// Text copies bytes [off, off+n) of what the loader wrote; false when the range is not in
// the buffer.
func Text(off, n int32) (string, bool) {
	if off < 0 || n < 0 || int(off)+int(n) > len(buf) {
		return "", false
	}
	return string(buf[off : off+n]), true
}

// woke is set when Go code readied a goroutine that is to run before Go pauses again.
var woke bool

// Woke notes that a goroutine was readied (a task handed to a worker, an answer sent to a
// waiting round trip): a direct call that did so asks the loader to resume Go's scheduler.
func Woke() { woke = true }

// Begin starts a direct function: what was woken before it (by a js.Func, which runs its
// goroutines itself) is not its to report.
func Begin() { woke = false }

// Taken is what a direct function returns once it has taken its call: 1, or 2 when it woke
// a goroutine and the loader must resume Go's scheduler to run it (0 means not taken). A
// call that ends on the JS thread (a getEngagement answered and settled there) wakes
// nothing, and the scheduler is not resumed at all.
func Taken() int32 {
	r := int32(1)
	if woke {
		r = 2
	}
	woke = false
	return r
}

// Equal reports whether bytes [off, off+n) of what the loader wrote are s, without copying
// them out.
func Equal(off, n int32, s string) bool {
	if off < 0 || n < 0 || int(off)+int(n) > len(buf) {
		return false
	}
	return string(buf[off:off+n]) == s
}

// Done drops a buffer larger than keep once a direct call has copied its text out.
func Done() {
	if cap(buf) > keep {
		buf = nil
	}
}

// Registry numbers the receivers of direct calls (clients, transports) for JS, which passes
// the number back. Only the JS thread uses it (newClient, close, direct calls), so it needs
// no lock.
type Registry[T any] struct {
	next int32
	byID map[int32]T
}

// Add registers v and returns its number, never 0 (which JS reads as "none").
func (r *Registry[T]) Add(v T) int32 {
	if r.byID == nil {
		r.byID = map[int32]T{}
	}
	r.next++
	r.byID[r.next] = v
	return r.next
}

// Get returns the receiver numbered id, and false once it is removed.
func (r *Registry[T]) Get(id int32) (T, bool) {
	v, ok := r.byID[id]
	return v, ok
}

// Remove forgets id: later direct calls for it are not taken.
func (r *Registry[T]) Remove(id int32) { delete(r.byID, id) }
