package gateway

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/appengage/appengage/core"
)

// The defaults of Config, chosen for production.
const (
	// DefaultVisitorCap is how many new visitors one client (IP address) may create per
	// minute: enough for a busy office or a carrier NAT behind one address, far below a flood.
	DefaultVisitorCap = 60
	// DefaultMaxBodyBytes caps request bodies. A Create Session body with a few SDEs is about
	// one kilobyte; 64 KiB leaves room for large carts.
	DefaultMaxBodyBytes = 64 << 10
	// DefaultAttemptTimeout bounds one upstream exchange (the CSDS lookup, Create or Update
	// Session).
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultDeadline bounds one gateway request: a CSDS lookup and the upstream call fit,
	// and it ends before the client's own 30 s attempt timeout (core.DefaultAttemptTimeout),
	// so the client always gets the gateway's answer rather than timing out itself.
	DefaultDeadline = 25 * time.Second
	// DefaultBodyTimeout bounds reading a request body: a slow client (1 byte every few
	// seconds) is answered 408 instead of holding a connection and a goroutine.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultDomainTTL is how long a host resolved through CSDS is reused.
	DefaultDomainTTL = 10 * time.Minute
	// MaxVisitorCap and MaxMaxBodyBytes bound what the settings accept.
	MaxVisitorCap   = 1_000_000
	MaxMaxBodyBytes = 1 << 20
	// DefaultClientIPHeader is the header Cloudflare sets to the connecting client's address.
	DefaultClientIPHeader = "CF-Connecting-IP"
)

// Environment variable names read by ConfigFromEnv; on Workers they are wrangler vars.
const (
	EnvUpstream       = "APPENGAGE_MSDKGW"           // msdkgw base URL, overriding CSDS
	EnvCSDS           = "APPENGAGE_CSDS"             // CSDS (Domain API) base URL
	EnvAccounts       = "APPENGAGE_ACCOUNTS"         // allowed account ids, comma-separated, or *
	EnvOrigins        = "APPENGAGE_ORIGINS"          // allowed CORS origins, comma-separated, or *
	EnvVisitorCap     = "APPENGAGE_VISITOR_CAP"      // new visitors per client per minute, 0 = no cap
	EnvMaxBody        = "APPENGAGE_MAX_BODY"         // request body cap in bytes
	EnvRetryDelays    = "APPENGAGE_RETRY_DELAYS"     // refused: the gateway makes one upstream attempt per request
	EnvStrict         = "APPENGAGE_STRICT"           // "true": refuse every field LivePerson does not document
	EnvAttemptTimeout = "APPENGAGE_ATTEMPT_TIMEOUT"  // one upstream attempt, e.g. "10s"
	EnvDeadline       = "APPENGAGE_DEADLINE"         // one gateway request
	EnvBodyTimeout    = "APPENGAGE_BODY_TIMEOUT"     // reading one request body
	EnvDomainTTL      = "APPENGAGE_CSDS_TTL"         // how long a CSDS answer is reused
	EnvPublicHost     = "APPENGAGE_PUBLIC_HOST"      // host[:port] the gateway names in its CSDS answers
	EnvClientIPHeader = "APPENGAGE_CLIENT_IP_HEADER" // header holding the client IP; "-" = the remote address only
)

// Config is what a gateway serves and how. Use ConfigFromEnv to read it from environment
// variables or wrangler vars, then set the ports (Transport, Domains, Limiter).
type Config struct {
	// Upstream is the msdkgw base every allowed account is forwarded to (e.g. the
	// simulator); "" resolves each account's msdkgw host through CSDS.
	Upstream string
	// CSDS is the Domain API base used when Upstream is ""; "" means core.DefaultCSDSDomain.
	CSDS string
	// Accounts are the account ids the gateway serves; "*" allows every well-formed id.
	// Empty serves none: a gateway must be told whose traffic it carries.
	Accounts []string
	// Origins are the browser origins allowed by CORS (e.g. "https://app.example.com");
	// "*" allows any. Requests without an Origin header (native apps) are not affected.
	Origins []string
	// VisitorCap is how many new visitors one client may create per minute; 0 = no cap.
	VisitorCap int
	// MaxBodyBytes caps request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Strict refuses every request field LivePerson does not document (core.Config.Strict);
	// false passes unknown fields through to the upstream unchanged.
	Strict bool
	// AttemptTimeout bounds one upstream exchange. The gateway makes one attempt per request
	// and never retries: its clients do (docs/gateway.md "One retry layer").
	AttemptTimeout time.Duration
	// BodyTimeout bounds reading a request body (natively through the connection's read
	// deadline; on Workers gateway.mjs reads the body under the same bound).
	BodyTimeout time.Duration
	// Deadline bounds one gateway request.
	Deadline time.Duration
	// DomainTTL is how long a CSDS answer is reused.
	DomainTTL time.Duration
	// PublicHost is the host[:port] the gateway's CSDS answers name for msdkgw; "" means the
	// Host the request came to. It is only echoed to clients, never used for forwarding.
	PublicHost string
	// ClientIPHeader names the header carrying the client's IP address (the visitor cap's
	// key); "" means the connection's remote address only. Set it only where a trusted
	// proxy (Cloudflare) sets the header, or clients can pick their own key.
	ClientIPHeader string

	// Transport makes the upstream exchanges (nethttp natively, fetch on Workers). Required.
	Transport core.Transport
	// Domains caches CSDS answers; nil means an in-memory cache.
	Domains DomainCache
	// Limiter counts new visitors per client; nil means an in-memory counter.
	Limiter VisitorLimiter
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logf receives one line per refused or failed request (never SDE values, ids or
	// addresses); nil means no logging.
	Logf func(format string, args ...any)
}

// ConfigFromEnv reads the Env* variables through getenv (os.Getenv natively,
// cloudflare.Getenv on Workers) over the production defaults. clientIPHeader is the default
// for EnvClientIPHeader: DefaultClientIPHeader on Cloudflare, "" for a plain server.
// Every malformed variable is reported, all at once.
func ConfigFromEnv(getenv func(string) string, clientIPHeader string) (Config, error) {
	cfg := Config{
		Upstream:       strings.TrimSpace(getenv(EnvUpstream)),
		CSDS:           strings.TrimSpace(getenv(EnvCSDS)),
		Accounts:       splitList(getenv(EnvAccounts)),
		Origins:        splitList(getenv(EnvOrigins)),
		VisitorCap:     DefaultVisitorCap,
		MaxBodyBytes:   DefaultMaxBodyBytes,
		AttemptTimeout: DefaultAttemptTimeout,
		Deadline:       DefaultDeadline,
		BodyTimeout:    DefaultBodyTimeout,
		DomainTTL:      DefaultDomainTTL,
		PublicHost:     strings.TrimSpace(getenv(EnvPublicHost)),
		ClientIPHeader: clientIPHeader,
	}
	var problems []string
	if v := strings.TrimSpace(getenv(EnvVisitorCap)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxVisitorCap {
			problems = append(problems, EnvVisitorCap+" must be a whole number from 0 (no cap) to "+strconv.Itoa(MaxVisitorCap))
		}
		cfg.VisitorCap = n
	}
	if v := strings.TrimSpace(getenv(EnvMaxBody)); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > MaxMaxBodyBytes {
			problems = append(problems, EnvMaxBody+" must be a number of bytes from 1 to "+strconv.Itoa(MaxMaxBodyBytes))
		}
		cfg.MaxBodyBytes = n
	}
	if v := strings.TrimSpace(getenv(EnvRetryDelays)); v != "" && v != "none" {
		// Retries at the gateway multiplied with the client's (up to 16 upstream attempts per
		// call); a deployment that still sets them is told rather than silently changed.
		problems = append(problems, EnvRetryDelays+" is no longer supported: the gateway makes one upstream attempt per request and its clients retry (remove it, or set none)")
	}
	if v := strings.TrimSpace(getenv(EnvStrict)); v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			cfg.Strict = true
		case "false", "0", "no":
		default:
			problems = append(problems, EnvStrict+" must be true or false")
		}
	}
	durations := []struct {
		name string
		dst  *time.Duration
		max  time.Duration
	}{{EnvAttemptTimeout, &cfg.AttemptTimeout, time.Minute}, {EnvDeadline, &cfg.Deadline, 2 * time.Minute}, {EnvBodyTimeout, &cfg.BodyTimeout, time.Minute}, {EnvDomainTTL, &cfg.DomainTTL, 24 * time.Hour}}
	for _, d := range durations {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 || x > d.max {
				problems = append(problems, d.name+" must be a duration like 10s, above 0 and at most "+d.max.String())
			}
			*d.dst = x
		}
	}
	if v, ok := lookup(getenv, EnvClientIPHeader); ok {
		if v == "-" {
			v = ""
		}
		cfg.ClientIPHeader = v
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("gateway configuration: %s", strings.Join(problems, "; "))
	}
	return cfg, nil
}

// lookup reads a variable, reporting whether it is set to something other than blanks.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// check reports every problem of a Config that New cannot serve with.
func (c Config) check() error {
	var problems []string
	if c.Transport == nil {
		problems = append(problems, "Transport is required")
	}
	if c.Upstream != "" {
		if _, err := core.NormalizeBase(c.Upstream); err != nil {
			problems = append(problems, EnvUpstream+": "+err.Error())
		}
	}
	if c.CSDS != "" {
		if _, err := core.NormalizeBase(c.CSDS); err != nil {
			problems = append(problems, EnvCSDS+": "+err.Error())
		}
	}
	for _, a := range c.Accounts {
		if a != "*" && !core.ValidAccountID(a) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an account id (^[a-zA-Z0-9_]{1,20}$)", EnvAccounts, a))
		}
	}
	for _, o := range c.Origins {
		if o != "*" && !(strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://")) {
			problems = append(problems, fmt.Sprintf("%s: %q is not an origin like https://app.example.com", EnvOrigins, o))
		}
	}
	if c.VisitorCap < 0 {
		problems = append(problems, EnvVisitorCap+" must be >= 0")
	}
	if len(problems) > 0 {
		return fmt.Errorf("gateway configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}
