package core_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/appengage/appengage/core"
)

func TestValidAccountID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"12345678", true},
		{"le_Test_1", true},
		{"A", true},
		{strings.Repeat("9", 20), true},
		{strings.Repeat("9", 21), false},
		{"", false},
		{"1234-5678", false},
		{"12 34", false},
		{"../x", false},
		{"acct.1", false},
		{"ä", false},
	} {
		assert.Equal(t, tc.want, core.ValidAccountID(tc.id), "%q", tc.id)
	}
}

func TestWellFormedID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"123", true},
		{"Vb3kQz91", true},
		{"Sx7_p2LmA", true},
		{"a.b:c-d_e", true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{"a b", false},
		{"a/b", false},
		{"a?b", false},
		{"a%2F", false},
		{"a#b", false},
		{"ü", false},
		{"a\x00", false},
		// Dot segments would change the URL path (visitors/.. is the account's engagement
		// collection once fetch or a proxy resolves it); dots inside an id are fine.
		{".", false},
		{"..", false},
		{"...", false},
		{strings.Repeat(".", 128), false},
		{".a", true},
		{"a..", true},
		{"..a", true},
	} {
		assert.Equal(t, tc.want, core.WellFormedID(tc.id), "%q", tc.id)
	}
}
