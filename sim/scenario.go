package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/appengage/appengage/core"
)

// The availability modes of a Scenario.
const (
	Available    = "Available"    // every Create Session answers Available (the default)
	NotAvailable = "NotAvailable" // every Create Session answers NotAvailable
	Flap         = "flap"         // Available and NotAvailable alternate every FlapSeconds
)

// The shapes CSDS can answer in (Scenario.CSDS).
const (
	CSDSObject = "object" // {service, account, baseURI} for the single-service URL (the default)
	CSDSList   = "list"   // {baseURIs: [...]} even for the single-service URL
	CSDSEmpty  = "empty"  // {baseURIs: []}: the account has no services, so lookups fail
)

// Scenario is how the simulator treats one account. The zero Scenario is the default every
// well-formed account id gets: Available, no failures, no delay. Counted failures are spent
// one call at a time in this order: RateLimitCalls, then FailCalls (both on Create and Update
// Session), then LoadingCalls (Create Session only). Setting a scenario restarts its counts
// and its flap schedule.
type Scenario struct {
	// Availability is Available (default), NotAvailable or flap.
	Availability string `json:"availability,omitempty"`
	// FlapSeconds is the period of the flap mode: Available for FlapSeconds, then
	// NotAvailable for FlapSeconds, and so on, from the moment the scenario is set.
	FlapSeconds int `json:"flapSeconds,omitempty"`
	// LoadingCalls makes the next N Create Session calls answer 500 internalCode 20
	// "Loading account: <acct>, vid: <vid>"; the visitor named there is kept for the retry.
	LoadingCalls int `json:"loadingCalls,omitempty"`
	// FailCalls makes the next N calls answer FailStatus (default 503).
	FailCalls int `json:"failCalls,omitempty"`
	// FailStatus is the 5xx status of FailCalls, default 503.
	FailStatus int `json:"failStatus,omitempty"`
	// RateLimitCalls makes the next N calls answer 429 with Retry-After.
	RateLimitCalls int `json:"rateLimitCalls,omitempty"`
	// RetryAfterSeconds is the Retry-After of the 429 answers, default 1.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
	// DelayMs delays every Create and Update Session answer; a caller that gives up ends the
	// wait.
	DelayMs int `json:"delayMs,omitempty"`
	// ValidForSeconds is engagementDetails.validForSeconds; default 900, or in flap mode the
	// seconds left until the next flip, so a watcher re-asks in time.
	ValidForSeconds int `json:"validForSeconds,omitempty"`
	// CSDS is the shape of the Domain API answers: object (default), list or empty.
	CSDS string `json:"csds,omitempty"`
	// Engagement overrides the engagementDetails of Available answers.
	Engagement *Engagement `json:"engagement,omitempty"`
}

// Engagement is the engagement an Available answer describes. Empty fields take the values
// of LivePerson's documented example.
type Engagement struct {
	CampaignID         string `json:"campaignId,omitempty"`
	EngagementID       string `json:"engagementId,omitempty"`
	ContextID          string `json:"contextId,omitempty"`
	WindowID           string `json:"windowId,omitempty"`
	Language           string `json:"language,omitempty"`
	EngagementRevision int64  `json:"engagementRevision,omitempty"`
	SkillID            int64  `json:"skillId,omitempty"`
	SkillName          string `json:"skillName,omitempty"`
	ConnectorID        string `json:"connectorId,omitempty"` // set only for authenticated engagements
}

// defaultEngagement is the engagement of LivePerson's documented getEngagement example.
var defaultEngagement = Engagement{
	CampaignID:         "3346848610",
	EngagementID:       "3562981110",
	ContextID:          "1",
	WindowID:           "3346847910",
	Language:           "en-US",
	EngagementRevision: 44,
	SkillID:            23,
	SkillName:          "TestSkill",
}

// maxDelayMs bounds DelayMs so a typo cannot park a caller for hours.
const maxDelayMs = 120_000

// Normalize checks sc and returns it with the mode names in canonical spelling and the
// defaults filled in (FailStatus, RetryAfterSeconds, CSDS, Engagement). The error names
// every bad field.
func (sc Scenario) Normalize() (Scenario, error) {
	var problems []string
	bad := func(field, msg string) { problems = append(problems, field+": "+msg) }
	switch strings.ToLower(sc.Availability) {
	case "", "available":
		sc.Availability = Available
	case "notavailable":
		sc.Availability = NotAvailable
	case "flap":
		sc.Availability = Flap
		if sc.FlapSeconds <= 0 {
			bad("flapSeconds", "must be > 0 when availability is flap")
		}
	default:
		bad("availability", "must be Available, NotAvailable or flap, got "+strconv.Quote(sc.Availability))
	}
	if sc.FlapSeconds < 0 {
		bad("flapSeconds", "must be >= 0")
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"loadingCalls", sc.LoadingCalls}, {"failCalls", sc.FailCalls}, {"rateLimitCalls", sc.RateLimitCalls},
		{"retryAfterSeconds", sc.RetryAfterSeconds}, {"validForSeconds", sc.ValidForSeconds}, {"delayMs", sc.DelayMs}} {
		if c.n < 0 {
			bad(c.field, "must be >= 0")
		}
	}
	if sc.DelayMs > maxDelayMs {
		bad("delayMs", fmt.Sprintf("must be <= %d", maxDelayMs))
	}
	switch {
	case sc.FailStatus == 0:
		sc.FailStatus = 503
	case sc.FailStatus < 500 || sc.FailStatus > 599:
		bad("failStatus", "must be a 5xx status")
	}
	if sc.RetryAfterSeconds == 0 {
		sc.RetryAfterSeconds = 1
	}
	switch strings.ToLower(sc.CSDS) {
	case "", CSDSObject:
		sc.CSDS = CSDSObject
	case CSDSList:
		sc.CSDS = CSDSList
	case CSDSEmpty:
		sc.CSDS = CSDSEmpty
	default:
		bad("csds", "must be object, list or empty, got "+strconv.Quote(sc.CSDS))
	}
	e := defaultEngagement
	if g := sc.Engagement; g != nil {
		for _, id := range []struct{ field, v string }{{"engagement.campaignId", g.CampaignID},
			{"engagement.engagementId", g.EngagementID}, {"engagement.windowId", g.WindowID}, {"engagement.connectorId", g.ConnectorID}} {
			if id.v != "" && !digits(id.v) {
				bad(id.field, "must be a decimal id")
			}
		}
		overlay := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		overlay(&e.CampaignID, g.CampaignID)
		overlay(&e.EngagementID, g.EngagementID)
		overlay(&e.ContextID, g.ContextID)
		overlay(&e.WindowID, g.WindowID)
		overlay(&e.Language, g.Language)
		overlay(&e.SkillName, g.SkillName)
		e.ConnectorID = g.ConnectorID
		if g.EngagementRevision != 0 {
			e.EngagementRevision = g.EngagementRevision
		}
		if g.SkillID != 0 {
			e.SkillID = g.SkillID
		}
	}
	sc.Engagement = &e
	if len(problems) > 0 {
		return Scenario{}, fmt.Errorf("invalid scenario: %s", strings.Join(problems, "; "))
	}
	return sc, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DecodeScenario reads one scenario as JSON, refusing unknown fields, and normalises it.
func DecodeScenario(r io.Reader) (Scenario, error) {
	var sc Scenario
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return Scenario{}, fmt.Errorf("invalid scenario JSON: %w", err)
	}
	if dec.More() {
		return Scenario{}, fmt.Errorf("invalid scenario JSON: more than one value")
	}
	return sc.Normalize()
}

// MaxScenarioFileBytes bounds what LoadScenarios reads (a scenario is about 100 bytes), so
// a wrong path (/dev/zero, a log file) fails at once instead of reading without end.
const MaxScenarioFileBytes = 1 << 20

// LoadScenarios reads a scenario file: one JSON object mapping account ids to scenarios,
// e.g. {"12345678": {"availability": "NotAvailable"}, "loading1": {"loadingCalls": 2}}.
func LoadScenarios(path string) (map[string]Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxScenarioFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxScenarioFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a scenario file", path, MaxScenarioFileBytes)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: want an object mapping account ids to scenarios: %w", path, err)
	}
	out := make(map[string]Scenario, len(m))
	for id, rawSc := range m {
		if !core.ValidAccountID(id) {
			return nil, fmt.Errorf("%s: account id %q must match ^[a-zA-Z0-9_]{1,20}$", path, id)
		}
		sc, err := DecodeScenario(bytes.NewReader(rawSc))
		if err != nil {
			return nil, fmt.Errorf("%s: account %s: %w", path, id, err)
		}
		out[id] = sc
	}
	return out, nil
}

// ParseAccountFlag reads lpsim's -account value "ID=mode[,mode...]" where a mode is one of
// Available, NotAvailable, flap:SECONDS, loading:N, fail:N[:STATUS], ratelimit:N[:SECONDS],
// delay:MS, validfor:SECONDS, csds:object|list|empty; e.g. "12345678=loading:2,flap:30".
func ParseAccountFlag(v string) (string, Scenario, error) {
	id, modes, ok := strings.Cut(v, "=")
	if !ok || !core.ValidAccountID(id) {
		return "", Scenario{}, fmt.Errorf("-account %q: want ID=mode[,mode...] with ID matching ^[a-zA-Z0-9_]{1,20}$", v)
	}
	var sc Scenario
	for _, mode := range strings.Split(modes, ",") {
		parts := strings.Split(strings.TrimSpace(mode), ":")
		if strings.EqualFold(parts[0], "csds") {
			if len(parts) != 2 {
				return "", Scenario{}, fmt.Errorf("-account %q: mode %q: want csds:object|list|empty", v, mode)
			}
			sc.CSDS = parts[1]
			continue
		}
		nums := make([]int, len(parts)-1)
		for i, p := range parts[1:] {
			n, err := strconv.Atoi(p)
			if err != nil {
				return "", Scenario{}, fmt.Errorf("-account %q: mode %q: %q is not a number", v, mode, p)
			}
			nums[i] = n
		}
		arity := func(min, max int) error {
			if len(nums) < min || len(nums) > max {
				return fmt.Errorf("-account %q: mode %q takes %d to %d numbers", v, mode, min, max)
			}
			return nil
		}
		var err error
		switch name := strings.ToLower(parts[0]); name {
		case "available", "notavailable":
			sc.Availability, err = name, arity(0, 0)
		case "flap":
			if err = arity(1, 1); err == nil {
				sc.Availability, sc.FlapSeconds = Flap, nums[0]
			}
		case "loading":
			if err = arity(1, 1); err == nil {
				sc.LoadingCalls = nums[0]
			}
		case "fail":
			if err = arity(1, 2); err == nil {
				sc.FailCalls = nums[0]
				if len(nums) == 2 {
					sc.FailStatus = nums[1]
				}
			}
		case "ratelimit":
			if err = arity(1, 2); err == nil {
				sc.RateLimitCalls = nums[0]
				if len(nums) == 2 {
					sc.RetryAfterSeconds = nums[1]
				}
			}
		case "delay":
			if err = arity(1, 1); err == nil {
				sc.DelayMs = nums[0]
			}
		case "validfor":
			if err = arity(1, 1); err == nil {
				sc.ValidForSeconds = nums[0]
			}
		default:
			err = fmt.Errorf("-account %q: unknown mode %q", v, mode)
		}
		if err != nil {
			return "", Scenario{}, err
		}
	}
	sc, err := sc.Normalize()
	if err != nil {
		return "", Scenario{}, fmt.Errorf("-account %q: %w", v, err)
	}
	return id, sc, nil
}
