package core

import "strconv"

// IP address literals, parsed by hand: net/netip would do, but it brings unique, weak and
// their runtime support into the WebAssembly module (about 140 KB of its 4 MB). The rules
// are netip.ParseAddr's, checked against it by FuzzParseIP: IPv4 as four decimal fields
// without leading zeros, IPv6 as up to eight hex groups with at most one "::", an optional
// trailing IPv4 part and an optional non-empty zone after '%'.

// ipAddr is an IP address: 16 bytes, an IPv4 address stored as such in the last four with
// is4 set.
type ipAddr struct {
	b    [16]byte
	is4  bool
	zone string
}

// parseIP parses an IPv4 or IPv6 literal, like netip.ParseAddr.
func parseIP(s string) (ipAddr, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			var a ipAddr
			a.is4 = true
			return a, parseIPv4(s, a.b[12:])
		case ':':
			return parseIPv6(s)
		case '%':
			return ipAddr{}, false
		}
	}
	return ipAddr{}, false
}

// parseIPv4 parses a dotted quad into out (4 bytes).
func parseIPv4(s string, out []byte) bool {
	field, digits, n := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 1 && field == 0 {
				return false // a leading zero
			}
			field = field*10 + int(c-'0')
			digits++
			if field > 255 {
				return false
			}
		case c == '.' && digits > 0 && n < 3:
			out[n] = byte(field)
			n++
			field, digits = 0, 0
		default:
			return false
		}
	}
	if digits == 0 || n != 3 {
		return false
	}
	out[3] = byte(field)
	return true
}

// parseIPv6 parses an IPv6 literal with an optional zone.
func parseIPv6(s string) (ipAddr, bool) {
	var a ipAddr
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			s, a.zone = s[:i], s[i+1:]
			if a.zone == "" {
				return ipAddr{}, false
			}
			break
		}
	}
	ellipsis := -1 // byte index where "::" was
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if s == "" {
			return a, true // "::"
		}
	}
	i := 0
	for i < 16 {
		// A hex group of 1 to 4 digits, or the trailing IPv4 part.
		off, v := 0, 0
		for ; off < len(s); off++ {
			d, ok := hexDigit(s[off])
			if !ok {
				break
			}
			if off == 4 {
				return ipAddr{}, false
			}
			v = v<<4 + d
		}
		if off < len(s) && s[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 || !parseIPv4(s, a.b[i:i+4]) {
				return ipAddr{}, false
			}
			s = ""
			i += 4
			break
		}
		if off == 0 {
			return ipAddr{}, false
		}
		a.b[i], a.b[i+1] = byte(v>>8), byte(v)
		i += 2
		s = s[off:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return ipAddr{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return ipAddr{}, false // a second "::"
			}
			ellipsis = i
			s = s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" {
		return ipAddr{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return ipAddr{}, false
		}
		n := 16 - i
		copy(a.b[ellipsis+n:], a.b[ellipsis:i])
		clear(a.b[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return ipAddr{}, false // "::" must stand for at least one group
	}
	return a, true
}

func hexDigit(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// is4In6 reports whether a is an IPv4-mapped IPv6 address, ::ffff:a.b.c.d.
func (a ipAddr) is4In6() bool {
	if a.is4 {
		return false
	}
	for _, c := range a.b[:10] {
		if c != 0 {
			return false
		}
	}
	return a.b[10] == 0xff && a.b[11] == 0xff
}

// isLoopback reports whether a is 127.0.0.0/8 (also IPv4-mapped) or ::1.
func (a ipAddr) isLoopback() bool {
	if a.is4 || a.is4In6() {
		return a.b[12] == 127
	}
	for _, c := range a.b[:15] {
		if c != 0 {
			return false
		}
	}
	return a.b[15] == 1
}

// String formats a without its zone as netip.Addr.String does: IPv4 dotted, IPv4-mapped as
// ::ffff:a.b.c.d, other IPv6 in the RFC 5952 form (lowercase hex, the longest run of two
// or more zero groups, the first one on a tie, written as "::").
func (a ipAddr) String() string {
	v4 := func(b []byte) []byte {
		for i := 12; i < 16; i++ {
			if i > 12 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(a.b[i]), 10)
		}
		return b
	}
	if a.is4 {
		return string(v4(nil))
	}
	if a.is4In6() {
		return string(v4([]byte("::ffff:")))
	}
	group := func(i int) uint64 { return uint64(a.b[2*i])<<8 | uint64(a.b[2*i+1]) }
	zeroStart, zeroEnd := -1, -1
	for i := 0; i < 8; i++ {
		j := i
		for j < 8 && group(j) == 0 {
			j++
		}
		if j-i >= 2 && j-i > zeroEnd-zeroStart {
			zeroStart, zeroEnd = i, j
		}
		if j > i {
			i = j
		}
	}
	b := make([]byte, 0, 39)
	for i := 0; i < 8; i++ {
		if i == zeroStart {
			b = append(b, ':', ':')
			i = zeroEnd - 1
			continue
		}
		if i > 0 && b[len(b)-1] != ':' {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, group(i), 16)
	}
	return string(b)
}
