package core

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ipSeeds = []string{
	"", "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.",
	"127.0.0.1", "127.255.0.9", "1.2.3.4%eth0", "::", "::1", "::1%eth0", "::1%", "1::", "1:", ":1", "1:2:3:4:5:6:7:8",
	"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "::ffff:127.0.0.1", "::ffff:7f00:1",
	"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3.4", "fe80::1%25en0", "2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1",
	"0:0:1:0:0:0:1:0", "12345::", "::12345.1.1.1", "::1a.2.3.4", "1:::2", "1::2::3", "[::1]", "localhost", "%x", "abcd",
	"0:0:0:0:0:0:0:1", "::ffff:0:0", "::ffff:ffff:ffff", "1::ffff:1.2.3.4", "::ffff:1.2.3.4%z",
}

func checkIPLikeNetip(t *testing.T, s string) {
	want, err := netip.ParseAddr(s)
	got, ok := parseIP(s)
	require.Equal(t, err == nil, ok, "parseIP(%q): netip says %v", s, err)
	if !ok {
		return
	}
	assert.Equal(t, want.Is4(), got.is4, "is4 of %q", s)
	assert.Equal(t, want.Zone(), got.zone, "zone of %q", s)
	assert.Equal(t, want.WithZone("").String(), got.String(), "String of %q", s)
	assert.Equal(t, want.IsLoopback(), got.isLoopback(), "isLoopback of %q", s)
	if got.is4 {
		assert.Equal(t, want.As4(), [4]byte(got.b[12:]), "bytes of %q", s)
	} else {
		assert.Equal(t, want.As16(), got.b, "bytes of %q", s)
	}
}

func TestParseIPLikeNetip(t *testing.T) {
	for _, s := range ipSeeds {
		checkIPLikeNetip(t, s)
	}
}

// FuzzParseIP: parseIP accepts exactly what netip.ParseAddr accepts, with the same address,
// zone, text form and loopback answer.
func FuzzParseIP(f *testing.F) {
	for _, s := range ipSeeds {
		f.Add(s)
	}
	f.Fuzz(checkIPLikeNetip)
}
