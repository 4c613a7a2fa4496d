package core

// Body returns the Update Session JSON body as a generic tree: pageId, the attribute lists
// that are set and the members of Extra, as deep copies with every number as a float64.
// (ParseUpdateRequest and Validate are in validation.go, with the other entry points of the
// validator.)
func (u UpdateRequest) Body() map[string]any {
	return u.body(true)
}
