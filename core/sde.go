package core

// The ten engagement attribute (SDE) types of LivePerson's App Engagement API and the five
// impression events, as schemas (spec §11 and §6.3). Field names are case-sensitive; a
// near-miss of a documented name, such as firstName for firstname, is refused with a hint
// instead of being dropped by the server, and other unknown fields are passed through
// unless the validator is strict. Only what the spec marks required is required.

// The messages for a type outside sdeTable and impressionTable: they list the allowed types,
// in the tables' order, and do not repeat the one given (TestTypeMessagesListTables checks
// them against the tables; they are constants so that nothing is built at start-up).
const (
	msgSDEType        = "unknown type; must be one of cart, purchase, prodView, ctmrinfo, mrktInfo, personal, lead, service, error, searchInfo"
	msgImpressionType = "unknown type; must be one of impDisplay, impAccept, impExpanded, impTimeout, impClose"
)

// Shared sub-objects. Fields are listed sorted by name (see schema).
var (
	productSchema = schema{fields: []field{
		{name: "category", kind: kindString},
		{name: "name", kind: kindString},
		{name: "price", kind: kindNumber},
		{name: "quantityInStock", kind: kindInteger, bounded: true, max: maxSafeInteger},
		{name: "sku", kind: kindString},
		{name: "statusInStock", kind: kindString},
	}}
	productEntrySchema = schema{fields: []field{
		{name: "product", kind: kindObject, required: true, object: &productSchema},
		{name: "quantity", kind: kindInteger, bounded: true, max: maxSafeInteger},
	}}

	// Age: when age is not given the server derives it from the birth date (which needs
	// year); the spec marks none of the four required.
	ageSchema = schema{fields: []field{
		{name: "age", kind: kindInteger, bounded: true, min: 0, max: 150},
		{name: "day", kind: kindInteger, bounded: true, min: 1, max: 31},
		{name: "month", kind: kindInteger, bounded: true, min: 1, max: 12},
		{name: "year", kind: kindInteger, bounded: true, min: 1, max: 9999},
	}}
	addressSchema = schema{fields: []field{
		{name: "country", kind: kindString},
		{name: "region", kind: kindString},
	}}
	contactSchema = schema{fields: []field{
		{name: "address", kind: kindObject, object: &addressSchema},
		{name: "email", kind: kindString},
		{name: "phone", kind: kindString},
		{name: "phoneType", kind: kindEnum, enum: []string{"HOME", "MOBILE", "WORK", "FAX", "MAIN", "HOME_FAX", "WORK_FAX", "PAGER", "OTHER"}},
	}}
)

// Payload schemas of the SDE types that nest their fields under a key.
var (
	ctmrinfoSchema = schema{fields: []field{
		{name: "accountName", kind: kindString},
		{name: "balance", kind: kindNumber},
		{name: "companyBranch", kind: kindString},
		{name: "companySize", kind: kindInteger, bounded: true, max: maxSafeInteger},
		{name: "cstatus", kind: kindString},
		{name: "ctype", kind: kindString},
		{name: "currency", kind: kindString},
		{name: "customerId", kind: kindString},
		{name: "imei", kind: kindString},
		{name: "lastPaymentDate", kind: kindDate},
		{name: "loginStatus", kind: kindInteger},
		{name: "registrationDate", kind: kindDate},
		{name: "role", kind: kindString},
		{name: "socialId", kind: kindString},
		{name: "storeNumber", kind: kindString},
		{name: "storeZipCode", kind: kindString},
		{name: "userName", kind: kindString},
	}}
	mrktInfoSchema = schema{
		fields: []field{
			{name: "affiliate", kind: kindString},
			{name: "campaignID", kind: kindString},
			{name: "campaignId", kind: kindString},
			{name: "channel", kind: kindInteger, bounded: true, min: 0, max: 4, digits: true}, // 0 Direct, 1 Search, 2 Social, 3 Email, 4 Referral; the docs' example sends "1"
		},
		alternates: [][2]string{{"campaignId", "campaignID"}},
	}
	personalSchema = schema{fields: []field{
		{name: "age", kind: kindObject, object: &ageSchema},
		{name: "company", kind: kindString},
		{name: "contacts", kind: kindArray, elem: &field{kind: kindObject, object: &contactSchema}},
		{name: "firstname", kind: kindString},
		{name: "gender", kind: kindEnum, enum: []string{"MALE", "FEMALE", "OTHER"}},
		{name: "language", kind: kindLanguage},
		{name: "lastname", kind: kindString},
	}}
	leadSchema = schema{fields: []field{
		{name: "currency", kind: kindString},
		{name: "leadId", kind: kindString},
		{name: "topic", kind: kindString},
		{name: "value", kind: kindNumber},
	}}
	// service.status: 0 Complete ... 13 Resolved.
	serviceSchema = schema{fields: []field{
		{name: "category", kind: kindString},
		{name: "serviceId", kind: kindString},
		{name: "status", kind: kindInteger, bounded: true, min: 0, max: 13},
		{name: "topic", kind: kindString},
	}}
	errorSchema = schema{fields: []field{
		{name: "code", kind: kindString},
		{name: "contextId", kind: kindString},
		{name: "level", kind: kindInteger},
		{name: "message", kind: kindString},
		{name: "resolved", kind: kindBool},
	}}
)

// typedSchema is the schema of one attribute type. The tables of them are plain static data
// (a map, or schemas built by calls, would be built by code run at every start of the
// program), looked up by schemaOf.
type typedSchema struct {
	typ    string
	schema *schema
}

// schemaOf returns the schema of typ in table, or nil.
func schemaOf(table []typedSchema, typ string) *schema {
	for i := range table {
		if table[i].typ == typ {
			return table[i].schema
		}
	}
	return nil
}

// The SDEs whose payload sits under a key: the payload is not required (the spec does not
// mark it so). Payload fields given flat next to "type" are passed through (the docs' table
// of ctmrinfo lists them flat), and a strict validator refuses them with a hint to move them
// (unknownHint, for the fields of hintFrom). Every key sorts before "type".

// sdeTable holds the schema of the whole attribute object of each SDE type accepted in
// engagementAttributes, in the order messages list them.
var sdeTable = []typedSchema{
	{"cart", &schema{fields: []field{
		{name: "currency", kind: kindString},
		{name: "numItems", kind: kindInteger, required: true, bounded: true, max: maxSafeInteger},
		{name: "products", kind: kindArray, elem: &field{kind: kindObject, object: &productEntrySchema}},
		{name: "total", kind: kindNumber, required: true},
		{name: "type", kind: kindType, required: true},
	}}},
	{"purchase", &schema{fields: []field{
		{name: "cart", kind: kindObject, object: &schema{fields: []field{
			{name: "numItems", kind: kindInteger, bounded: true, max: maxSafeInteger},
			{name: "products", kind: kindArray, required: true, elem: &field{kind: kindObject, object: &productEntrySchema}},
		}}},
		{name: "currency", kind: kindString},
		{name: "orderId", kind: kindString},
		{name: "total", kind: kindNumber},
		{name: "type", kind: kindType, required: true},
	}}},
	{"prodView", &schema{fields: []field{
		{name: "currency", kind: kindString},
		{name: "products", kind: kindArray, elem: &field{kind: kindObject, object: &productEntrySchema}},
		{name: "type", kind: kindType, required: true},
	}}},
	{"ctmrinfo", &schema{fields: []field{{name: "info", kind: kindObject, object: &ctmrinfoSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "ctmrinfo fields belong under info", hintFrom: &ctmrinfoSchema}},
	{"mrktInfo", &schema{fields: []field{{name: "info", kind: kindObject, object: &mrktInfoSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "mrktInfo fields belong under info", hintFrom: &mrktInfoSchema}},
	{"personal", &schema{fields: []field{{name: "personal", kind: kindObject, object: &personalSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "personal fields belong under personal", hintFrom: &personalSchema}},
	{"lead", &schema{fields: []field{{name: "lead", kind: kindObject, object: &leadSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "lead fields belong under lead", hintFrom: &leadSchema}},
	{"service", &schema{fields: []field{{name: "service", kind: kindObject, object: &serviceSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "service fields belong under service", hintFrom: &serviceSchema}},
	{"error", &schema{fields: []field{{name: "error", kind: kindObject, object: &errorSchema}, {name: "type", kind: kindType, required: true}},
		unknownHint: "error fields belong under error", hintFrom: &errorSchema}},
	{"searchInfo", &schema{fields: []field{
		{name: "keywords", kind: kindArray, elem: &field{kind: kindString}},
		{name: "type", kind: kindType, required: true},
	}}},
}

// The impression events. campaign, engId and revision identify the engagement; the spec's
// table marks none of them required. They may be numbers or digit strings because the
// Create Session response gives the ids as strings.
var (
	eContextSchema = schema{fields: []field{
		{name: "id", kind: kindString},
		{name: "type", kind: kindEnum, enum: []string{"engagementContext"}},
	}}
	plainImpressionSchema = schema{fields: []field{
		{name: "campaign", kind: kindID},
		{name: "eContext", kind: kindArray, elem: &field{kind: kindObject, object: &eContextSchema}},
		{name: "engId", kind: kindID},
		{name: "revision", kind: kindID},
		{name: "type", kind: kindType, required: true},
	}}
)

// impressionTable holds the schema of each impression event type accepted in
// impAttributes, in the order messages list them.
var impressionTable = []typedSchema{
	{"impDisplay", &plainImpressionSchema},
	{"impAccept", &plainImpressionSchema},
	{"impExpanded", &schema{fields: []field{
		{name: "actionableItems", kind: kindAny},
		{name: "campaign", kind: kindID},
		{name: "eContext", kind: kindArray, elem: &field{kind: kindObject, object: &eContextSchema}},
		{name: "engId", kind: kindID},
		{name: "expanded", kind: kindBool},
		{name: "revision", kind: kindID},
		{name: "type", kind: kindType, required: true},
		{name: "userInit", kind: kindBool},
	}}},
	{"impTimeout", &plainImpressionSchema},
	{"impClose", &plainImpressionSchema},
}

// ValidateSDE checks one engagement attribute (SDE) found at path, e.g.
// "engagementAttributes[0]", with the default rules, and returns every broken rule, in
// field order. Impression events are refused here: they belong in impAttributes.
func ValidateSDE(path string, a Attribute) []Problem {
	return Validation{}.SDE(path, a)
}

// ValidateImpression checks one impression event found at path, e.g. "impAttributes[0]",
// with the default rules, and returns every broken rule, in field order. SDE types are
// refused here: they belong in engagementAttributes.
func ValidateImpression(path string, a Attribute) []Problem {
	return Validation{}.Impression(path, a)
}

// attributeDepth is the level of an attribute object in a request tree (the request, its
// attribute array, the attribute), where SDE and Impression start counting toward MaxDepth.
const attributeDepth = 2

// SDE checks one engagement attribute (SDE) found at path, e.g. "engagementAttributes[0]",
// and returns every broken rule, in field order; its nesting counts toward MaxDepth as
// inside a request. Impression events are refused here: they belong in impAttributes.
func (o Validation) SDE(path string, a Attribute) []Problem {
	var v validator
	v.init(path, o.Strict)
	v.depth = attributeDepth
	v.sde(a)
	return v.problems
}

// Impression checks one impression event found at path, e.g. "impAttributes[0]", and
// returns every broken rule, in field order; its nesting counts toward MaxDepth as inside a
// request. SDE types are refused here: they belong in engagementAttributes.
func (o Validation) Impression(path string, a Attribute) []Problem {
	var v validator
	v.init(path, o.Strict)
	v.depth = attributeDepth
	v.impression(a)
	return v.problems
}

// sde checks an SDE at the current path.
func (v *validator) sde(a map[string]any) {
	typ, ok := v.attributeType(a)
	if !ok {
		return
	}
	if s := schemaOf(sdeTable, typ); s != nil {
		v.object(a, s)
		return
	}
	n := v.pushKey("type")
	if schemaOf(impressionTable, typ) != nil {
		v.problem("impression events belong in impAttributes, not engagementAttributes")
	} else {
		v.problem(msgSDEType)
	}
	v.pop(n)
}

// impression checks an impression event at the current path.
func (v *validator) impression(a map[string]any) {
	typ, ok := v.attributeType(a)
	if !ok {
		return
	}
	if s := schemaOf(impressionTable, typ); s != nil {
		v.object(a, s)
		return
	}
	n := v.pushKey("type")
	if schemaOf(sdeTable, typ) != nil {
		v.problem("engagement attributes (SDEs) belong in engagementAttributes, not impAttributes")
	} else {
		v.problem(msgImpressionType)
	}
	v.pop(n)
}

// attributeType reads the "type" of an attribute, recording a problem when it is missing
// or not a string.
func (v *validator) attributeType(a map[string]any) (string, bool) {
	x, present := a["type"]
	if s, ok := x.(string); ok {
		return s, true
	}
	n := v.pushKey("type")
	if !present || x == nil {
		v.problem("is required")
	} else {
		v.typeProblem("a string", x)
	}
	v.pop(n)
	return "", false
}

// attributes checks a JSON array of attributes at the current path, each element by check.
func (v *validator) attributes(x any, check func(*validator, map[string]any)) {
	a, ok := asArray(x)
	if !ok {
		v.typeProblem("an array of objects", x)
		return
	}
	if !v.enter() {
		return
	}
	for i, l := 0, a.len(); i < l; i++ {
		n := v.pushIndex(i)
		if m, ok := asMap(a.at(i)); ok {
			check(v, m)
		} else {
			v.typeProblem("an object", a.at(i))
		}
		v.pop(n)
	}
	v.leave()
}

// attributeList reads a JSON array of objects as attributes (canonical copies). It is
// called only after the array passed validation.
func attributeList(x any) []Attribute {
	a, _ := asArray(x)
	out := make([]Attribute, a.len())
	for i := range out {
		m, _ := asMap(a.at(i))
		out[i] = Attribute(canonicalMap(m, attributeDepth))
	}
	return out
}
