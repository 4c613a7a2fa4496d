package core

import "github.com/appengage/appengage/wire"

// AppType identifies the calling application kind; msdkgw accepts MSDK and EXTERNAL only.
type AppType string

// The documented application types.
const (
	AppTypeExternal AppType = "EXTERNAL"
	AppTypeMSDK     AppType = "MSDK"
)

// DeviceFamily is appDetails.deviceFamily.
type DeviceFamily string

// The documented device families.
const (
	DeviceDesktop DeviceFamily = "DESKTOP"
	DeviceTablet  DeviceFamily = "TABLET"
	DeviceMobile  DeviceFamily = "MOBILE"
)

// OS is appDetails.os.
type OS string

// The documented operating systems.
const (
	OSWindows OS = "WINDOWS"
	OSMacOSX  OS = "MAC_OSX"
	OSLinux   OS = "LINUX"
	OSIOS     OS = "IOS"
	OSAndroid OS = "ANDROID"
)

// AppDetails is diagnostic information about the consumer application.
type AppDetails struct {
	AppVersion   string       // appVersion
	DeviceFamily DeviceFamily // deviceFamily
	IPAddress    string       // ipAddress: an IPv4 or IPv6 literal
	OS           OS           // os
	OSVersion    string       // osVersion

	// Extra holds members of appDetails that no field above describes (the seed mentions
	// Type, Platform, Name, Version and a client timestamp), sent to LivePerson unchanged.
	// ParseRequest fills it with copies of what the caller passed; nil when there are none.
	// A strict Validation refuses it.
	Extra map[string]any
}

// Attribute is one engagement attribute (SDE) or impression event as a generic JSON object
// tree: map keys are the documented field names, values are string, float64, bool, nil,
// []any or map[string]any. Its "type" field selects the schema it is validated against.
// It is forwarded to the server as given, so nothing the caller sent is lost.
type Attribute map[string]any

// Type returns the attribute's "type" field, or "" if it is missing or not a string.
func (a Attribute) Type() string {
	s, _ := a["type"].(string)
	return s
}

// Request is the Create Session request, i.e. what ChatApi.getEngagement takes.
// VisitorID and SessionID travel in the URL; everything else is the JSON body.
type Request struct {
	AppType              AppType     // appType, required on the wire; the client defaults it to EXTERNAL
	AppDetails           *AppDetails // appDetails
	ConsumerSections     []string    // consumerSections
	EngagementAttributes []Attribute // engagementAttributes: SDEs, impression events refused
	VisitorID            string      // vid
	SessionID            string      // sid

	// Extra holds members of the request that no field above describes, sent to LivePerson
	// in the body unchanged: a field the server accepts that this version does not know.
	// ParseRequest fills it with copies of what the caller passed; nil when there are none.
	// A strict Validation refuses it.
	Extra map[string]any
}

// UpdateRequest is the Update Session body: more SDEs and impression events for the
// session that returned PageID.
type UpdateRequest struct {
	PageID               string      // pageId, required
	EngagementAttributes []Attribute // engagementAttributes: SDEs, impression events refused
	ImpAttributes        []Attribute // impAttributes: impression events only

	// Extra holds members of the body that no field above describes, sent unchanged; nil
	// when there are none. A strict Validation refuses it.
	Extra map[string]any
}

// Status is the availability of an engagement.
type Status string

// The two documented availability states.
const (
	StatusAvailable    Status = "Available"
	StatusNotAvailable Status = "NotAvailable"
)

// Response is the Create Session response, i.e. what onEngagement receives.
type Response struct {
	Status            Status             // status
	SessionID         string             // sessionId
	VisitorID         string             // visitorId
	PageID            string             // pageId
	EngagementDetails *EngagementDetails // engagementDetails, present when Status is Available

	// Raw is the response body exactly as the server sent it, decoded into a generic tree.
	// Adapters hand it to JS callers unchanged, including fields this version does not know.
	// It is nil for responses built in Go.
	Raw map[string]any

	// RawText is the body's text as the transport received it (WireResponse.Text), which
	// the JS module hands back as JSON.parse of the server's own text; "" when the transport
	// does not keep it or for responses built in Go.
	RawText string
}

// EngagementDetails describes the engagement that is available. Id fields are kept as
// decimal strings whether the server sent them as JSON numbers or strings.
type EngagementDetails struct {
	CampaignID         string // campaignId
	EngagementID       string // engagementId
	ContextID          string // contextId
	WindowID           string // windowId
	Language           string // language, e.g. en-US
	EngagementRevision int64  // engagementRevision
	ValidForSeconds    int64  // validForSeconds: how long this offer stays valid
	SkillID            string // skillId, "" when absent
	SkillName          string // skillName, "" when absent
	ConnectorID        string // connectorId, present only for authenticated engagements
}

// ErrorBody is LivePerson's error response body {time, message, internalCode}; its shape is
// wire's, shared with the simulator and the gateway.
type ErrorBody = wire.ErrorBody

// Session is the visitor and session the client reuses across calls, and the page id of the
// last Create Session response (needed by Update Session).
type Session struct {
	VisitorID string
	SessionID string
	PageID    string
}

// IsZero reports whether no session has been established.
func (s Session) IsZero() bool { return s.VisitorID == "" && s.SessionID == "" }
