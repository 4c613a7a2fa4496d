package core

// Validation chooses how requests are checked; it is the one entry point to core's
// validator, which ParseRequest, Request.Validate and the Client all go through. The zero
// value gives the default rules.
//
// Default: every documented field is checked against LivePerson's rules (types, enums,
// ranges, required fields), and a member no rule knows is passed through to LivePerson
// unchanged, as long as it is a plain JSON value within MaxDepth, so that a field the
// server accepts (or added after this version) never blocks the call. A near-miss of a
// documented name (differing only in case, or by one or two edits: firstName, ipAdress) is
// still refused with a hint naming the documented field, because the server would drop it
// and the datum would be lost.
//
// Strict: every unknown member is refused, as a typo would be.
type Validation struct {
	// Strict refuses every member that no documented field describes.
	Strict bool
}

// ParseRequest reads a Create Session request from a generic value tree, the object a JS
// caller passes to getEngagement (map[string]any, []any, string, float64, int, int64,
// json.Number-like values, bool, nil). It reports wrong types, unknown fields as o says and
// every rule Validate checks, all problems at once in field order, as an *Error with
// CodeValidation. A missing appType is left empty (the client fills EXTERNAL); null counts
// as absent. vid and sid may be given as numbers. The attributes of the result, and the
// members passed through into Extra, are copies of the caller's, with every number as a
// float64.
func (o Validation) ParseRequest(v any) (Request, error) {
	m, ok := asMap(v)
	if !ok {
		return Request{}, notAnObject(v)
	}
	var val validator
	val.init("", o.Strict)
	val.object(m, requestSchema)
	if err := val.err(); err != nil {
		return Request{}, err
	}
	var r Request
	if dm, ok := asMap(m["appDetails"]); ok {
		r.AppDetails = &AppDetails{
			AppVersion:   stringOf(dm["appVersion"]),
			DeviceFamily: DeviceFamily(stringOf(dm["deviceFamily"])),
			IPAddress:    stringOf(dm["ipAddress"]),
			OS:           OS(stringOf(dm["os"])),
			OSVersion:    stringOf(dm["osVersion"]),
			Extra:        unknownMembers(dm, &appDetailsSchema, 1),
		}
	}
	r.AppType = AppType(stringOf(m["appType"]))
	if a, ok := asArray(m["consumerSections"]); ok {
		r.ConsumerSections = make([]string, a.len())
		for i := range r.ConsumerSections {
			r.ConsumerSections[i] = stringOf(a.at(i))
		}
	}
	if x := m["engagementAttributes"]; x != nil {
		r.EngagementAttributes = attributeList(x)
	}
	r.SessionID = idOf(m["sid"])
	r.VisitorID = idOf(m["vid"])
	r.Extra = unknownMembers(m, requestSchema, 0)
	return r, nil
}

// Request checks a typed Create Session request as it will be sent: the tree of Body plus
// vid and sid goes through the same validator as ParseRequest, with appType required (the
// wire needs it). Members of Extra and AppDetails.Extra are checked like unknown members of
// a tree; one that repeats a documented field's name is refused, because Body would send
// only one of the two. It returns nil or an *Error with CodeValidation listing every
// problem: those of the tree in field order, then those of Extra members that repeat a
// field.
func (o Validation) Request(r Request) error {
	var v validator
	v.init("", o.Strict)
	t := r.body(false)
	putString(t, "vid", r.VisitorID)
	putString(t, "sid", r.SessionID)
	v.object(t, wireRequestSchema)
	v.shadowed(r.Extra, requestSchema)
	if r.AppDetails != nil && len(r.AppDetails.Extra) > 0 {
		n := v.pushKey("appDetails")
		v.shadowed(r.AppDetails.Extra, &appDetailsSchema)
		v.pop(n)
	}
	return v.err()
}

// ParseUpdateRequest reads an Update Session request from a generic value tree: pageId (a
// string, or a whole number), engagementAttributes (SDEs), impAttributes (impression
// events), and unknown members as o says (passed through into Extra by default). It reports
// every problem at once in field order, like ParseRequest; a missing pageId is left empty
// for the client to fill with the last one.
func (o Validation) ParseUpdateRequest(v any) (UpdateRequest, error) {
	m, ok := asMap(v)
	if !ok {
		return UpdateRequest{}, notAnObject(v)
	}
	var val validator
	val.init("", o.Strict)
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
	u.Extra = unknownMembers(m, updateSchema, 0)
	return u, nil
}

// UpdateRequest checks a typed Update Session request as it will be sent: pageId is
// required, engagementAttributes hold SDEs only and impAttributes impression events only,
// each against its schema, and Extra as unknown members. It returns nil or an *Error with
// CodeValidation listing every problem in field order.
func (o Validation) UpdateRequest(u UpdateRequest) error {
	var v validator
	v.init("", o.Strict)
	v.object(u.body(false), wireUpdateSchema)
	v.shadowed(u.Extra, updateSchema)
	return v.err()
}

// shadowed records a problem for each member of extra that has the name of a field of s:
// the typed field and the Extra member would both claim the same key of the body.
func (v *validator) shadowed(extra map[string]any, s *schema) {
	for k := range extra {
		if s.lookup(k) != nil {
			v.check(true, k, "is given in Extra too; set the typed field instead")
		}
	}
}

// ParseRequest is Validation{}.ParseRequest: a Create Session request read with the default
// rules (unknown members passed through, near-misses refused).
func ParseRequest(v any) (Request, error) { return Validation{}.ParseRequest(v) }

// ParseUpdateRequest is Validation{}.ParseUpdateRequest: an Update Session request read with
// the default rules.
func ParseUpdateRequest(v any) (UpdateRequest, error) { return Validation{}.ParseUpdateRequest(v) }

// Validate is Validation{}.Request: every documented rule of the request, with the default
// rules for unknown members. appType is required and is MSDK or EXTERNAL (case-sensitive),
// appDetails enums and IP address, each engagement attribute against its SDE schema
// (impression events refused), and vid/sid well-formed when given.
func (r Request) Validate() error { return Validation{}.Request(r) }

// Validate is Validation{}.UpdateRequest: pageId is required, engagementAttributes hold SDEs
// only and impAttributes impression events only, each against its schema.
func (u UpdateRequest) Validate() error { return Validation{}.UpdateRequest(u) }
