package core

// appDetailsSchema is the appDetails object of the Create Session body. Its enums, and
// appType's below, list the documented values in the order messages list them.
var appDetailsSchema = schema{fields: []field{
	{name: "appVersion", kind: kindString},
	{name: "deviceFamily", kind: kindEnum, enum: []string{string(DeviceDesktop), string(DeviceTablet), string(DeviceMobile)}},
	{name: "ipAddress", kind: kindIP},
	{name: "os", kind: kindEnum, enum: []string{string(OSWindows), string(OSMacOSX), string(OSLinux), string(OSIOS), string(OSAndroid)}},
	{name: "osVersion", kind: kindString},
}}

// requestSchema is the object ChatApi.getEngagement takes: the Create Session body plus vid
// and sid. appType is not required here because the client fills EXTERNAL when it is
// missing; wireRequestSchema, what Validate checks, requires it.
var requestSchema = &schema{fields: []field{
	{name: "appDetails", kind: kindObject, object: &appDetailsSchema},
	{name: "appType", kind: kindEnum, enum: []string{string(AppTypeMSDK), string(AppTypeExternal)}},
	{name: "consumerSections", kind: kindArray, elem: &field{kind: kindString}},
	{name: "engagementAttributes", kind: kindSDEs},
	{name: "sid", kind: kindVisitID},
	{name: "vid", kind: kindVisitID},
}}

// wireRequestSchema is requestSchema as sent: appType is required (spec §4.1).
var wireRequestSchema = withRequired(requestSchema, "appType")

// updateSchema is the Update Session body. pageId is not required here because the client
// fills the last pageId when it is missing; wireUpdateSchema requires it (spec §5).
var updateSchema = &schema{fields: []field{
	{name: "engagementAttributes", kind: kindSDEs},
	{name: "impAttributes", kind: kindImpressions},
	{name: "pageId", kind: kindText},
}}

// wireUpdateSchema is updateSchema as sent: pageId is required.
var wireUpdateSchema = withRequired(updateSchema, "pageId")

// Body returns the Create Session JSON body as a generic tree (vid and sid travel in the
// URL, so they are not in it): the typed fields that are not empty and the members of Extra
// and AppDetails.Extra (a typed field wins over an Extra member of the same name, which
// Validate refuses). Attributes and Extra members are deep copies with every number as a
// float64, so the tree holds only the types every adapter encodes.
func (r Request) Body() map[string]any {
	return r.body(true)
}

// body is Body; with copyAttributes false the body's attribute objects and Extra values are
// r's own, which is only right when nothing else holds them (a request fresh from
// ParseRequest, whose attributes and Extra are already canonical copies) or when the tree
// is only read (Validate).
func (r Request) body(copyAttributes bool) map[string]any {
	b := make(map[string]any, 4+len(r.Extra))
	putExtra(b, r.Extra, copyAttributes)
	if r.AppType != "" {
		b["appType"] = string(r.AppType)
	}
	if d := r.AppDetails; d != nil {
		t := make(map[string]any, 5+len(d.Extra))
		putExtra(t, d.Extra, copyAttributes)
		putString(t, "appVersion", d.AppVersion)
		putString(t, "deviceFamily", string(d.DeviceFamily))
		putString(t, "ipAddress", d.IPAddress)
		putString(t, "os", string(d.OS))
		putString(t, "osVersion", d.OSVersion)
		b["appDetails"] = t
	}
	if r.ConsumerSections != nil {
		s := make([]any, len(r.ConsumerSections))
		for i, c := range r.ConsumerSections {
			s[i] = c
		}
		b["consumerSections"] = s
	}
	putAttributes(b, "engagementAttributes", r.EngagementAttributes, copyAttributes)
	return b
}

// body is UpdateRequest.Body; copy as for Request.body.
func (u UpdateRequest) body(copy bool) map[string]any {
	b := make(map[string]any, 3+len(u.Extra))
	putExtra(b, u.Extra, copy)
	putString(b, "pageId", u.PageID)
	putAttributes(b, "engagementAttributes", u.EngagementAttributes, copy)
	putAttributes(b, "impAttributes", u.ImpAttributes, copy)
	return b
}

// putAttributes puts list under key as a JSON array, unless list is nil: canonical deep
// copies when copy is set, else the attribute maps themselves.
func putAttributes(b map[string]any, key string, list []Attribute, copy bool) {
	switch {
	case list == nil:
	case copy:
		b[key] = attributeTrees(list)
	default:
		out := make([]any, len(list))
		for i, a := range list {
			if a != nil {
				out[i] = map[string]any(a)
			}
		}
		b[key] = out
	}
}

// putExtra puts the members of extra into b: canonical deep copies when copy is set.
func putExtra(b, extra map[string]any, copy bool) {
	for k, x := range extra {
		if copy {
			x = canonicalDepth(x, 1)
		}
		b[k] = x
	}
}

// Tree returns the request as the object a JS caller passes to getEngagement: Body plus vid
// and sid when they are set. ParseRequest(r.Tree()) gives back r.
func (r Request) Tree() map[string]any {
	t := r.Body()
	putString(t, "vid", r.VisitorID)
	putString(t, "sid", r.SessionID)
	return t
}

// notAnObject is the error for a request that is not a JSON object at all.
func notAnObject(x any) error {
	return &Error{Code: CodeValidation, Problems: []Problem{{Message: "the request must be an object, got " + typeName(x)}}}
}

// stringOf returns x if it is a string, else "".
func stringOf(x any) string {
	s, _ := x.(string)
	return s
}

// idOf returns an id given as a string or a whole number as a string, "" when absent.
func idOf(x any) string {
	if s, ok := x.(string); ok {
		return s
	}
	if n, ok := asNumber(x); ok {
		s, _ := n.decimalID()
		return s
	}
	return ""
}
