package core

import (
	"strconv"
	"strings"
)

// Code is the stable, machine-readable class of an Error. The JS side exposes it as
// error.code, so its values never change once released.
type Code string

// The error codes a caller can receive.
const (
	CodeValidation   Code = "validation"    // the request broke a documented rule; nothing was sent
	CodeUnauthorized Code = "unauthorized"  // HTTP 401: vid/sid failed the server's validation
	CodeNotFound     Code = "not_found"     // HTTP 404
	CodeBadRequest   Code = "bad_request"   // HTTP 400 and other 4xx the server refused
	CodeRateLimited  Code = "rate_limited"  // HTTP 429 after all retries
	CodeServer       Code = "server"        // HTTP 5xx after all retries
	CodeNetwork      Code = "network"       // no HTTP response after all retries
	CodeDomainLookup Code = "domain_lookup" // the msdkgw host could not be resolved through CSDS
	CodeAborted      Code = "aborted"       // the caller cancelled the call
	CodeTimeout      Code = "timeout"       // the call's or an attempt's deadline passed
	CodeInternal     Code = "internal"      // a bug in appengage itself (used by adapters for panics)
)

// Problem is one broken rule of a request, named by its field path, e.g.
// "engagementAttributes[0].personal.contacts[1].phoneType".
type Problem struct {
	Field   string
	Message string
}

// String renders the problem as "field: message".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Error is the one error type the client returns. Status and InternalCode are set when the
// server answered; Problems lists every broken rule of a request that failed validation.
type Error struct {
	Code         Code
	Message      string
	Status       int       // HTTP status of the last response, 0 when there was none
	InternalCode int       // LivePerson internalCode from the error body, 0 when absent
	Time         int64     // server time (epoch ms) from the error body, 0 when absent
	Problems     []Problem // validation problems, all of them, in field order
	Err          error     // the underlying cause, if any
}

// Field is the path of the first validation problem, or "" for other errors.
func (e *Error) Field() string {
	if len(e.Problems) == 0 {
		return ""
	}
	return e.Problems[0].Field
}

// Error renders the code, the status and the message, and every validation problem.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("appengage: ")
	b.WriteString(string(e.Code))
	if e.Status != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
		if e.InternalCode != 0 {
			b.WriteString(", internalCode ")
			b.WriteString(strconv.Itoa(e.InternalCode))
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, p := range e.Problems {
		if i == 0 && e.Message == "" {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Err != nil && e.Message == "" && len(e.Problems) == 0 {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so errors.Is(err,
// &core.Error{Code: core.CodeUnauthorized}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode returns the Code of err if it is (or wraps) an *Error, else CodeInternal.
func ErrorCode(err error) Code {
	for err != nil {
		if e, ok := err.(*Error); ok {
			return e.Code
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return CodeInternal
}
