// Package idfield reads an id from an answer's JSON text for the floor modules of
// bench/floor and bench/floorsync, which must stay as small as the least a call needs.
package idfield

import "strings"

// Of is the string value of key in a flat JSON text, "" when absent (the simulator's ids
// need no unescaping).
func Of(s, key string) string {
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
