// Command appengage asks LivePerson's App Engagement API (msdkgw) whether a Click to Chat
// engagement is available, and reports SDEs and impressions for the session, from a shell.
//
//	appengage get    --account ID [--domain URL | --csds URL] [--request file.json] [--section S ...]
//	                 [--vid V --sid S] [--session-file F] [--timeout D] [--retries N | --retry-delays D,D]
//	appengage update --account ID [--domain URL | --csds URL] [--page P] [--sde file.json] [--imp file.json]
//	                 [--vid V --sid S | --session-file F] [--timeout D] [--retries N | --retry-delays D,D]
//
// get prints the response as indented JSON. Errors go to stderr as one line
// "appengage: <code>: ..." and the exit code names their class; docs/cli.md lists them.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// Exit codes, one per error class (docs/cli.md).
const (
	exitOK           = 0
	exitOther        = 1
	exitUsage        = 2
	exitValidation   = 3
	exitUnauthorized = 4
	exitNotFound     = 5
	exitBadRequest   = 6
	exitRateLimited  = 7
	exitServer       = 8
	exitNetwork      = 9
	exitDomainLookup = 10
	exitTimeout      = 11
	exitAborted      = 12
)

// exitCodes maps each core.Code to its exit code; anything else (internal) is exitOther.
var exitCodes = map[core.Code]int{
	core.CodeValidation:   exitValidation,
	core.CodeUnauthorized: exitUnauthorized,
	core.CodeNotFound:     exitNotFound,
	core.CodeBadRequest:   exitBadRequest,
	core.CodeRateLimited:  exitRateLimited,
	core.CodeServer:       exitServer,
	core.CodeNetwork:      exitNetwork,
	core.CodeDomainLookup: exitDomainLookup,
	core.CodeTimeout:      exitTimeout,
	core.CodeAborted:      exitAborted,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  appengage get    --account ID [options] [--request file.json] [--section S ...] [--vid V --sid S]
  appengage update --account ID [options] [--page P] [--sde file.json] [--imp file.json] [--vid V --sid S]
  appengage help

Run "appengage get -h" or "appengage update -h" for the options. Exit codes: 0 ok, 2 usage,
3 validation, 4 unauthorized, 5 not_found, 6 bad_request, 7 rate_limited, 8 server,
9 network, 10 domain_lookup, 11 timeout, 12 aborted, 1 other.
`

// The bounds of the CLI's numbers and inputs (docs/cli.md). LivePerson's policy is 3
// retries; 10 leaves room for a patient script without letting a typo allocate or wait for
// ever.
const (
	maxRetries        = 10
	maxRetryDelay     = 10 * time.Minute
	maxTimeout        = time.Hour
	maxAttemptTimeout = 10 * time.Minute
	// maxInputBytes bounds every file the CLI reads (--request, --sde, --imp, stdin); a
	// Create Session body with a few SDEs is about a kilobyte.
	maxInputBytes = 1 << 20
	// maxSessionFileBytes bounds the session file; one is about 150 bytes.
	maxSessionFileBytes = 64 << 10
)

// usageError is a command line the CLI cannot run.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the CLI's main logic; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "get":
		err = get(ctx, args[1:], stdin, stdout, stderr)
	case "update":
		err = update(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usageError{"unknown command " + strconv.Quote(args[0]) + " (want get or update)"}
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "appengage: usage: %s\n", oneLine(ue.msg))
		return exitUsage
	}
	code := core.ErrorCode(err)
	fmt.Fprintf(stderr, "appengage: %s: %s\n", code, oneLine(describe(err)))
	if n, ok := exitCodes[code]; ok {
		return n
	}
	return exitOther
}

// common holds the options get and update share.
type common struct {
	fs             *flag.FlagSet
	account        string
	domain, csds   string
	vid, sid       string
	sessionFile    string
	timeout        time.Duration
	attemptTimeout time.Duration
	retries        int
	retryDelays    string
	strict         bool
}

func newCommon(name string, stderr io.Writer) *common {
	c := &common{fs: flag.NewFlagSet("appengage "+name, flag.ContinueOnError)}
	fs := c.fs
	fs.SetOutput(stderr)
	fs.StringVar(&c.account, "account", "", "LivePerson account (site) id (required)")
	fs.StringVar(&c.domain, "domain", "", "msdkgw base URL or host (default: look it up through CSDS)")
	fs.StringVar(&c.csds, "csds", "", "Domain API (CSDS) base URL (default "+core.DefaultCSDSDomain+")")
	fs.StringVar(&c.vid, "vid", "", "visitor id to use")
	fs.StringVar(&c.sid, "sid", "", "session id to use")
	fs.StringVar(&c.sessionFile, "session-file", "", "JSON file keeping the visitor, session and page id between runs")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "deadline for the whole command, retries included (0: none)")
	fs.DurationVar(&c.attemptTimeout, "attempt-timeout", 0, "deadline for each HTTP attempt (default 30s)")
	fs.IntVar(&c.retries, "retries", -1, "retries after a 5xx, 429 or network failure, pausing 5s, 10s, 15s, 15s... (default 3, at most 10)")
	fs.StringVar(&c.retryDelays, "retry-delays", "", "comma-separated pauses, one per retry (at most 10, each at most 10m), e.g. 1s,2s")
	fs.BoolVar(&c.strict, "strict", false, "refuse every request field LivePerson does not document (default: pass unknown fields through)")
	return c
}

// parse parses args and checks the options get and update share.
func (c *common) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if c.fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", c.fs.Args())}
	}
	if c.account == "" {
		return usageError{"--account is required"}
	}
	if c.domain != "" && c.csds != "" {
		return usageError{"give --domain or --csds, not both"}
	}
	if c.timeout < 0 || c.timeout > maxTimeout {
		return usageError{"--timeout must be from 0 (none) to " + maxTimeout.String()}
	}
	if c.attemptTimeout < 0 || c.attemptTimeout > maxAttemptTimeout {
		return usageError{"--attempt-timeout must be from 0 (the default, 30s) to " + maxAttemptTimeout.String()}
	}
	if c.retries < -1 || c.retries > maxRetries {
		return usageError{"--retries must be from 0 to " + strconv.Itoa(maxRetries)}
	}
	return nil
}

// retryPolicy builds the policy from --retries / --retry-delays.
func (c *common) retryPolicy() (core.RetryPolicy, error) {
	p := core.DefaultRetryPolicy()
	switch {
	case c.retryDelays != "" && c.retries >= 0:
		return p, usageError{"give --retries or --retry-delays, not both"}
	case c.retryDelays != "":
		parts := strings.Split(c.retryDelays, ",")
		if len(parts) > maxRetries {
			return p, usageError{"--retry-delays: at most " + strconv.Itoa(maxRetries) + " pauses"}
		}
		p.Delays = []time.Duration{}
		for _, s := range parts {
			d, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil || d < 0 || d > maxRetryDelay {
				return p, usageError{"--retry-delays: each pause must be a duration like 500ms or 2s, at most " + maxRetryDelay.String()}
			}
			p.Delays = append(p.Delays, d)
		}
	case c.retries >= 0:
		base := p.Delays
		p.Delays = make([]time.Duration, c.retries)
		for i := range p.Delays {
			p.Delays[i] = base[min(i, len(base)-1)]
		}
	}
	return p, nil
}

// client builds the core.Client over net/http with store.
func (c *common) client(store core.SessionStore) (*core.Client, error) {
	retry, err := c.retryPolicy()
	if err != nil {
		return nil, err
	}
	return core.NewClient(core.Config{
		AccountID:      c.account,
		Domain:         c.domain,
		CSDSDomain:     c.csds,
		Transport:      nethttp.New(nethttp.WithUserAgent("appengage-cli/1")),
		Store:          store,
		Retry:          retry,
		AttemptTimeout: c.attemptTimeout,
		Strict:         c.strict,
	})
}

// store returns the session store: the session file, or memory.
func (c *common) store() core.SessionStore {
	if c.sessionFile != "" {
		return fileStore{c.sessionFile}
	}
	return core.NewMemoryStore()
}

// context bounds ctx by --timeout.
func (c *common) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return context.WithCancel(ctx)
}

// stringList collects repeated flags.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// get runs "appengage get".
func get(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newCommon("get", stderr)
	requestFile := c.fs.String("request", "", "JSON file (or - for stdin) holding the getEngagement request object, e.g. testdata/seed-request.json")
	var sections stringList
	c.fs.Var(&sections, "section", "consumer section to add to consumerSections (repeatable)")
	if err := c.parse(args); err != nil {
		return err
	}
	tree := map[string]any{}
	if *requestFile != "" {
		v, err := readJSON(*requestFile, stdin, "request")
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return &core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: "request", Message: "must be a JSON object"}}}
		}
		tree = m
	}
	if len(sections) > 0 {
		existing, _ := tree["consumerSections"].([]any)
		for _, s := range sections {
			existing = append(existing, s)
		}
		tree["consumerSections"] = existing
	}
	if c.vid != "" {
		tree["vid"] = c.vid
	}
	if c.sid != "" {
		tree["sid"] = c.sid
	}
	prepared, err := core.Validation{Strict: c.strict}.Prepare(tree) // validated once, before any I/O
	if err != nil {
		return err
	}
	client, err := c.client(c.store())
	if err != nil {
		return err
	}
	ctx, cancel := c.context(ctx)
	defer cancel()
	resp, err := client.GetEngagementPrepared(ctx, prepared)
	if err != nil && resp.Status == "" {
		return err
	}
	out, merr := json.MarshalIndent(resp.Tree(), "", "  ")
	if merr != nil {
		return &core.Error{Code: core.CodeInternal, Message: "printing the response", Err: merr}
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return err // a response whose session could not be saved is printed and still an error
}

// update runs "appengage update".
func update(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newCommon("update", stderr)
	page := c.fs.String("page", "", "pageId of the get this update belongs to (default: the last one in --session-file)")
	sdeFile := c.fs.String("sde", "", "JSON file (or -) holding engagement attributes: one SDE object or an array")
	impFile := c.fs.String("imp", "", "JSON file (or -) holding impression events: one object or an array")
	if err := c.parse(args); err != nil {
		return err
	}
	if *sdeFile == "" && *impFile == "" {
		return usageError{"update needs --sde or --imp (or both)"}
	}
	if *sdeFile == "-" && *impFile == "-" {
		return usageError{"only one of --sde and --imp can read stdin"}
	}
	if (c.vid == "") != (c.sid == "") {
		return usageError{"give both --vid and --sid, or neither (then --session-file supplies them)"}
	}
	tree := map[string]any{}
	if *page != "" {
		tree["pageId"] = *page
	}
	for _, f := range []struct{ file, field string }{{*sdeFile, "engagementAttributes"}, {*impFile, "impAttributes"}} {
		if f.file == "" {
			continue
		}
		v, err := readJSON(f.file, stdin, f.field)
		if err != nil {
			return err
		}
		if _, isList := v.([]any); !isList {
			v = []any{v}
		}
		tree[f.field] = v
	}
	// A missing pageId is filled by the client with the last one of the session.
	u, err := core.Validation{Strict: c.strict}.ParseUpdateRequest(tree)
	if err != nil {
		return err
	}
	store := c.store()
	if c.vid != "" {
		store = core.NewMemoryStore()
		if err := store.Save(ctx, core.Session{VisitorID: c.vid, SessionID: c.sid, PageID: *page}); err != nil {
			return err
		}
	}
	client, err := c.client(store)
	if err != nil {
		return err
	}
	ctx, cancel := c.context(ctx)
	defer cancel()
	return client.UpdateSession(ctx, u)
}

// readJSON reads one JSON value from a file, or stdin for "-", keeping numbers exact. It
// reads at most maxInputBytes (so /dev/zero or a huge file ends at once) and refuses nesting
// deeper than core.MaxDepth. A file that is not JSON is a validation error on field.
func readJSON(path string, stdin io.Reader, field string) (any, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, &core.Error{Code: core.CodeInternal, Message: "reading --" + flagOf(field) + " " + path, Err: err}
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, &core.Error{Code: core.CodeInternal, Message: "reading --" + flagOf(field) + " " + path, Err: err}
	}
	if len(raw) > maxInputBytes {
		return nil, &core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: field, Message: path + " is larger than " + strconv.Itoa(maxInputBytes) + " bytes"}}}
	}
	if d := nethttp.JSONDepth(raw); d > core.MaxDepth {
		return nil, &core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: field, Message: path + " is nested more than " + strconv.Itoa(core.MaxDepth) + " levels deep"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: field, Message: path + " is not valid JSON: " + err.Error()}}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: field, Message: path + " holds more than one JSON value"}}}
	}
	return v, nil
}

func flagOf(field string) string {
	switch field {
	case "engagementAttributes":
		return "sde"
	case "impAttributes":
		return "imp"
	}
	return field
}

// describe renders err for the one-line report after "appengage: <code>: ": the message
// and problems first, then the HTTP status and internalCode in brackets.
func describe(err error) string {
	var e *core.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	var parts []string
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	for _, p := range e.Problems {
		parts = append(parts, p.String())
	}
	if len(parts) == 0 && e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	text := strings.Join(parts, "; ")
	if e.Message != "" && e.Err != nil && len(e.Problems) == 0 && !strings.Contains(e.Message, e.Err.Error()) {
		text += ": " + e.Err.Error()
	}
	if e.Status != 0 {
		text += " [HTTP " + strconv.Itoa(e.Status)
		if e.InternalCode != 0 {
			text += ", internalCode " + strconv.Itoa(e.InternalCode)
		}
		text += "]"
	}
	return text
}

// oneLine joins the lines of s so each error is one stderr line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
