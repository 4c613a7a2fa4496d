package core

// updateSchema is the Update Session body. pageId is not required here because the client
// fills the last pageId when it is missing; Validate requires it.
var updateSchema = &schema{fields: []field{
	sdesField("engagementAttributes"),
	impressionsField("impAttributes"),
	textField("pageId"),
}}

// ParseUpdateRequest reads an Update Session request from a generic value tree: pageId (a
// string, or a whole number), engagementAttributes (SDEs) and impAttributes (impression
// events). Like ParseRequest it reports wrong types, unknown fields and every rule Validate
// checks, all at once in field order; a missing pageId is left empty for the client to fill
// with the last one.
func ParseUpdateRequest(v any) (UpdateRequest, error) {
	m, ok := asMap(v)
	if !ok {
		return UpdateRequest{}, notAnObject(v)
	}
	var val validator
	val.init("")
	val.object(m, updateSchema)
	if err := val.err(); err != nil {
		return UpdateRequest{}, err
	}
	var u UpdateRequest
	if x := m["engagementAttributes"]; x != nil {
		u.EngagementAttributes = attributeList(x)
	}
	if x := m["impAttributes"]; x != nil {
		u.ImpAttributes = attributeList(x)
	}
	u.PageID = idOf(m["pageId"])
	return u, nil
}

// Validate checks the Update Session request: pageId is required, engagementAttributes
// hold SDEs only and impAttributes impression events only, each against its schema. It
// returns nil or an *Error with CodeValidation listing every problem in field order.
func (u UpdateRequest) Validate() error {
	var v validator
	v.init("")
	v.typedAttributes("engagementAttributes", u.EngagementAttributes, (*validator).sde)
	v.typedAttributes("impAttributes", u.ImpAttributes, (*validator).impression)
	v.check(u.PageID == "", "pageId", msgRequired)
	return v.err()
}

// Body returns the Update Session JSON body as a generic tree: pageId, and the attribute
// lists that are set, as deep copies with every number as a float64.
func (u UpdateRequest) Body() map[string]any {
	b := make(map[string]any, 3)
	putString(b, "pageId", u.PageID)
	if u.EngagementAttributes != nil {
		b["engagementAttributes"] = attributeTrees(u.EngagementAttributes)
	}
	if u.ImpAttributes != nil {
		b["impAttributes"] = attributeTrees(u.ImpAttributes)
	}
	return b
}
