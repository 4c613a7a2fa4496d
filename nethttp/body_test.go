package nethttp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/nethttp"
)

func TestReadObject(t *testing.T) {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	cases := []struct {
		name     string
		body     string
		tooLarge bool
		message  string // "" = accepted
	}{
		{"object", `{"appType":"EXTERNAL","n":9007199254740993123}`, false, ""},
		{"spaces around", " \n{}\t", false, ""},
		{"empty", "", false, "required"},
		{"blank", "   ", false, "required"},
		{"array", `[{}]`, false, "JSON object"},
		{"string", `"x"`, false, "JSON object"},
		{"null", `null`, false, "JSON object"},
		{"broken", `{"a":`, false, "not valid JSON"},
		{"two values", `{}{}`, false, "after the JSON object"},
		{"too large", `{"a":"` + strings.Repeat("x", 100) + `"}`, true, "larger than 64 bytes"},
		{"depth at the limit", deep(8), false, ""},
		{"depth past the limit", deep(9), false, "nested more than 8 levels"},
		{"brackets inside strings do not count", `{"a":"[[[[[[[[[[[[{{{{{{{{\"{{{{"}`, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit := int64(64)
			v, err := nethttp.ReadObject(strings.NewReader(c.body), limit, 8)
			if c.message == "" {
				require.Nil(t, err)
				raw, _ := json.Marshal(v)
				assert.NotContains(t, string(raw), "e+", "numbers stay exact")
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, c.tooLarge, err.TooLarge)
			assert.Contains(t, err.Message, c.message)
			assert.Nil(t, v)
		})
	}
	_, err := nethttp.ReadObject(nil, 10, 8)
	require.NotNil(t, err)
}
