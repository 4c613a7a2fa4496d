package core_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// FuzzParseResponse: ParseResponse never panics, whether numbers come as float64 or as
// json.Number; what it accepts has its required fields, and the tree built from the typed
// response parses back to the same response.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		docAvailable, docNotAvailable, `{}`, `[]`, `null`, `"Loading"`,
		`{"status": "Available", "sessionId": 1, "visitorId": 2, "pageId": 3, "engagementDetails": {"campaignId": 123456789012345678901234567890, "engagementId": 3.3e9, "contextId": 1, "skillId": "007", "engagementRevision": "12"}}`,
		`{"status": "NotAvailable", "sessionId": "s", "visitorId": "v", "pageId": "p", "engagementDetails": null}`,
		`{"time": 1700000000000, "message": "Loading account: 1, vid: x", "internalCode": 20}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var plain any
		if json.Unmarshal(data, &plain) != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var numbers any
		require.NoError(t, dec.Decode(&numbers))

		for _, body := range []any{plain, numbers} {
			core.ParseErrorBody(body)
			r, err := core.ParseResponse(body)
			if err != nil {
				var ce *core.Error
				require.ErrorAs(t, err, &ce)
				require.Equal(t, core.CodeServer, ce.Code)
				continue
			}
			require.Contains(t, []core.Status{core.StatusAvailable, core.StatusNotAvailable}, r.Status)
			require.NotEmpty(t, r.SessionID)
			require.NotEmpty(t, r.VisitorID)
			require.NotEmpty(t, r.PageID)
			require.Equal(t, r.Status == core.StatusAvailable, r.EngagementDetails != nil)
			require.Equal(t, body, any(r.Tree()))

			r.Raw = nil
			back, err := core.ParseResponse(jsonRoundTrip(t, r.Tree()))
			require.NoError(t, err)
			back.Raw = nil
			assert.Equal(t, r, back)
		}
	})
}
