package core

// The documented enums of the Create Session body, in the order messages list them.
var (
	appTypes       = []string{string(AppTypeMSDK), string(AppTypeExternal)}
	deviceFamilies = []string{string(DeviceDesktop), string(DeviceTablet), string(DeviceMobile)}
	operatingSys   = []string{string(OSWindows), string(OSMacOSX), string(OSLinux), string(OSIOS), string(OSAndroid)}

	// The messages Validate gives for them, built once.
	msgAppType      = enumMessage(appTypes)
	msgDeviceFamily = enumMessage(deviceFamilies)
	msgOS           = enumMessage(operatingSys)
)

var appDetailsSchema = &schema{fields: []field{
	strField("appVersion"),
	enumField("deviceFamily", deviceFamilies...),
	ipField("ipAddress"),
	enumField("os", operatingSys...),
	strField("osVersion"),
}}

// requestSchema is the object ChatApi.getEngagement takes: the Create Session body plus vid
// and sid. appType is not required here because the client fills EXTERNAL when it is
// missing; Validate requires it.
var requestSchema = &schema{fields: []field{
	objectField("appDetails", appDetailsSchema),
	enumField("appType", appTypes...),
	arrayField("consumerSections", strField("")),
	sdesField("engagementAttributes"),
	visitIDField("sid"),
	visitIDField("vid"),
}}

// ParseRequest reads a Create Session request from a generic value tree, the object a JS
// caller passes to getEngagement (map[string]any, []any, string, float64, int, int64,
// json.Number-like values, bool, nil). It reports wrong types, unknown fields and every
// rule Validate checks, all problems at once in field order, as an *Error with
// CodeValidation. A missing appType is left empty (the client fills EXTERNAL); null counts
// as absent. vid and sid may be given as numbers. The attributes of the result are copies
// of the caller's, with every number as a float64.
func ParseRequest(v any) (Request, error) {
	m, ok := asMap(v)
	if !ok {
		return Request{}, notAnObject(v)
	}
	var val validator
	val.init("")
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
	return r, nil
}

// Validate checks every documented rule of the request: appType is required and is MSDK or
// EXTERNAL (case-sensitive), appDetails enums and IP address, each engagement attribute
// against its SDE schema (impression events refused), and vid/sid well-formed when given.
// It returns nil or an *Error with CodeValidation listing every problem in field order.
func (r Request) Validate() error {
	var v validator
	v.init("")
	if d := r.AppDetails; d != nil {
		n := v.pushKey("appDetails")
		v.check(d.DeviceFamily != "" && !oneOf(string(d.DeviceFamily), deviceFamilies), "deviceFamily", msgDeviceFamily)
		v.check(d.IPAddress != "" && !validIP(d.IPAddress), "ipAddress", msgIP)
		v.check(d.OS != "" && !oneOf(string(d.OS), operatingSys), "os", msgOS)
		v.pop(n)
	}
	if r.AppType == "" {
		v.check(true, "appType", msgRequired)
	} else {
		v.check(!oneOf(string(r.AppType), appTypes), "appType", msgAppType)
	}
	v.typedAttributes("engagementAttributes", r.EngagementAttributes, (*validator).sde)
	v.check(r.SessionID != "" && !WellFormedID(r.SessionID), "sid", msgVisitID)
	v.check(r.VisitorID != "" && !WellFormedID(r.VisitorID), "vid", msgVisitID)
	return v.err()
}

// Body returns the Create Session JSON body as a generic tree (vid and sid travel in the
// URL, so they are not in it). Fields that are empty are left out; attributes are deep
// copies with every number as a float64, so the tree holds only the types every adapter
// encodes.
func (r Request) Body() map[string]any {
	return r.body(true)
}

// body is Body; with copyAttributes false the body's attribute objects are r's own maps,
// which is only right when nothing else holds them (a request fresh from ParseRequest, whose
// attributes are already canonical copies).
func (r Request) body(copyAttributes bool) map[string]any {
	b := make(map[string]any, 4)
	if r.AppType != "" {
		b["appType"] = string(r.AppType)
	}
	if d := r.AppDetails; d != nil {
		t := make(map[string]any, 5)
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
	switch {
	case r.EngagementAttributes == nil:
	case copyAttributes:
		b["engagementAttributes"] = attributeTrees(r.EngagementAttributes)
	default:
		list := make([]any, len(r.EngagementAttributes))
		for i, a := range r.EngagementAttributes {
			if a != nil {
				list[i] = map[string]any(a)
			}
		}
		b["engagementAttributes"] = list
	}
	return b
}

// Tree returns the request as the object a JS caller passes to getEngagement: Body plus vid
// and sid when they are set. ParseRequest(r.Tree()) gives back r.
func (r Request) Tree() map[string]any {
	t := r.Body()
	putString(t, "vid", r.VisitorID)
	putString(t, "sid", r.SessionID)
	return t
}

// typedAttributes checks a list of attributes of a typed request under key.
func (v *validator) typedAttributes(key string, list []Attribute, check func(*validator, map[string]any)) {
	if len(list) == 0 {
		return
	}
	n := v.pushKey(key)
	for i, a := range list {
		m := v.pushIndex(i)
		if a == nil {
			v.typeProblem("an object", nil)
		} else {
			check(v, a)
		}
		v.pop(m)
	}
	v.pop(n)
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
