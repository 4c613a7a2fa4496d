// Package faults is a misbehaving App Engagement server for the fault suite that both
// clients, the native one (core + nethttp) and the JS ChatApi, are held to: the same table
// of faults and expected outcomes (testdata/faults.json) runs against both (faults_test.go
// here, tests/node/faults.test.mjs there). cmd/faultsrv serves it for the Node test.
//
// The account id of a request picks the fault: a request to
// /api/account/{fault}/app/engagement/visitors[/{vid}] gets the fault named {fault} (see
// Faults); faults named csds_* are served on the CSDS paths (/api/account/{fault}/service/...)
// instead, for clients that look the msdkgw host up. The server counts, per account, the
// attempts it saw and how many of them were Create Sessions without a visitor id, and a second listener, the redirect target,
// counts every request that reaches it: a client that follows a redirect shows up there.
// GET /_faults/stats?account=ID returns {"attempts", "fresh", "redirectTargetHits"}.
//
// It listens on 127.0.0.1 only and never logs ids.
package faults

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appengage/appengage/wire"
)

// HugeBytes is the size of the oversized answers: twice the 1 MiB cap of both clients.
const HugeBytes = 2 << 20

// endlessLimit bounds an "endless" body, so a client that never stops reading still ends.
const endlessLimit = 64 << 20

// fault answers one attempt; n is the attempt's number for its account (1 for the first),
// vid the visitor id in its path ("" for a new Create Session).
type fault func(s *Server, w http.ResponseWriter, r *http.Request, n int, vid string)

// Faults maps each fault (the account id that selects it) to what it does, for the docs and
// for the table test that checks every row names one.
var Faults = map[string]string{
	"ok":                   "answers 200 with a session (the control row)",
	"reset":                "resets the TCP connection (RST) without an answer",
	"reset_stored":         "answers the first call, then resets every connection",
	"hang_headers":         "never sends the status line",
	"hang_body":            "sends 200 and the first byte of the body, then nothing",
	"huge_endless":         "200 with a chunked body that never ends (stops at 64 MiB)",
	"huge_declared":        "200 with Content-Length 2 MiB and a body that long",
	"huge_error":           "503 with a chunked 2 MiB body",
	"redirect_301":         "301 to the redirect target",
	"redirect_302":         "302 to the redirect target",
	"redirect_303":         "303 to the redirect target",
	"redirect_307":         "307 to the redirect target",
	"redirect_308":         "308 to the redirect target",
	"retry_after_negative": "503 with Retry-After: -5",
	"retry_after_huge":     "503 with Retry-After: 99999999999999999999",
	"retry_after_past":     "503 with Retry-After: an HTTP date in 1994",
	"retry_after_garbage":  "503 with Retry-After: soon",
	"unauth_stored":        "401 for any visitor id, 200 with new ids without one",
	"unauth_always":        "answers the first call, then 401 for everything",
	"huge_gzip":            "200 with a gzip body of 4 KiB that inflates to 4 MiB",
	"truncated":            "200 declaring 100 bytes, sending 10, then closing",
	"reset_body":           "200 and half a body, then a TCP reset",
	"status_600":           "answers with the out-of-range status 600",
	"html_answer":          "200 with an HTML page instead of JSON",
	"rate_after_past":      "429 with Retry-After: an HTTP date in 1994",
	"bom_answer":           "200 with a session whose JSON starts with a UTF-8 byte order mark",
	"deep_limit":           "200 with a session nested 64 levels deep (core.MaxDepth) by an extra member",
	"deep_answer":          "200 with a session nested 65 levels deep by an extra member",
	"formfeed_answer":      "200 with a session preceded by a form feed (not JSON whitespace)",
	"bignum_answer":        "200 with a session and an extra member 1e400 (beyond float64)",
	"gzip_padded":          "200 with a session padded to just under 1 MiB, gzip-stored so its encoded length passes 1 MiB",
	"deflate_answer":       "200 with a session in Content-Encoding: deflate, which no client asked for",
	"br_answer":            "200 with a session in Content-Encoding: br, which no client asked for",
	"csds_redirect_302":    "CSDS (the domain lookup) answers 302 to the redirect target",
	"csds_redirect_307":    "CSDS answers 307 to the redirect target",
	"csds_huge":            "CSDS answers 200 with an endless body",
	"csds_reset":           "CSDS resets the connection",
}

var handlers = map[string]fault{
	"ok":                   answerOK,
	"reset":                reset,
	"reset_stored":         firstOK(reset),
	"hang_headers":         hangHeaders,
	"hang_body":            hangBody,
	"huge_endless":         hugeEndless,
	"huge_declared":        hugeDeclared,
	"huge_error":           hugeError,
	"redirect_301":         redirect(301),
	"redirect_302":         redirect(302),
	"redirect_303":         redirect(303),
	"redirect_307":         redirect(307),
	"redirect_308":         redirect(308),
	"retry_after_negative": unavailable("-5"),
	"retry_after_huge":     unavailable("99999999999999999999"),
	"retry_after_past":     unavailable("Sun, 06 Nov 1994 08:49:37 GMT"),
	"retry_after_garbage":  unavailable("soon"),
	"unauth_stored":        unauthStored,
	"unauth_always":        firstOK(unauthorized),
	"huge_gzip":            hugeGzip,
	"truncated":            truncated,
	"reset_body":           resetBody,
	"status_600":           status600,
	"html_answer":          htmlOK,
	"rate_after_past":      rateLimited("Sun, 06 Nov 1994 08:49:37 GMT"),
	"bom_answer":           okWith("\ufeff", ""),
	"deep_limit":           okWith("", `,"x":`+strings.Repeat("[", 63)+strings.Repeat("]", 63)),
	"deep_answer":          okWith("", `,"x":`+strings.Repeat("[", 64)+strings.Repeat("]", 64)),
	"formfeed_answer":      okWith("\f", ""),
	"bignum_answer":        okWith("", `,"x":1e400`),
	"gzip_padded":          gzipPadded,
	"deflate_answer":       deflateAnswer,
	"br_answer":            brAnswer,
	"csds_redirect_302":    redirect(302),
	"csds_redirect_307":    redirect(307),
	"csds_huge":            hugeEndless,
	"csds_reset":           reset,
}

// Stats is what the server saw for one account.
type Stats struct {
	Attempts           int `json:"attempts"`           // requests to the account's session path
	Fresh              int `json:"fresh"`              // of those, requests without a visitor id
	RedirectTargetHits int `json:"redirectTargetHits"` // requests the redirect target received, all accounts
}

// Server is the fault server and its redirect target.
type Server struct {
	main, target       *http.Server
	mainL, targetL     net.Listener
	targetURL          string
	ctx                context.Context // ends at Close: releases hanging handlers
	stop               context.CancelFunc
	mu                 sync.Mutex
	attempts, fresh    map[string]int
	redirectTargetHits int
}

// Start listens on two free ports of 127.0.0.1 (the fault server and the redirect target)
// and serves until Close.
func Start() (*Server, error) {
	mainL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	targetL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		mainL.Close()
		return nil, err
	}
	s := &Server{mainL: mainL, targetL: targetL, attempts: map[string]int{}, fresh: map[string]int{},
		targetURL: "http://" + targetL.Addr().String()}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.main = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	s.target = &http.Server{Handler: http.HandlerFunc(s.serveTarget), ReadHeaderTimeout: 10 * time.Second}
	go s.main.Serve(mainL)     //nolint:errcheck // ends with ErrServerClosed at Close
	go s.target.Serve(targetL) //nolint:errcheck
	return s, nil
}

// URL is the fault server's base, http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.mainL.Addr().String() }

// Stats returns what the server saw for account so far.
func (s *Server) Stats(account string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Attempts: s.attempts[account], Fresh: s.fresh[account], RedirectTargetHits: s.redirectTargetHits}
}

// Close releases every hanging handler and stops both listeners.
func (s *Server) Close() error {
	s.stop()
	err := s.main.Close()
	if terr := s.target.Close(); err == nil {
		err = terr
	}
	return err
}

func (s *Server) serveTarget(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.redirectTargetHits++
	s.mu.Unlock()
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	// What a hostile target would answer: a session of its own, to be stored if followed.
	writeJSON(w, 200, session("target", 1))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_faults/stats" {
		writeJSON(w, 200, s.Stats(r.URL.Query().Get("account")))
		return
	}
	if r.URL.Path == "/_faults/list" {
		names := make([]string, 0, len(Faults))
		for n := range Faults {
			names = append(names, n)
		}
		sort.Strings(names)
		writeJSON(w, 200, names)
		return
	}
	route, ok := wire.ParsePath(r.URL.EscapedPath())
	h := handlers[route.Account]
	if !ok || h == nil || (route.Kind != wire.KindSession) != strings.HasPrefix(route.Account, "csds_") {
		writeJSON(w, 404, wire.ErrorBody{Message: "no such fault"})
		return
	}
	s.mu.Lock()
	s.attempts[route.Account]++
	n := s.attempts[route.Account]
	if route.Kind == wire.KindSession && route.VisitorID == "" {
		s.fresh[route.Account]++
	}
	s.mu.Unlock()
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	h(s, w, r, n, route.VisitorID)
}

// session is a NotAvailable answer with ids derived from the account and the attempt.
func session(account string, n int) map[string]any {
	id := account + strconv.Itoa(n)
	return map[string]any{"status": "NotAvailable", "visitorId": "v" + id, "sessionId": "s" + id, "pageId": "p" + id}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func answerOK(_ *Server, w http.ResponseWriter, r *http.Request, n int, vid string) {
	route, _ := wire.ParsePath(r.URL.EscapedPath())
	body := session(route.Account, n)
	if vid != "" {
		body["visitorId"] = vid // a known visitor keeps its id
	}
	writeJSON(w, 200, body)
}

// firstOK answers the account's first attempt (the call that stores a session) and hands
// every later one to f.
func firstOK(f fault) fault {
	return func(s *Server, w http.ResponseWriter, r *http.Request, n int, vid string) {
		if n == 1 {
			answerOK(s, w, r, n, vid)
			return
		}
		f(s, w, r, n, vid)
	}
}

func reset(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST instead of FIN
	}
	_ = conn.Close()
}

// hangHeaders holds the request until the client gives up (or the server closes).
func hangHeaders(s *Server, _ http.ResponseWriter, r *http.Request, _ int, _ string) {
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
}

func hangBody(s *Server, w http.ResponseWriter, r *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, "{")
	w.(http.Flusher).Flush()
	hangHeaders(s, w, r, 0, "")
}

// stream writes up to total bytes of spaces in 64 KiB chunks until the client stops reading.
func stream(w http.ResponseWriter, total int) {
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

func hugeEndless(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.(http.Flusher).Flush() // chunked: no Content-Length
	stream(w, endlessLimit)
}

func hugeDeclared(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(HugeBytes))
	w.WriteHeader(200)
	stream(w, HugeBytes)
}

func hugeError(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(503)
	w.(http.Flusher).Flush()
	stream(w, HugeBytes)
}

func redirect(status int) fault {
	return func(s *Server, w http.ResponseWriter, r *http.Request, _ int, _ string) {
		w.Header().Set("Location", s.targetURL+r.URL.RequestURI())
		w.WriteHeader(status)
	}
}

func unavailable(retryAfter string) fault {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, 503, wire.ErrorBody{Time: 1, Message: "Service Unavailable", InternalCode: wire.CodeInternal})
	}
}

func unauthorized(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	writeJSON(w, 401, wire.ErrorBody{Time: 1, Message: "unknown visitor", InternalCode: wire.CodeBadVisitor})
}

func unauthStored(s *Server, w http.ResponseWriter, r *http.Request, n int, vid string) {
	if vid != "" {
		unauthorized(s, w, r, n, vid)
		return
	}
	answerOK(s, w, r, n, vid)
}

// gzipBomb is 4 MiB of spaces, gzip-compressed once (about 4 KiB).
var gzipBomb = func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 4<<20))
	_ = zw.Close()
	return b.Bytes()
}()

func hugeGzip(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(gzipBomb)))
	w.WriteHeader(200)
	_, _ = w.Write(gzipBomb)
}

// rawAnswer writes head (status line and headers) and body straight to the connection,
// then closes it with an RST when rst is set, else normally.
func rawAnswer(w http.ResponseWriter, head, body string, rst bool) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	_, _ = buf.WriteString(head + body)
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func truncated(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	rawAnswer(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", `{"status":`, false)
}

func resetBody(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	rawAnswer(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", `{"status":`, true)
}

func status600(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	rawAnswer(w, "HTTP/1.1 600 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", `{}`, false)
}

func htmlOK(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, "<html><body>Welcome to the captive portal</body></html>")
}

func rateLimited(retryAfter string) fault {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, 429, wire.ErrorBody{Time: 1, Message: "Too Many Requests"})
	}
}

// okWith answers 200 with a session written as text: before, the session's members, extra
// (a member list starting with a comma), then "}".
func okWith(before, extra string) fault {
	return func(_ *Server, w http.ResponseWriter, r *http.Request, n int, vid string) {
		route, _ := wire.ParsePath(r.URL.EscapedPath())
		raw, _ := json.Marshal(session(route.Account, n))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, before+string(raw[:len(raw)-1])+extra+"}")
	}
}

// encoded answers 200 with body under Content-Encoding encoding, its encoded length declared.
func encoded(w http.ResponseWriter, encoding string, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Encoding", encoding)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(200)
	_, _ = w.Write(body)
}

func gzipPadded(_ *Server, w http.ResponseWriter, r *http.Request, n int, _ string) {
	route, _ := wire.ParsePath(r.URL.EscapedPath())
	raw, _ := json.Marshal(session(route.Account, n))
	pad := (1 << 20) - len(raw) - 64
	body := string(raw[:len(raw)-1]) + `,"x":"` + strings.Repeat("a", pad) + `"}`
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.NoCompression)
	_, _ = io.WriteString(zw, body)
	_ = zw.Close()
	encoded(w, "gzip", b.Bytes())
}

func deflateAnswer(_ *Server, w http.ResponseWriter, r *http.Request, n int, _ string) {
	route, _ := wire.ParsePath(r.URL.EscapedPath())
	raw, _ := json.Marshal(session(route.Account, n))
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	encoded(w, "deflate", b.Bytes())
}

// brSession is {"status":"NotAvailable","visitorId":"vbr_answer1","sessionId":"sbr_answer1",
// "pageId":"pbr_answer1"} compressed with brotli (Node's zlib.brotliCompressSync; the
// standard library has no brotli encoder).
const brSession = "1b6300188cd4624d99ee44903bf2037bc197076d6b79ad5a52b2e8f4b9c1b9966a591c6f032fc3069c0e322c380782d3fdec48cd3b43838bf839e4f5ddf80680938f2a0b5706"

func brAnswer(_ *Server, w http.ResponseWriter, _ *http.Request, _ int, _ string) {
	b, _ := hex.DecodeString(brSession)
	encoded(w, "br", b)
}
