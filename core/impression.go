package core

import "strconv"

// maxExactID is 2^53: ids up to it survive the trip through a JSON number (float64) exactly.
const maxExactID = 1 << 53

// Impression builds the impression event kind ("impDisplay", "impAccept", "impExpanded",
// "impTimeout" or "impClose") for the engagement d, ready for UpdateRequest.ImpAttributes
// (spec §6.3): campaign ← campaignId and engId ← engagementId as JSON numbers, revision ←
// engagementRevision, and for impDisplay and impAccept eContext ←
// [{type: "engagementContext", id: contextId}]. impExpanded leaves out expanded, userInit
// and actionableItems, which LivePerson documents only as null.
//
// An unknown kind, or ids that are not whole numbers from 0 to 2^53 (where JSON numbers stay
// exact), or a missing contextId for impDisplay/impAccept, is a CodeValidation *Error
// naming the field (type, engagementDetails.campaignId, ...).
func Impression(kind string, d EngagementDetails) (Attribute, error) {
	var problems []Problem
	withContext := false
	switch kind {
	case "impDisplay", "impAccept":
		withContext = true
	case "impExpanded", "impTimeout", "impClose":
	default:
		problems = append(problems, Problem{Field: "type", Message: "must be one of impDisplay, impAccept, impExpanded, impTimeout, impClose"})
	}
	campaign, ok := impressionID(d.CampaignID)
	if !ok {
		problems = append(problems, Problem{Field: "engagementDetails.campaignId", Message: "must be a whole number from 0 to 2^53"})
	}
	eng, ok := impressionID(d.EngagementID)
	if !ok {
		problems = append(problems, Problem{Field: "engagementDetails.engagementId", Message: "must be a whole number from 0 to 2^53"})
	}
	if d.EngagementRevision < 0 || d.EngagementRevision > maxExactID {
		problems = append(problems, Problem{Field: "engagementDetails.engagementRevision", Message: "must be a whole number from 0 to 2^53"})
	}
	if withContext && d.ContextID == "" {
		problems = append(problems, Problem{Field: "engagementDetails.contextId", Message: "is required for " + kind})
	}
	if len(problems) > 0 {
		return nil, &Error{Code: CodeValidation, Message: "cannot build the impression event", Problems: problems}
	}
	a := Attribute{
		"type":     kind,
		"campaign": campaign,
		"engId":    eng,
		"revision": float64(d.EngagementRevision),
	}
	if withContext {
		a["eContext"] = []any{map[string]any{"type": "engagementContext", "id": d.ContextID}}
	}
	return a, nil
}

// impressionID reads a decimal id for a JSON number field.
func impressionID(s string) (float64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxExactID {
		return 0, false
	}
	return float64(n), true
}
