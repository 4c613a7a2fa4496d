package core_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// p builds an expected problem.
func p(field, msg string) core.Problem { return core.Problem{Field: field, Message: msg} }

// attr decodes one attribute from JSON with numbers as float64.
func attr(t testing.TB, s string) core.Attribute {
	t.Helper()
	m, ok := decodePlain(t, s).(map[string]any)
	require.True(t, ok, "test attribute must be a JSON object")
	return core.Attribute(m)
}

type attrCase struct {
	name string
	json string
	want []core.Problem // nil: valid
}

const (
	sdeTypeList        = "cart, purchase, prodView, ctmrinfo, mrktInfo, personal, lead, service, error, searchInfo"
	impressionTypeList = "impDisplay, impAccept, impExpanded, impTimeout, impClose"
	phoneTypes         = "must be one of HOME, MOBILE, WORK, FAX, MAIN, HOME_FAX, WORK_FAX, PAGER, OTHER"
	languageMsg        = "must be a language tag like en-US or fr_CA (ISO 639-1 lowercase, - or _, ISO 3166-1 uppercase)"
)

// The SDE cases are checked at the path engagementAttributes[0]; "e." abbreviates it below.
const e = "engagementAttributes[0]."

var sdeCases = []attrCase{
	// Every type: a missing, wrong or unknown type.
	{"type missing", `{"total": 1}`, []core.Problem{p(e+"type", "is required")}},
	{"type null", `{"type": null}`, []core.Problem{p(e+"type", "is required")}},
	{"type not a string", `{"type": 5}`, []core.Problem{p(e+"type", "must be a string, got number")}},
	{"type unknown", `{"type": "wishlist"}`, []core.Problem{p(e+"type", `unknown type; must be one of `+sdeTypeList)}},
	{"type is case-sensitive", `{"type": "Personal", "personal": {}}`, []core.Problem{p(e+"type", `unknown type; must be one of `+sdeTypeList)}},
	{"impression refused", `{"type": "impDisplay", "campaign": 1, "engId": 2, "revision": 3}`, []core.Problem{p(e+"type", "impression events belong in impAttributes, not engagementAttributes")}},
	{"impAccept refused", `{"type": "impAccept"}`, []core.Problem{p(e+"type", "impression events belong in impAttributes, not engagementAttributes")}},
	{"impExpanded refused", `{"type": "impExpanded"}`, []core.Problem{p(e+"type", "impression events belong in impAttributes, not engagementAttributes")}},
	{"impTimeout refused", `{"type": "impTimeout"}`, []core.Problem{p(e+"type", "impression events belong in impAttributes, not engagementAttributes")}},
	{"impClose refused", `{"type": "impClose"}`, []core.Problem{p(e+"type", "impression events belong in impAttributes, not engagementAttributes")}},

	// cart
	{"cart full", `{"type": "cart", "total": 11.7, "currency": "USD", "numItems": 6, "products": [{"product": {"name": "prod1", "category": "category", "sku": "sku", "price": 7.8}, "quantity": 1}]}`, nil},
	{"cart minimal", `{"type": "cart", "total": 0, "numItems": 0}`, nil},
	{"cart integer total", `{"type": "cart", "total": 12, "numItems": 1}`, nil},
	{"cart requires total and numItems", `{"type": "cart"}`, []core.Problem{p(e+"numItems", "is required"), p(e+"total", "is required")}},
	{"cart null required", `{"type": "cart", "total": null, "numItems": null}`, []core.Problem{p(e+"numItems", "is required"), p(e+"total", "is required")}},
	{"cart total string", `{"type": "cart", "total": "11.7", "numItems": 1}`, []core.Problem{p(e+"total", "must be a number, got string")}},
	{"cart numItems fraction", `{"type": "cart", "total": 1, "numItems": 2.5}`, []core.Problem{p(e+"numItems", "must be an integer")}},
	{"cart numItems negative", `{"type": "cart", "total": 1, "numItems": -1}`, []core.Problem{p(e+"numItems", "must be an integer of at least 0")}},
	{"cart numItems beyond 2^53", `{"type": "cart", "total": 1, "numItems": 1e20}`, []core.Problem{p(e+"numItems", "must be an integer within ±2^53")}},
	{"cart numItems string", `{"type": "cart", "total": 1, "numItems": "6"}`, []core.Problem{p(e+"numItems", "must be an integer, got string")}},
	{"cart currency number", `{"type": "cart", "total": 1, "numItems": 1, "currency": 840}`, []core.Problem{p(e+"currency", "must be a string, got number")}},
	{"cart products not array", `{"type": "cart", "total": 1, "numItems": 1, "products": {"product": {}}}`, []core.Problem{p(e+"products", "must be an array, got object")}},
	{"cart product entry not object", `{"type": "cart", "total": 1, "numItems": 1, "products": ["shoe"]}`, []core.Problem{p(e+"products[0]", "must be an object, got string")}},
	{"cart product required", `{"type": "cart", "total": 1, "numItems": 1, "products": [{"quantity": 1}]}`, []core.Problem{p(e+"products[0].product", "is required")}},
	{"cart product fields", `{"type": "cart", "total": 1, "numItems": 1, "products": [{"product": {"name": 1, "category": true, "sku": [], "price": "7.8", "statusInStock": 3, "quantityInStock": -2}, "quantity": 1.5}]}`, []core.Problem{
		p(e+"products[0].product.category", "must be a string, got boolean"),
		p(e+"products[0].product.name", "must be a string, got number"),
		p(e+"products[0].product.price", "must be a number, got string"),
		p(e+"products[0].product.quantityInStock", "must be an integer of at least 0"),
		p(e+"products[0].product.sku", "must be a string, got array"),
		p(e+"products[0].product.statusInStock", "must be a string, got number"),
		p(e+"products[0].quantity", "must be an integer"),
	}},
	{"cart product typo", `{"type": "cart", "total": 1, "numItems": 1, "products": [{"product": {"Name": "x", "colour": "red"}}]}`, []core.Problem{
		p(e+"products[0].product.Name", "unknown field; did you mean name?"),
		p(e+"products[0].product.colour", "unknown field"),
	}},
	{"cart unknown field", `{"type": "cart", "total": 1, "numItems": 1, "discount": 5}`, []core.Problem{p(e+"discount", "unknown field")}},

	// purchase
	{"purchase full", `{"type": "purchase", "total": 11.7, "currency": "USD", "orderId": "DRV1534XC", "cart": {"products": [{"product": {"name": "prod1", "category": "category", "sku": "sku", "price": 7.8}, "quantity": 3}], "numItems": 3}}`, nil},
	{"purchase minimal", `{"type": "purchase"}`, nil},
	{"purchase cart requires products", `{"type": "purchase", "cart": {"numItems": 1}}`, []core.Problem{p(e+"cart.products", "is required")}},
	{"purchase cart not object", `{"type": "purchase", "cart": [1]}`, []core.Problem{p(e+"cart", "must be an object, got array")}},
	{"purchase field types", `{"type": "purchase", "total": "1", "currency": 1, "orderId": 7, "cart": {"products": [], "numItems": "3"}}`, []core.Problem{
		p(e+"cart.numItems", "must be an integer, got string"),
		p(e+"currency", "must be a string, got number"),
		p(e+"orderId", "must be a string, got number"),
		p(e+"total", "must be a number, got string"),
	}},
	{"purchase cart unknown", `{"type": "purchase", "cart": {"products": [], "total": 3}}`, []core.Problem{p(e+"cart.total", "unknown field")}},

	// prodView
	{"prodView full", `{"type": "prodView", "currency": "USD", "products": [{"product": {"name": "red high heel shoe", "category": "women shoes", "sku": "xyz567", "price": 77.8, "statusInStock": "low", "quantityInStock": 3}}]}`, nil},
	{"prodView empty", `{"type": "prodView"}`, nil},
	{"prodView product price", `{"type": "prodView", "products": [{"product": {"price": false}}]}`, []core.Problem{p(e+"products[0].product.price", "must be a number, got boolean")}},
	{"prodView numItems unknown", `{"type": "prodView", "numItems": 1}`, []core.Problem{p(e+"numItems", "unknown field")}},

	// ctmrinfo
	{"ctmrinfo full", `{"type": "ctmrinfo", "info": {"cstatus": "cancelled", "ctype": "vip", "customerId": "138766AC", "balance": -400.99, "currency": "USD", "socialId": "11256324780", "imei": "3543546543545688", "userName": "user000", "companySize": 500, "companyBranch": "Acme", "accountName": "bank corp", "role": "broker", "lastPaymentDate": {"day": 15, "month": 10, "year": 2014}, "registrationDate": {"day": 23, "month": 5, "year": 2013}, "loginStatus": 1, "storeZipCode": "20505", "storeNumber": "123865"}}`, nil},
	// The spec marks no payload key required (issue 9 finding 8).
	{"ctmrinfo without info", `{"type": "ctmrinfo"}`, nil},
	{"ctmrinfo flat refused", `{"type": "ctmrinfo", "customerId": "138766AC", "ctype": "vip"}`, []core.Problem{
		p(e+"ctype", "unknown field; ctmrinfo fields belong under info"),
		p(e+"customerId", "unknown field; ctmrinfo fields belong under info"),
	}},
	{"ctmrinfo field types", `{"type": "ctmrinfo", "info": {"balance": "12", "companySize": 2.5, "loginStatus": "1", "imei": 3543546543545688}}`, []core.Problem{
		p(e+"info.balance", "must be a number, got string"),
		p(e+"info.companySize", "must be an integer"),
		p(e+"info.imei", "must be a string, got number"),
		p(e+"info.loginStatus", "must be an integer, got string"),
	}},
	{"ctmrinfo dates", `{"type": "ctmrinfo", "info": {"lastPaymentDate": {"day": 32, "month": 0, "year": 2014.5}, "registrationDate": "2013-05-23"}}`, []core.Problem{
		p(e+"info.lastPaymentDate.day", "must be an integer from 1 to 31"),
		p(e+"info.lastPaymentDate.month", "must be an integer from 1 to 12"),
		p(e+"info.lastPaymentDate.year", "must be an integer"),
		p(e+"info.registrationDate", "must be a date object {day, month, year}, got string"),
	}},
	{"ctmrinfo date unknown field", `{"type": "ctmrinfo", "info": {"lastPaymentDate": {"day": 1, "month": 1, "year": 2020, "hour": 3}}}`, []core.Problem{p(e+"info.lastPaymentDate.hour", "unknown field")}},
	{"ctmrinfo info typo", `{"type": "ctmrinfo", "info": {"customerID": "x"}}`, []core.Problem{p(e+"info.customerID", "unknown field; did you mean customerId?")}},

	// mrktInfo
	{"mrktInfo documented", `{"type": "mrktInfo", "info": {"channel": "1", "affiliate": "Yahoo", "campaignId": "US-Campaign"}}`, nil},
	{"mrktInfo campaignID spelling", `{"type": "mrktInfo", "info": {"channel": 4, "campaignID": "US-Campaign"}}`, nil},
	{"mrktInfo channel bounds", `{"type": "mrktInfo", "info": {"channel": 0}}`, nil},
	{"mrktInfo flat", `{"type": "mrktInfo", "channel": 1}`, []core.Problem{p(e+"channel", "unknown field; mrktInfo fields belong under info")}},
	{"mrktInfo channel too big", `{"type": "mrktInfo", "info": {"channel": 5}}`, []core.Problem{p(e+"info.channel", "must be an integer from 0 to 4")}},
	{"mrktInfo channel digit string too big", `{"type": "mrktInfo", "info": {"channel": "7"}}`, []core.Problem{p(e+"info.channel", "must be an integer from 0 to 4")}},
	{"mrktInfo channel negative", `{"type": "mrktInfo", "info": {"channel": -1}}`, []core.Problem{p(e+"info.channel", "must be an integer from 0 to 4")}},
	{"mrktInfo channel word", `{"type": "mrktInfo", "info": {"channel": "Search"}}`, []core.Problem{p(e+"info.channel", "must be an integer from 0 to 4 (a number or a string of digits)")}},
	{"mrktInfo channel fraction", `{"type": "mrktInfo", "info": {"channel": 1.5}}`, []core.Problem{p(e+"info.channel", "must be an integer")}},
	{"mrktInfo channel bool", `{"type": "mrktInfo", "info": {"channel": true}}`, []core.Problem{p(e+"info.channel", "must be an integer, got boolean")}},
	{"mrktInfo both campaign spellings", `{"type": "mrktInfo", "info": {"affiliate": "a", "campaignID": "x", "campaignId": "x", "channel": 1}}`, []core.Problem{p(e+"info.campaignID", "give campaignID or campaignId, not both")}},
	{"mrktInfo both spellings and unknown", `{"type": "mrktInfo", "info": {"campaignID": "x", "campaignId": "x", "source": "y"}}`, []core.Problem{p(e+"info.campaignID", "give campaignID or campaignId, not both"), p(e+"info.source", "unknown field")}},
	{"mrktInfo field types", `{"type": "mrktInfo", "info": {"affiliate": 1, "campaignId": 2}}`, []core.Problem{p(e+"info.affiliate", "must be a string, got number"), p(e+"info.campaignId", "must be a string, got number")}},

	// personal
	{"personal full", `{"type": "personal", "personal": {"firstname": "John", "lastname": "Doe", "age": {"age": 34, "year": 1980, "month": 4, "day": 15}, "contacts": [{"email": "a@b.c", "phone": "+1 212-788-8877", "phoneType": "MOBILE", "address": {"country": "United States", "region": "NY"}}], "gender": "MALE", "language": "en-US", "company": "company"}}`, nil},
	{"personal language underscore", `{"type": "personal", "personal": {"language": "fr_CA"}}`, nil},
	{"personal age 30.0", `{"type": "personal", "personal": {"age": {"age": 30.0}}}`, nil},
	{"personal every phoneType", `{"type": "personal", "personal": {"contacts": [{"phoneType": "HOME"}, {"phoneType": "MOBILE"}, {"phoneType": "WORK"}, {"phoneType": "FAX"}, {"phoneType": "MAIN"}, {"phoneType": "HOME_FAX"}, {"phoneType": "WORK_FAX"}, {"phoneType": "PAGER"}, {"phoneType": "OTHER"}]}}`, nil},
	{"personal every gender", `{"type": "personal", "personal": {"gender": "OTHER"}}`, nil},
	{"personal without payload", `{"type": "personal"}`, nil},
	{"personal flat refused", `{"type": "personal", "firstname": "John"}`, []core.Problem{p(e+"firstname", "unknown field; personal fields belong under personal")}},
	{"personal payload not object", `{"type": "personal", "personal": "John"}`, []core.Problem{p(e+"personal", "must be an object, got string")}},
	{"personal gender lowercase", `{"type": "personal", "personal": {"gender": "female"}}`, []core.Problem{p(e+"personal.gender", "must be one of MALE, FEMALE, OTHER")}},
	{"personal gender integer", `{"type": "personal", "personal": {"gender": 1}}`, []core.Problem{p(e+"personal.gender", "must be a string, got number")}},
	{"personal firstName typo", `{"type": "personal", "personal": {"firstName": "John", "lastname": "Doe"}}`, []core.Problem{p(e+"personal.firstName", "unknown field; did you mean firstname?")}},
	{"personal phoneType", `{"type": "personal", "personal": {"contacts": [{"phone": "1"}, {"phone": "2", "phoneType": "CELL"}]}}`, []core.Problem{p(e+"personal.contacts[1].phoneType", phoneTypes)}},
	{"personal contacts not array", `{"type": "personal", "personal": {"contacts": {"email": "a@b.c"}}}`, []core.Problem{p(e+"personal.contacts", "must be an array, got object")}},
	{"personal contact not object", `{"type": "personal", "personal": {"contacts": [null]}}`, []core.Problem{p(e+"personal.contacts[0]", "must be an object, got null")}},
	{"personal contact fields", `{"type": "personal", "personal": {"contacts": [{"email": 1, "phone": 12345678, "address": {"country": 1, "region": 2, "zip": "10001"}}]}}`, []core.Problem{
		p(e+"personal.contacts[0].address.country", "must be a string, got number"),
		p(e+"personal.contacts[0].address.region", "must be a string, got number"),
		p(e+"personal.contacts[0].address.zip", "unknown field"),
		p(e+"personal.contacts[0].email", "must be a string, got number"),
		p(e+"personal.contacts[0].phone", "must be a string, got number"),
	}},
	{"personal address not object", `{"type": "personal", "personal": {"contacts": [{"address": "NY"}]}}`, []core.Problem{p(e+"personal.contacts[0].address", "must be an object, got string")}},
	{"personal age fraction", `{"type": "personal", "personal": {"age": {"age": 30.7}}}`, []core.Problem{p(e+"personal.age.age", "must be an integer")}},
	{"personal age fields", `{"type": "personal", "personal": {"age": {"age": "30", "year": 1985.5, "month": 13, "day": 0}}}`, []core.Problem{
		p(e+"personal.age.age", "must be an integer, got string"),
		p(e+"personal.age.day", "must be an integer from 1 to 31"),
		p(e+"personal.age.month", "must be an integer from 1 to 12"),
		p(e+"personal.age.year", "must be an integer"),
	}},
	{"personal age range", `{"type": "personal", "personal": {"age": {"age": -1, "year": 0}}}`, []core.Problem{
		p(e+"personal.age.age", "must be an integer from 0 to 150"),
		p(e+"personal.age.year", "must be an integer from 1 to 9999"),
	}},
	{"personal birth date only", `{"type": "personal", "personal": {"age": {"year": 1985, "month": 7, "day": 22}}}`, nil},
	{"personal age without age or year", `{"type": "personal", "personal": {"age": {"month": 7, "day": 22}}}`, nil},
	{"personal age nulls", `{"type": "personal", "personal": {"age": {"age": null, "year": null}}}`, nil},
	{"personal age not object", `{"type": "personal", "personal": {"age": 30}}`, []core.Problem{p(e+"personal.age", "must be an object, got number")}},
	{"personal language lowercase country", `{"type": "personal", "personal": {"language": "en-us"}}`, []core.Problem{p(e+"personal.language", languageMsg)}},
	{"personal language word", `{"type": "personal", "personal": {"language": "English"}}`, []core.Problem{p(e+"personal.language", languageMsg)}},
	{"personal language number", `{"type": "personal", "personal": {"language": 1}}`, []core.Problem{p(e+"personal.language", "must be a string, got number")}},
	{"personal strings", `{"type": "personal", "personal": {"firstname": 1, "lastname": false, "company": {}}}`, []core.Problem{
		p(e+"personal.company", "must be a string, got object"),
		p(e+"personal.firstname", "must be a string, got number"),
		p(e+"personal.lastname", "must be a string, got boolean"),
	}},
	{"personal null optional fields", `{"type": "personal", "personal": {"firstname": null, "age": null, "contacts": null}}`, nil},

	// lead
	{"lead full", `{"type": "lead", "lead": {"topic": "luxury car test drive 2015", "value": 22.22, "currency": "USD", "leadId": "xyz123"}}`, nil},
	{"lead flat", `{"type": "lead", "topic": "x"}`, []core.Problem{p(e+"topic", "unknown field; lead fields belong under lead")}},
	{"lead field types", `{"type": "lead", "lead": {"topic": 1, "value": "22", "currency": 1, "leadId": 5}}`, []core.Problem{
		p(e+"lead.currency", "must be a string, got number"),
		p(e+"lead.leadId", "must be a string, got number"),
		p(e+"lead.topic", "must be a string, got number"),
		p(e+"lead.value", "must be a number, got string"),
	}},

	// service
	{"service full", `{"type": "service", "service": {"topic": "order checkbook", "status": 0, "category": "finance", "serviceId": "service12"}}`, nil},
	{"service status 13", `{"type": "service", "service": {"status": 13}}`, nil},
	{"service without payload", `{"type": "service"}`, nil},
	{"service status 14", `{"type": "service", "service": {"status": 14}}`, []core.Problem{p(e+"service.status", "must be an integer from 0 to 13")}},
	{"service status string", `{"type": "service", "service": {"status": "1"}}`, []core.Problem{p(e+"service.status", "must be an integer, got string")}},
	{"service field types", `{"type": "service", "service": {"topic": 1, "category": 2, "serviceId": 3}}`, []core.Problem{
		p(e+"service.category", "must be a string, got number"),
		p(e+"service.serviceId", "must be a string, got number"),
		p(e+"service.topic", "must be a string, got number"),
	}},

	// error
	{"error full", `{"type": "error", "error": {"contextId": "s1", "message": "Expired credit card", "code": "er100004", "level": 10, "resolved": false}}`, nil},
	{"error without payload", `{"type": "error"}`, nil},
	{"error field types", `{"type": "error", "error": {"contextId": 1, "message": 2, "code": 100004, "level": 1.5, "resolved": "false"}}`, []core.Problem{
		p(e+"error.code", "must be a string, got number"),
		p(e+"error.contextId", "must be a string, got number"),
		p(e+"error.level", "must be an integer"),
		p(e+"error.message", "must be a string, got number"),
		p(e+"error.resolved", "must be true or false, got string"),
	}},
	{"error level string", `{"type": "error", "error": {"level": "10"}}`, []core.Problem{p(e+"error.level", "must be an integer, got string")}},

	// searchInfo
	{"searchInfo full", `{"type": "searchInfo", "keywords": ["credit card", "visa"]}`, nil},
	{"searchInfo empty keywords", `{"type": "searchInfo", "keywords": []}`, nil},
	{"searchInfo without keywords", `{"type": "searchInfo"}`, nil},
	{"searchInfo keywords string", `{"type": "searchInfo", "keywords": "credit card,visa"}`, []core.Problem{p(e+"keywords", "must be an array, got string")}},
	{"searchInfo keyword number", `{"type": "searchInfo", "keywords": ["visa", 5, null]}`, []core.Problem{p(e+"keywords[1]", "must be a string, got number"), p(e+"keywords[2]", "must be a string, got null")}},
	{"searchInfo nested payload refused", `{"type": "searchInfo", "searchInfo": {"keywords": ["a"]}}`, []core.Problem{p(e+"searchInfo", "unknown field")}},

	// Paths for odd keys.
	{"odd key quoted", `{"type": "searchInfo", "keywords": [], "a.b c": 1}`, []core.Problem{p(e[:len(e)-1]+`["a.b c"]`, "unknown field")}},
}

// strict is the Validation that refuses every unknown field.
var strict = core.Validation{Strict: true}

// lenient is what the default Validation reports for a case whose strict problems are want:
// the same problems without the refusals of unknown fields that are not near-misses (those
// are passed through).
func lenient(want []core.Problem) []core.Problem {
	var out []core.Problem
	for _, pr := range want {
		if strings.HasPrefix(pr.Message, "unknown field") && !strings.Contains(pr.Message, "did you mean") {
			continue
		}
		out = append(out, pr)
	}
	return out
}

// The tables state the strict result; the default one is the same without the unknown
// fields that are passed through.
func TestValidateSDE(t *testing.T) {
	for _, tc := range sdeCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, strict.SDE("engagementAttributes[0]", attr(t, tc.json)), "strict")
			assert.Equal(t, lenient(tc.want), core.ValidateSDE("engagementAttributes[0]", attr(t, tc.json)), "default")
		})
	}
}

// The same rules hold for attributes decoded with json.Number and for attributes built in Go
// with int and []string values.
func TestValidateSDENumberRepresentations(t *testing.T) {
	for _, tc := range sdeCases {
		t.Run(tc.name, func(t *testing.T) {
			a := core.Attribute(decodeNumbers(t, tc.json).(map[string]any))
			assert.Equal(t, tc.want, strict.SDE("engagementAttributes[0]", a))
			assert.Equal(t, lenient(tc.want), core.ValidateSDE("engagementAttributes[0]", a))
		})
	}
	goBuilt := []struct {
		name string
		a    core.Attribute
		want []core.Problem
	}{
		{"ints", core.Attribute{"type": "cart", "total": 12, "numItems": int64(3)}, nil},
		{"uint", core.Attribute{"type": "cart", "total": uint(12), "numItems": uint8(3)}, nil},
		{"int64 beyond 2^53", core.Attribute{"type": "cart", "total": 1, "numItems": int64(1<<53 + 1)}, []core.Problem{p(e+"numItems", "must be an integer within ±2^53")}},
		{"[]string keywords", core.Attribute{"type": "searchInfo", "keywords": []string{"a", "b"}}, nil},
		{"[]map products", core.Attribute{"type": "prodView", "products": []map[string]any{{"product": map[string]any{"name": "x"}}}}, nil},
		{"nested Attribute", core.Attribute{"type": "lead", "lead": core.Attribute{"topic": "x"}}, nil},
		{"float32", core.Attribute{"type": "lead", "lead": map[string]any{"value": float32(1.5)}}, nil},
		{"unsupported value", core.Attribute{"type": "lead", "lead": map[string]any{"value": struct{}{}}}, []core.Problem{p(e+"lead.value", "must be a number, got unsupported value")}},
		{"[]int is unsupported", core.Attribute{"type": "searchInfo", "keywords": []int{1}}, []core.Problem{p(e+"keywords", "must be an array, got unsupported value")}},
	}
	for _, tc := range goBuilt {
		t.Run("go/"+tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, core.ValidateSDE("engagementAttributes[0]", tc.a))
		})
	}
}

// The value of a "double" must be finite: NaN and infinities cannot be sent as JSON.
func TestValidateSDENonFinite(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
	}{{"NaN", nan()}, {"+Inf", inf(1)}, {"-Inf", inf(-1)}} {
		t.Run(tc.name, func(t *testing.T) {
			got := core.ValidateSDE("a", core.Attribute{"type": "lead", "lead": map[string]any{"value": tc.v}})
			assert.Equal(t, []core.Problem{p("a.lead.value", "must be a finite number")}, got)
		})
	}
}

var impressionCases = []attrCase{
	{"impDisplay documented", `{"type": "impDisplay", "campaign": 1111111111, "engId": 2222222222, "revision": 12, "eContext": [{"type": "engagementContext", "id": "1"}]}`, nil},
	{"impAccept documented", `{"type": "impAccept", "campaign": 1111111111, "engId": 2222222222, "revision": 12, "eContext": [{"type": "engagementContext", "id": "1"}]}`, nil},
	{"impDisplay ids as strings", `{"type": "impDisplay", "campaign": "3346848610", "engId": "3562981110", "revision": "44"}`, nil},
	{"impExpanded documented", `{"type": "impExpanded", "expanded": null, "userInit": null, "actionableItems": null, "campaign": 3115242510, "engId": 3115242810, "revision": 537}`, nil},
	{"impExpanded", `{"type": "impExpanded", "campaign": 1, "engId": 2, "revision": 3, "expanded": true, "userInit": false, "actionableItems": null}`, nil},
	{"impExpanded actionableItems array", `{"type": "impExpanded", "campaign": 1, "engId": 2, "revision": 3, "actionableItems": [1, {"a": ["b"]}]}`, nil},
	{"impTimeout", `{"type": "impTimeout", "campaign": 1, "engId": 2, "revision": 3}`, nil},
	{"impClose", `{"type": "impClose", "campaign": 1, "engId": 2, "revision": 3}`, nil},
	{"impClose with eContext", `{"type": "impClose", "campaign": 1, "engId": 2, "revision": 3, "eContext": [{"type": "engagementContext", "id": "1"}]}`, nil},
	{"type missing", `{"campaign": 1}`, []core.Problem{p("impAttributes[0].type", "is required")}},
	{"SDE refused", `{"type": "cart", "total": 1, "numItems": 1}`, []core.Problem{p("impAttributes[0].type", "engagement attributes (SDEs) belong in engagementAttributes, not impAttributes")}},
	{"unknown type", `{"type": "impHover"}`, []core.Problem{p("impAttributes[0].type", `unknown type; must be one of `+impressionTypeList)}},
	{"ids not required by the spec", `{"type": "impDisplay"}`, nil},
	{"ids malformed", `{"type": "impDisplay", "campaign": 1.5, "engId": "22x", "revision": -1}`, []core.Problem{
		p("impAttributes[0].campaign", "must be a non-negative whole number"),
		p("impAttributes[0].engId", "must be a whole number or a string of digits"),
		p("impAttributes[0].revision", "must be a non-negative whole number"),
	}},
	{"id bool", `{"type": "impClose", "campaign": true, "engId": 1, "revision": 1}`, []core.Problem{p("impAttributes[0].campaign", "must be a number, got boolean")}},
	{"eContext element", `{"type": "impDisplay", "campaign": 1, "engId": 2, "revision": 3, "eContext": [{"type": "context", "id": 1}, {}, "x"]}`, []core.Problem{
		p("impAttributes[0].eContext[0].id", "must be a string, got number"),
		p("impAttributes[0].eContext[0].type", "must be one of engagementContext"),
		p("impAttributes[0].eContext[2]", "must be an object, got string"),
	}},
	{"impExpanded flags", `{"type": "impExpanded", "campaign": 1, "engId": 2, "revision": 3, "expanded": "yes", "userInit": 1}`, []core.Problem{
		p("impAttributes[0].expanded", "must be true or false, got string"),
		p("impAttributes[0].userInit", "must be true or false, got number"),
	}},
	{"impTimeout refuses expanded", `{"type": "impTimeout", "campaign": 1, "engId": 2, "revision": 3, "expanded": true}`, []core.Problem{p("impAttributes[0].expanded", "unknown field")}},
	{"impDisplay typo", `{"type": "impDisplay", "campaign": 1, "engID": 2, "revision": 3}`, []core.Problem{p("impAttributes[0].engID", "unknown field; did you mean engId?")}},
}

func TestValidateImpression(t *testing.T) {
	for _, tc := range impressionCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, strict.Impression("impAttributes[0]", attr(t, tc.json)), "strict")
			assert.Equal(t, lenient(tc.want), core.ValidateImpression("impAttributes[0]", attr(t, tc.json)), "default")
		})
	}
}

// Messages about SDE fields name the field and the expected form but never repeat a string
// the caller gave: emails, phone numbers and names must not reach logs through errors.
func TestProblemsNeverEchoPersonalStrings(t *testing.T) {
	const secret = "jane.doe+SECRET@example.com"
	s := func(json string) string { return json } // readability
	trees := []string{
		s(`{"type": "personal", "personal": {"gender": "S", "language": "S", "age": {"age": "S", "year": "S", "month": "S", "day": "S"}, "contacts": [{"phoneType": "S", "address": "S", "email": ["S"]}, "S"], "firstname": {"x": "S"}}}`),
		s(`{"type": "mrktInfo", "info": {"channel": "S", "campaignId": "S", "campaignID": "S"}}`),
		s(`{"type": "cart", "total": "S", "numItems": "S", "products": ["S", {"product": "S", "quantity": "S"}]}`),
		s(`{"type": "ctmrinfo", "info": {"balance": "S", "lastPaymentDate": "S", "registrationDate": {"day": "S"}, "companySize": "S", "loginStatus": "S"}}`),
		s(`{"type": "service", "service": {"status": "S"}}`),
		s(`{"type": "error", "error": {"level": "S", "resolved": "S"}}`),
		s(`{"type": "searchInfo", "keywords": "S"}`),
		s(`{"type": "impDisplay", "campaign": "S", "engId": "S", "revision": "S", "eContext": [{"type": "S", "id": ["S"]}]}`),
	}
	for _, tree := range trees {
		a := decodePlain(t, replaceS(tree, secret)).(map[string]any)
		problems := append(core.ValidateSDE("a", a), core.ValidateImpression("a", a)...)
		require.NotEmpty(t, problems)
		for _, pr := range problems {
			assert.NotContains(t, pr.String(), "SECRET", "problem %q echoes a value", pr.String())
		}
	}
	// The same through ParseRequest, whose error text is what gets logged.
	_, err := core.ParseRequest(map[string]any{
		"vid":                  secret,
		"sid":                  secret,
		"appType":              secret,
		"appDetails":           map[string]any{"ipAddress": secret, "os": secret, "deviceFamily": secret},
		"engagementAttributes": []any{map[string]any{"type": "personal", "personal": map[string]any{"gender": secret, "language": secret}}},
	})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET")
}

func nan() float64         { return math.NaN() }
func inf(sign int) float64 { return math.Inf(sign) }
func replaceS(tree, secret string) string {
	return strings.ReplaceAll(tree, `"S"`, strconv.Quote(secret))
}
