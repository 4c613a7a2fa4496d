package nethttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
)

// BodyError says why ReadObject refused a request body; Message is fit for a 400 or 413
// answer (it names the rule, never the body's content).
type BodyError struct {
	TooLarge bool // the body is larger than the limit: answer 413
	TimedOut bool // the body did not arrive before the read deadline: answer 408
	Message  string
}

func (e *BodyError) Error() string { return e.Message }

// ReadObject reads a request body of at most limit bytes that must be exactly one JSON
// object, nested at most maxDepth levels of objects and arrays (core.MaxDepth for the
// gateway and the simulator), and decodes it into a generic value tree with numbers as
// json.Number, so large ids pass through exactly. It is the one request-body reader of the
// servers in this module (the gateway and the simulator). The depth is checked on the raw
// bytes before decoding, so a deeply nested body costs one pass and no allocation.
func ReadObject(body io.Reader, limit int64, maxDepth int) (any, *BodyError) {
	tooLarge := &BodyError{TooLarge: true, Message: "request body larger than " + strconv.FormatInt(limit, 10) + " bytes"}
	if body == nil {
		return nil, &BodyError{Message: "request body is required: a JSON object"}
	}
	raw, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, &BodyError{TimedOut: true, Message: "request body not received in time"}
		}
		return nil, &BodyError{Message: "request body could not be read"}
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, &BodyError{Message: "request body is required: a JSON object"}
	}
	if raw[0] != '{' {
		return nil, &BodyError{Message: "request body must be a JSON object"}
	}
	if d := JSONDepth(raw); d > maxDepth {
		return nil, &BodyError{Message: "request body is nested more than " + strconv.Itoa(maxDepth) + " levels deep"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return nil, &BodyError{Message: "request body is not valid JSON"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &BodyError{Message: "request body has data after the JSON object"}
	}
	return v, nil
}

// JSONDepth is the deepest nesting of objects and arrays in raw JSON text, strings skipped
// (a top-level object is depth 1). It does not check that raw is JSON; readers call it
// before decoding so that one pass, without allocation, refuses a too deeply nested input.
func JSONDepth(raw []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}
