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
		strField("category"),
		strField("name"),
		numField("price"),
		countField("quantityInStock"),
		strField("sku"),
		strField("statusInStock"),
	}}
	productEntrySchema = schema{fields: []field{
		{name: "product", kind: kindObject, required: true, object: &productSchema},
		countField("quantity"),
	}}

	// Age: when age is not given the server derives it from the birth date (which needs
	// year); the spec marks none of the four required.
	ageSchema = schema{fields: []field{
		rangeField("age", 0, 150),
		rangeField("day", 1, 31),
		rangeField("month", 1, 12),
		rangeField("year", 1, 9999),
	}}
	addressSchema = schema{fields: []field{strField("country"), strField("region")}}
	contactSchema = schema{fields: []field{
		objectField("address", &addressSchema),
		strField("email"),
		strField("phone"),
		enumField("phoneType", "HOME", "MOBILE", "WORK", "FAX", "MAIN", "HOME_FAX", "WORK_FAX", "PAGER", "OTHER"),
	}}
)

// Payload schemas of the SDE types that nest their fields under a key.
var (
	ctmrinfoSchema = schema{fields: []field{
		strField("accountName"),
		numField("balance"),
		strField("companyBranch"),
		countField("companySize"),
		strField("cstatus"),
		strField("ctype"),
		strField("currency"),
		strField("customerId"),
		strField("imei"),
		dateField("lastPaymentDate"),
		intField("loginStatus"),
		dateField("registrationDate"),
		strField("role"),
		strField("socialId"),
		strField("storeNumber"),
		strField("storeZipCode"),
		strField("userName"),
	}}
	mrktInfoSchema = schema{
		fields: []field{
			strField("affiliate"),
			strField("campaignID"),
			strField("campaignId"),
			withDigits(rangeField("channel", 0, 4)), // 0 Direct, 1 Search, 2 Social, 3 Email, 4 Referral; the docs' example sends "1"
		},
		alternates: [][2]string{{"campaignId", "campaignID"}},
	}
	personalSchema = schema{fields: []field{
		objectField("age", &ageSchema),
		strField("company"),
		arrayField("contacts", &field{kind: kindObject, object: &contactSchema}),
		strField("firstname"),
		enumField("gender", "MALE", "FEMALE", "OTHER"),
		languageField("language"),
		strField("lastname"),
	}}
	leadSchema = schema{fields: []field{strField("currency"), strField("leadId"), strField("topic"), numField("value")}}
	// service.status: 0 Complete ... 13 Resolved.
	serviceSchema = schema{fields: []field{strField("category"), strField("serviceId"), rangeField("status", 0, 13), strField("topic")}}
	errorSchema   = schema{fields: []field{strField("code"), strField("contextId"), intField("level"), strField("message"), boolField("resolved")}}
)

// typeField is the discriminator every attribute carries.
func typeField() field { return field{name: "type", kind: kindType, required: true} }

// productsField is the products array of cart, purchase.cart and prodView.
func productsField() field {
	return arrayField("products", &field{kind: kindObject, object: &productEntrySchema})
}

// eContextField is the engagement context of the impression events.
func eContextField() field {
	return arrayField("eContext", &field{kind: kindObject, object: &eContextSchema})
}

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
		strField("currency"),
		{name: "numItems", kind: kindInteger, required: true, bounded: true, max: maxSafeInteger},
		productsField(),
		{name: "total", kind: kindNumber, required: true},
		typeField(),
	}}},
	{"purchase", &schema{fields: []field{
		objectField("cart", &schema{fields: []field{countField("numItems"),
			{name: "products", kind: kindArray, required: true, elem: &field{kind: kindObject, object: &productEntrySchema}}}}),
		strField("currency"),
		strField("orderId"),
		numField("total"),
		typeField(),
	}}},
	{"prodView", &schema{fields: []field{
		strField("currency"),
		productsField(),
		typeField(),
	}}},
	{"ctmrinfo", &schema{fields: []field{objectField("info", &ctmrinfoSchema), typeField()},
		unknownHint: "ctmrinfo fields belong under info", hintFrom: &ctmrinfoSchema}},
	{"mrktInfo", &schema{fields: []field{objectField("info", &mrktInfoSchema), typeField()},
		unknownHint: "mrktInfo fields belong under info", hintFrom: &mrktInfoSchema}},
	{"personal", &schema{fields: []field{objectField("personal", &personalSchema), typeField()},
		unknownHint: "personal fields belong under personal", hintFrom: &personalSchema}},
	{"lead", &schema{fields: []field{objectField("lead", &leadSchema), typeField()},
		unknownHint: "lead fields belong under lead", hintFrom: &leadSchema}},
	{"service", &schema{fields: []field{objectField("service", &serviceSchema), typeField()},
		unknownHint: "service fields belong under service", hintFrom: &serviceSchema}},
	{"error", &schema{fields: []field{objectField("error", &errorSchema), typeField()},
		unknownHint: "error fields belong under error", hintFrom: &errorSchema}},
	{"searchInfo", &schema{fields: []field{
		arrayField("keywords", &field{kind: kindString}),
		typeField(),
	}}},
}

// The impression events. campaign, engId and revision identify the engagement; the spec's
// table marks none of them required. They may be numbers or digit strings because the
// Create Session response gives the ids as strings.
var (
	eContextSchema = schema{fields: []field{
		strField("id"),
		enumField("type", "engagementContext"),
	}}
	plainImpressionSchema = schema{fields: []field{
		idField("campaign"),
		eContextField(),
		idField("engId"),
		idField("revision"),
		typeField(),
	}}
)

// impressionTable holds the schema of each impression event type accepted in
// impAttributes, in the order messages list them.
var impressionTable = []typedSchema{
	{"impDisplay", &plainImpressionSchema},
	{"impAccept", &plainImpressionSchema},
	{"impExpanded", &schema{fields: []field{
		anyField("actionableItems"),
		idField("campaign"),
		eContextField(),
		idField("engId"),
		boolField("expanded"),
		idField("revision"),
		typeField(),
		boolField("userInit"),
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
