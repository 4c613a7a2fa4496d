package core

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/appengage/appengage/wire"
)

// RetryPolicy says when and how long the client waits before repeating a failed call
// (spec §8). The zero value means the documented defaults; DefaultRetryPolicy spells them out.
//
// What is retried: HTTP 5xx (including the "Loading account" 500, internalCode 20), HTTP 429,
// attempts with no HTTP response (network errors) and attempts that hit AttemptTimeout.
// Never retried: every other 4xx, 3xx (redirects are never followed), a body over
// MaxResponseBody, and a parent context that is cancelled or past its
// deadline, which ends the call at once.
type RetryPolicy struct {
	// Delays holds one pause per retry, so len(Delays) is the number of retries after the
	// first attempt. nil means LivePerson's schedule 5s, 10s, 15s (4 attempts in all); an
	// empty non-nil slice means no retries.
	Delays []time.Duration

	// MinRateLimitWait and MaxRateLimitWait clamp the pause after an HTTP 429: the
	// Retry-After header (delta-seconds or an IMF-fixdate HTTP date) when it parses, else the
	// scheduled delay of that retry. A 429 consumes a retry slot like a 5xx does. The same
	// maximum caps a Retry-After sent with a 5xx, which may lengthen (never shorten) the
	// scheduled pause. Zero means 1s and 60s.
	MinRateLimitWait, MaxRateLimitWait time.Duration

	// Sleep pauses for d or until ctx is done, returning ctx.Err() in the latter case. nil
	// means a timer. Tests inject a recording sleeper that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// The documented defaults of RetryPolicy.
const (
	DefaultMinRateLimitWait = time.Second
	DefaultMaxRateLimitWait = 60 * time.Second
)

// DefaultRetryPolicy returns LivePerson's documented policy: 3 retries pausing 5s, 10s and
// 15s, and 429 pauses clamped to [1s, 60s], with a real timer as the sleeper.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		Delays:           []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second},
		MinRateLimitWait: DefaultMinRateLimitWait,
		MaxRateLimitWait: DefaultMaxRateLimitWait,
		Sleep:            SleepContext,
	}
}

// SleepContext pauses for d, or until ctx is done, in which case it returns ctx.Err().
// It is the default RetryPolicy.Sleep.
func SleepContext(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withDefaults fills the zero fields with the documented defaults.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.Delays == nil {
		p.Delays = d.Delays
	}
	if p.MinRateLimitWait == 0 {
		p.MinRateLimitWait = d.MinRateLimitWait
	}
	if p.MaxRateLimitWait == 0 {
		p.MaxRateLimitWait = d.MaxRateLimitWait
	}
	if p.Sleep == nil {
		p.Sleep = d.Sleep
	}
	return p
}

// problems reports the settings that cannot work, under the config field "retry".
func (p RetryPolicy) problems() []Problem {
	var out []Problem
	for i, d := range p.Delays {
		if d < 0 {
			out = append(out, Problem{Field: "retry.delays[" + strconv.Itoa(i) + "]", Message: "must not be negative"})
		}
	}
	if p.MinRateLimitWait < 0 {
		out = append(out, Problem{Field: "retry.minRateLimitWait", Message: "must not be negative"})
	}
	if p.MaxRateLimitWait < 0 {
		out = append(out, Problem{Field: "retry.maxRateLimitWait", Message: "must not be negative"})
	}
	q := p.withDefaults()
	if q.MinRateLimitWait > q.MaxRateLimitWait && p.MinRateLimitWait >= 0 && p.MaxRateLimitWait >= 0 {
		out = append(out, Problem{Field: "retry.minRateLimitWait", Message: "must not exceed retry.maxRateLimitWait"})
	}
	return out
}

// clamp bounds a rate-limit pause to [MinRateLimitWait, MaxRateLimitWait].
func (p RetryPolicy) clamp(d time.Duration) time.Duration {
	if d < p.MinRateLimitWait {
		return p.MinRateLimitWait
	}
	if d > p.MaxRateLimitWait {
		return p.MaxRateLimitWait
	}
	return d
}

// pause is how long to wait before retry number slot (0-based) after resp, a retryable
// answer; resp is nil after a failure without an HTTP response.
func (p RetryPolicy) pause(slot int, resp *WireResponse, now time.Time) time.Duration {
	scheduled := p.Delays[slot]
	if resp == nil {
		return scheduled
	}
	after, ok := ParseRetryAfter(resp.RetryAfter, now)
	if resp.Status == 429 {
		if !ok {
			after = scheduled
		}
		return p.clamp(after)
	}
	if ok {
		if after > p.MaxRateLimitWait {
			after = p.MaxRateLimitWait
		}
		if after > scheduled {
			return after
		}
	}
	return scheduled
}

// maxRetryAfterSeconds bounds delta-seconds before the multiplication can overflow.
const maxRetryAfterSeconds = 1 << 31

// ParseRetryAfter reads a Retry-After header value: delta-seconds ("120") or an IMF-fixdate
// HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"), the latter measured from now and 0 when it
// is in the past. It reports false for an empty or malformed value, including the obsolete
// RFC 850 and asctime date forms. The date is parsed by hand, not with time.Parse, to keep
// the WebAssembly module small.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, ok := parseDigits(v); ok {
		if n > maxRetryAfterSeconds {
			n = maxRetryAfterSeconds
		}
		return time.Duration(n) * time.Second, true
	}
	t, ok := parseIMFFixdate(v)
	if !ok {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// parseDigits parses a non-empty run of ASCII digits, saturating instead of overflowing.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int64(c-'0')
		}
	}
	return n, true
}

var (
	imfDays   = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	imfMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// parseIMFFixdate parses exactly "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
func parseIMFFixdate(s string) (time.Time, bool) {
	// 0123456789012345678901234567 8
	// Sun, 06 Nov 1994 08:49:37 GMT
	if len(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return time.Time{}, false
	}
	dayOK := false
	for _, d := range imfDays {
		if s[:3] == d {
			dayOK = true
			break
		}
	}
	month := 0
	for i, m := range imfMonths {
		if s[8:11] == m {
			month = i + 1
			break
		}
	}
	day, ok1 := parseDigits(s[5:7])
	year, ok2 := parseDigits(s[12:16])
	hour, ok3 := parseDigits(s[17:19])
	minute, ok4 := parseDigits(s[20:22])
	sec, ok5 := parseDigits(s[23:25])
	if !dayOK || month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(int(year), time.Month(month), int(day), int(hour), int(minute), int(sec), 0, time.UTC)
	if t.Day() != int(day) && sec != 60 { // e.g. 31 Feb rolls over into March
		return time.Time{}, false
	}
	return t, true
}

// loadingAccountVID returns the visitor id LivePerson puts in the message of a "Loading
// account" error ("Loading account: 123, vid: abc"), following the regular expression
// vid:\s*([^,\s}"]+) without the regexp package. It reports false when there is none.
func loadingAccountVID(msg string) (string, bool) {
	for i := 0; ; {
		j := strings.Index(msg[i:], "vid:")
		if j < 0 {
			return "", false
		}
		k := i + j + len("vid:")
		for k < len(msg) && isRegexpSpace(msg[k]) {
			k++
		}
		end := k
		for end < len(msg) && !isRegexpSpace(msg[end]) && msg[end] != ',' && msg[end] != '}' && msg[end] != '"' {
			end++
		}
		if end > k {
			return msg[k:end], true
		}
		i += j + 1
	}
}

// isRegexpSpace is RE2's \s: tab, newline, form feed, carriage return and space.
func isRegexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isLoadingAccount reports whether an error answer is the "Loading account" 500.
func isLoadingAccount(status int, body ErrorBody) bool {
	return wire.IsLoadingAccount(status, body.InternalCode, body.Message)
}

// attemptTimeoutError is the one error for an attempt that ran out of its Timeout, however
// the transport noticed (its context, or the host's own timer): it matches
// context.DeadlineExceeded and reports Timeout() true.
type attemptTimeoutError struct {
	after time.Duration
	cause error
}

func (e *attemptTimeoutError) Error() string {
	return "attempt timed out after " + e.after.String() + ": " + e.cause.Error()
}
func (e *attemptTimeoutError) Unwrap() error   { return e.cause }
func (e *attemptTimeoutError) Timeout() bool   { return true }
func (e *attemptTimeoutError) Is(t error) bool { return t == context.DeadlineExceeded }

// errOr is err, or an error saying msg when err is nil.
func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// contextError maps the caller's cancellation (CodeAborted) or deadline (CodeTimeout).
func contextError(err error) *Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Message: "the call's deadline passed", Err: err}
	}
	return &Error{Code: CodeAborted, Message: "the call was cancelled", Err: err}
}

// transportError maps a failure without a usable HTTP response and says whether it is worth
// retrying: a body over the limit is CodeServer with its status (not retried: the server
// would send it again), an attempt that hit its deadline CodeTimeout, anything else
// CodeNetwork.
func transportError(err error) (e *Error, retryable bool) {
	var big *BodyTooLargeError
	if errors.As(err, &big) {
		return &Error{Code: CodeServer, Status: big.Status, Message: big.Error(), Err: err}, false
	}
	var t interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout()) {
		return &Error{Code: CodeTimeout, Message: "no response before the attempt deadline: " + err.Error(), Err: err}, true
	}
	return &Error{Code: CodeNetwork, Message: "no response: " + err.Error(), Err: err}, true
}

// CodeForStatus maps an HTTP status to the Code of the Error reporting it: 401
// unauthorized, 404 not found, 429 rate limited, other 4xx bad request, 5xx server;
// anything else that is not 2xx (1xx, 3xx, or 0 for a redirect whose status the host hid)
// is an answer the client cannot use, reported as server.
func CodeForStatus(status int) Code {
	switch {
	case status == 401:
		return CodeUnauthorized
	case status == 404:
		return CodeNotFound
	case status == 429:
		return CodeRateLimited
	case status >= 400 && status < 500:
		return CodeBadRequest
	default:
		return CodeServer
	}
}

// isRedirect reports whether status is a redirect: a 3xx, or 0, which a transport reports
// for a redirect whose status the host hides.
func isRedirect(status int) bool {
	return status == 0 || (status >= 300 && status < 400)
}

// maxErrorText bounds how much of a non-JSON error body ends up in Error.Message.
const maxErrorText = 200

// statusError builds the Error for a non-2xx answer whose error body (zero when it has
// none) is b.
func statusError(resp WireResponse, b ErrorBody) *Error {
	e := &Error{Code: CodeForStatus(resp.Status), Status: resp.Status,
		Message: b.Message, InternalCode: b.InternalCode, Time: b.Time}
	if isRedirect(resp.Status) {
		// Never followed: a redirect would carry the caller's data to a host nobody chose.
		e.Message = "the server answered with a redirect, which appengage does not follow"
		return e
	}
	if s, ok := resp.Body.(string); ok && e.Message == "" {
		s = strings.TrimSpace(s)
		if len(s) > maxErrorText {
			cut := maxErrorText
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			s = s[:cut] + "…"
		}
		e.Message = s
	}
	return e
}
