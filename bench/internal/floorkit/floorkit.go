// Package floorkit is what the floor modules of bench/floor and bench/floorsync share: the
// buffer JS writes text into for their direct calls, and a reader of an answer's ids. Both
// stay as small as the least a call needs.
package floorkit

import (
	"strings"
	"unsafe"
)

var buf []byte

// Buffer returns where JS may write n bytes (at least one byte of room, so there is an
// address), valid until the next call into Go.
func Buffer(n int32) unsafe.Pointer {
	need := max(int(n), 1)
	if need > cap(buf) {
		buf = make([]byte, max(need, 4<<10))
	}
	buf = buf[:need]
	return unsafe.Pointer(&buf[0])
}

// Text copies bytes [off, off+n) of what JS wrote.
func Text(off, n int32) string { return string(buf[off : off+n]) }

// Put copies s into the buffer and returns its length.
func Put(s string) int32 {
	Buffer(int32(len(s)))
	return int32(copy(buf, s))
}

// Field is the string value of key in a flat JSON text, "" when absent (the simulator's
// ids need no unescaping).
func Field(s, key string) string {
	i := strings.Index(s, `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	s = s[i+len(key)+4:]
	if j := strings.IndexByte(s, '"'); j >= 0 {
		return s[:j]
	}
	return ""
}
