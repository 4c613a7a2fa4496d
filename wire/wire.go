// Package wire holds the facts of LivePerson's App Engagement wire protocol that the client
// (core), the simulator (sim) and the edge gateway (gateway) must agree on: the internalCode
// values, the error body, the paths and query parameters, and the checks a Create or Update
// Session request passes before anything else is looked at. It is written once here so the
// three cannot drift apart.
//
// It depends on nothing but the standard library's strings and strconv (no net/http, fmt,
// reflect or encoding/json), so the WebAssembly client can import it at no cost.
// Spec: /work/shared/spec/app-engagement-api.md §3, §4.3, §8.
package wire

import (
	"strconv"
	"strings"
)

// LivePerson's internalCode values, carried in the error body (spec §3).
const (
	// CodeNone is the internalCode of answers LivePerson gives no code for (403, 404, 405,
	// 429 at the gateway or simulator).
	CodeNone = 0
	// CodeValidation (400): the body is missing, not JSON, too large or fails validation.
	CodeValidation = 5
	// CodeInternal (5xx): an unexpected internal error.
	CodeInternal = 18
	// CodeLoadingAccount (500): the account is still loading; the message names the visitor
	// id to retry with (see LoadingAccountMessage). Retried by the client, reusing that vid.
	CodeLoadingAccount = 20
	// CodeIllegalVersion (400): the v query parameter is not 1.0.
	CodeIllegalVersion = 33
	// CodeBadVisitor (401): the visitor id is missing, malformed or unknown.
	CodeBadVisitor = 37
	// CodeBadSession (401): the session id is missing, malformed or unknown.
	CodeBadSession = 39
)

// The error body's JSON member names: {"time": <epoch ms>, "message": "…", "internalCode": n}.
const (
	FieldTime         = "time"
	FieldMessage      = "message"
	FieldInternalCode = "internalCode"
)

// ErrorBody is LivePerson's error response body. Its tags give the JSON names for adapters
// that encode it with encoding/json.
type ErrorBody struct {
	Time         int64  `json:"time"`         // server time of the error, epoch milliseconds
	Message      string `json:"message"`      // human-readable reason
	InternalCode int    `json:"internalCode"` // one of the Code* values
}

// Tree returns the body as a generic JSON value tree in the shape LivePerson sends: time
// and internalCode as numbers (float64), and message when it is not empty.
func (e ErrorBody) Tree() map[string]any {
	t := map[string]any{FieldTime: float64(e.Time), FieldInternalCode: float64(e.InternalCode)}
	if e.Message != "" {
		t[FieldMessage] = e.Message
	}
	return t
}

// LoadingAccountPrefix starts the message of the "Loading account" 500.
const LoadingAccountPrefix = "Loading account"

// IllegalVersionMessage is the message of the 400 for an unsupported v.
const IllegalVersionMessage = "Illegal Version"

// LoadingAccountMessage is the message of the "Loading account" 500 for account and the
// visitor id the retry must use: "Loading account: 123, vid: abc". Clients read the vid back
// with the regular expression vid:\s*([^,\s}"]+) (spec §4.3).
func LoadingAccountMessage(account, vid string) string {
	return LoadingAccountPrefix + ": " + account + ", vid: " + vid
}

// IsLoadingAccount reports whether an error answer is the "Loading account" 500.
func IsLoadingAccount(status, internalCode int, message string) bool {
	return status == 500 && (internalCode == CodeLoadingAccount || strings.HasPrefix(message, LoadingAccountPrefix))
}

// Retryable reports whether LivePerson's retry policy repeats an answer with this status:
// 5xx (the "Loading account" 500 included) and 429 (spec §8). Every other 4xx is final.
func Retryable(status int) bool {
	return status == 429 || status >= 500
}

// Paths, query parameters and service names (spec §2, §4, §5).
const (
	// Version is the only API version (the v query parameter of Create/Update Session, the
	// version parameter of the Domain API).
	Version = "1.0"
	// VersionParam and SessionParam are the query parameters of Create/Update Session.
	VersionParam = "v"
	SessionParam = "sid"
	// MethodOverrideHeader turns a POST into the method it names (browsers cannot send PUT
	// cross-origin to LivePerson's gateways).
	MethodOverrideHeader = "X-HTTP-Method-Override"
	// Service is the Domain API (CSDS) name of the App Engagement API.
	Service = "msdkgw"
)

// SessionPath is the Create/Update Session path for account and vid, both already escaped
// as path segments; vid is "" on a first call (the segment is left empty).
func SessionPath(account, vid string) string {
	return "/api/account/" + account + "/app/engagement/visitors/" + vid
}

// DomainPath is the Domain API (CSDS) path naming the host of one service for account
// (escaped segments), without its query ?version=1.0.
func DomainPath(account, service string) string {
	return "/api/account/" + account + "/service/" + service + "/baseURI.json"
}

// DomainListPath is the Domain API path listing every service's host for account.
func DomainListPath(account string) string {
	return "/api/account/" + account + "/service/baseURI.json"
}

// SupportedVersion reports whether the v query values name version 1.0: exactly one value,
// "1" or "1." followed by zeros ("1.0", "1.00"). v is a number (double) in LivePerson's
// documentation, so these are the same value.
func SupportedVersion(values []string) bool {
	if len(values) != 1 {
		return false
	}
	v := values[0]
	if v == "1" {
		return true
	}
	rest, ok := strings.CutPrefix(v, "1.")
	return ok && rest != "" && strings.Trim(rest, "0") == ""
}

// Kind is which endpoint a path names.
type Kind int

// The endpoints of msdkgw and CSDS.
const (
	KindNone       Kind = iota
	KindSession         // /api/account/{a}/app/engagement/visitors[/{vid}]
	KindDomain          // /api/account/{a}/service/{s}/baseURI.json
	KindDomainList      // /api/account/{a}/service/baseURI.json
)

// Route is what a request path asks for, its segments unescaped.
type Route struct {
	Kind      Kind
	Account   string
	Service   string // KindDomain only
	VisitorID string // KindSession only; "" for a first call
}

// ParsePath matches an escaped request path (URL.EscapedPath) against the msdkgw and CSDS
// endpoints. Segments are unescaped one by one after the split, so an encoded slash never
// moves a boundary: it stays inside the segment (and makes an invalid id). It reports false
// for any other path and for a segment with a malformed escape.
func ParsePath(escaped string) (Route, bool) {
	parts := strings.Split(escaped, "/")
	if len(parts) < 5 || parts[0] != "" || parts[1] != "api" || parts[2] != "account" {
		return Route{}, false
	}
	for i := 3; i < len(parts); i++ {
		s, ok := unescapeSegment(parts[i])
		if !ok {
			return Route{}, false
		}
		parts[i] = s
	}
	r := Route{Account: parts[3]}
	switch {
	case len(parts) == 7 && parts[4] == "service" && parts[6] == "baseURI.json":
		r.Kind, r.Service = KindDomain, parts[5]
	case len(parts) == 6 && parts[4] == "service" && parts[5] == "baseURI.json":
		r.Kind = KindDomainList
	case (len(parts) == 7 || len(parts) == 8) && parts[4] == "app" && parts[5] == "engagement" && parts[6] == "visitors":
		r.Kind = KindSession
		if len(parts) == 8 {
			r.VisitorID = parts[7]
		}
	default:
		return Route{}, false
	}
	return r, true
}

// unescapeSegment decodes %XX escapes in one path segment ('+' stays a plus, as in a path).
func unescapeSegment(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// URLOnlyFields are the ids that travel in the URL (path segment and sid parameter); a body
// member of that name is refused with CodeValidation rather than silently ignored.
var URLOnlyFields = [...]string{"vid", "sid"}

// Call is a Create or Update Session request as it arrives: what CheckCall looks at before
// the body.
type Call struct {
	Method    string   // the request method
	Override  string   // the X-HTTP-Method-Override header, "" when absent
	Versions  []string // the values of the v query parameter
	VisitorID string   // the unescaped vid path segment, "" when empty
	SessionID string   // the sid query parameter, "" when absent
}

// Verdict is CheckCall's answer. Status 0 means the request may go on; otherwise it is to
// be answered with Status and an ErrorBody of InternalCode and Message.
type Verdict struct {
	Update       bool   // Update Session (PUT, or POST overridden to PUT); else Create Session
	Status       int    // 0, or the HTTP status to refuse with
	InternalCode int    // with Status: the internalCode
	Message      string // with Status: the reason, naming the field
}

// CheckCall applies the rules every Create/Update Session request meets before its body is
// read, in the order LivePerson's gateway applies them: the method (POST creates, PUT or a
// POST with X-HTTP-Method-Override: PUT updates; anything else 405), the version (400,
// internalCode 33), then the ids (401, internalCode 37 for vid, 39 for sid): optional on
// Create Session, required on Update Session, and when present well-formed by validID (the
// client's id rule, core.WellFormedID, passed in because core imports this package).
func CheckCall(c Call, validID func(string) bool) Verdict {
	method := c.Method
	if c.Override != "" && method == "POST" {
		method = strings.ToUpper(strings.TrimSpace(c.Override))
	}
	var v Verdict
	switch method {
	case "POST":
	case "PUT":
		v.Update = true
	default:
		return Verdict{Status: 405, Message: "method " + quote(method) + " not allowed: POST creates a session, PUT updates it"}
	}
	if !SupportedVersion(c.Versions) {
		v.Status, v.InternalCode, v.Message = 400, CodeIllegalVersion, IllegalVersionMessage
		return v
	}
	if (v.Update || c.VisitorID != "") && !validID(c.VisitorID) {
		v.Status, v.InternalCode, v.Message = 401, CodeBadVisitor, "vid: missing or malformed visitor id"
		return v
	}
	if (v.Update || c.SessionID != "") && !validID(c.SessionID) {
		v.Status, v.InternalCode, v.Message = 401, CodeBadSession, "sid: missing or malformed session id"
		return v
	}
	return v
}

// quote quotes a short method name for a message, cut to 16 bytes.
func quote(s string) string {
	if len(s) > 16 {
		s = s[:16]
	}
	return strconv.Quote(s)
}
