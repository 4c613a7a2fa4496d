package core_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

func TestImpression(t *testing.T) {
	d := core.EngagementDetails{
		CampaignID: "3346848610", EngagementID: "3562981110", ContextID: "1",
		WindowID: "3346847910", Language: "en-US", EngagementRevision: 44, ValidForSeconds: 900,
	}
	eContext := []any{map[string]any{"type": "engagementContext", "id": "1"}}
	tests := []struct {
		kind string
		want core.Attribute
	}{
		{"impDisplay", core.Attribute{"type": "impDisplay", "campaign": 3346848610.0, "engId": 3562981110.0, "revision": 44.0, "eContext": eContext}},
		{"impAccept", core.Attribute{"type": "impAccept", "campaign": 3346848610.0, "engId": 3562981110.0, "revision": 44.0, "eContext": eContext}},
		{"impExpanded", core.Attribute{"type": "impExpanded", "campaign": 3346848610.0, "engId": 3562981110.0, "revision": 44.0}},
		{"impTimeout", core.Attribute{"type": "impTimeout", "campaign": 3346848610.0, "engId": 3562981110.0, "revision": 44.0}},
		{"impClose", core.Attribute{"type": "impClose", "campaign": 3346848610.0, "engId": 3562981110.0, "revision": 44.0}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			got, err := core.Impression(tt.kind, d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Empty(t, core.ValidateImpression("impAttributes[0]", got), "the event passes the impression schema")
			assert.NotEmpty(t, core.ValidateSDE("engagementAttributes[0]", got), "and is refused as an SDE")
		})
	}
}

func TestImpressionRefusesWhatItCannotMap(t *testing.T) {
	good := core.EngagementDetails{CampaignID: "1", EngagementID: "2", ContextID: "3", EngagementRevision: 4}
	tests := []struct {
		name   string
		kind   string
		edit   func(*core.EngagementDetails)
		fields []string
	}{
		{"unknown kind", "impShown", func(*core.EngagementDetails) {}, []string{"type"}},
		{"SDE type", "cart", func(*core.EngagementDetails) {}, []string{"type"}},
		{"missing campaign", "impClose", func(d *core.EngagementDetails) { d.CampaignID = "" }, []string{"engagementDetails.campaignId"}},
		{"non-numeric engagement", "impClose", func(d *core.EngagementDetails) { d.EngagementID = "abc" }, []string{"engagementDetails.engagementId"}},
		{"beyond 2^53", "impClose", func(d *core.EngagementDetails) { d.CampaignID = "9007199254740993" }, []string{"engagementDetails.campaignId"}},
		{"negative revision", "impClose", func(d *core.EngagementDetails) { d.EngagementRevision = -1 }, []string{"engagementDetails.engagementRevision"}},
		{"display without context", "impDisplay", func(d *core.EngagementDetails) { d.ContextID = "" }, []string{"engagementDetails.contextId"}},
		{"everything", "x", func(d *core.EngagementDetails) { *d = core.EngagementDetails{} }, []string{"type", "engagementDetails.campaignId", "engagementDetails.engagementId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good
			tt.edit(&d)
			got, err := core.Impression(tt.kind, d)
			assert.Nil(t, got)
			e := requireCode(t, err, core.CodeValidation)
			var fields []string
			for _, p := range e.Problems {
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tt.fields, fields)
		})
	}
	_, err := core.Impression("impTimeout", core.EngagementDetails{CampaignID: "1", EngagementID: "2"})
	assert.NoError(t, err, "a timeout event needs no context id")
}
