//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cache"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/gateway"
)

// limiterBinding is the Durable Object namespace binding of the visitor counter
// (wrangler.jsonc durable_objects; class VisitorCap in visitorcap.mjs).
const limiterBinding = "VISITOR_CAP"

// withContext runs call and returns its result, or ctx's error as soon as ctx ends.
func withContext[T any](ctx context.Context, call func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// cacheDomains keeps CSDS answers in the Workers Cache API, so other isolates of the same
// location find them too. It is the shared store behind the core resolver's memory cache
// (core.DomainStore), not a second resolver: the lookups themselves, their single flight and
// the in-memory copy are core's.
type cacheDomains struct {
	cache *cache.Cache
}

func newCacheDomains() cacheDomains {
	return cacheDomains{cache: cache.New()}
}

// cacheKey is the synthetic URL a CSDS answer is cached under; it is never fetched.
func cacheKey(account string) string {
	return "https://appengage-gateway.invalid/csds/msdkgw/" + url.PathEscape(account)
}

// Get implements core.DomainStore.
func (c cacheDomains) Get(ctx context.Context, account string) (string, time.Duration, bool) {
	req, err := http.NewRequest(http.MethodGet, cacheKey(account), nil)
	if err != nil {
		return "", 0, false
	}
	resp, err := withContext(ctx, func() (*http.Response, error) { return c.cache.Match(req, nil) })
	if err != nil {
		return "", 0, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return "", 0, false
	}
	base, err := core.NormalizeBase(strings.TrimSpace(string(body)))
	if err != nil {
		return "", 0, false
	}
	left := remainingTTL(resp.Header.Get("Cache-Control"))
	return base, left, left > 0
}

// Put implements core.DomainStore.
func (c cacheDomains) Put(ctx context.Context, account, base string, ttl time.Duration) {
	req, err := http.NewRequest(http.MethodGet, cacheKey(account), nil)
	if err != nil {
		return
	}
	secs := int(ttl / time.Second)
	if secs < 1 {
		return
	}
	resp := &http.Response{
		StatusCode: http.StatusOK,
		Header: http.Header{
			"Content-Type":  {"text/plain"},
			"Cache-Control": {"max-age=" + strconv.Itoa(secs)},
		},
		Body: io.NopCloser(strings.NewReader(base)),
	}
	if _, err := withContext(ctx, func() (struct{}, error) { return struct{}{}, c.cache.Put(req, resp) }); err != nil {
		fmt.Println("appengage gateway: caching the CSDS answer failed")
	}
}

// remainingTTL reads max-age from a cached answer's Cache-Control (the Cache API counts it
// down as the entry ages only through Age, so this is an upper bound; 1 minute at most
// keeps the in-memory copy from outliving the shared one by much).
func remainingTTL(cc string) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return min(time.Duration(n)*time.Second, time.Minute)
			}
		}
	}
	return 0
}

// durableLimiter is the visitor counter on Workers: one VisitorCap Durable Object per client
// key, so the cap holds across isolates and locations.
type durableLimiter struct{ binding string }

// Reserve implements gateway.VisitorLimiter.
func (d durableLimiter) Reserve(ctx context.Context, client string, limit int, vid string) (gateway.Admission, error) {
	var a capAnswer
	if err := d.call(ctx, client, "reserve?limit="+strconv.Itoa(limit), http.Header{vidHeader: {vid}}, &a); err != nil {
		return gateway.Admission{}, err
	}
	return gateway.Admission{Allowed: a.Allowed, Known: a.Known, RetryAfter: time.Duration(a.RetryAfterMs) * time.Millisecond, Window: time.UnixMilli(a.WindowMs)}, nil
}

// Settle implements gateway.VisitorLimiter.
func (d durableLimiter) Settle(ctx context.Context, client string, window time.Time, giveBack bool, confirmed string) error {
	var a struct {
		Released bool `json:"released"`
	}
	op := "settle?window=" + strconv.FormatInt(window.UnixMilli(), 10)
	if giveBack {
		op += "&giveBack=1"
	}
	return d.call(ctx, client, op, http.Header{vidHeader: {confirmed}}, &a)
}

// capAnswer is VisitorCap's answer to reserve.
type capAnswer struct {
	Allowed      bool  `json:"allowed"`
	Known        bool  `json:"known"`
	RetryAfterMs int64 `json:"retryAfterMs"`
	WindowMs     int64 `json:"windowMs"`
}

// vidHeader carries the visitor id to the VisitorCap object: in a header, never in the URL,
// and not in a body, which syumai/workers would stream through callbacks it never releases.
const vidHeader = "X-Appengage-Vid"

// call POSTs op with header to client's VisitorCap object and decodes its JSON answer into
// out.
func (d durableLimiter) call(ctx context.Context, client, op string, header http.Header, out any) error {
	ns, err := cloudflare.NewDurableObjectNamespace(d.binding)
	if err != nil {
		return fmt.Errorf("visitor cap binding: %w", err)
	}
	stub, err := ns.Get(ns.IdFromName(client))
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, "https://visitor-cap.invalid/"+op, nil)
	if err != nil {
		return err
	}
	req.Header = header
	resp, err := withContext(ctx, func() (*http.Response, error) { return stub.Fetch(req) })
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("visitor cap answered HTTP " + strconv.Itoa(resp.StatusCode))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1024)).Decode(out); err != nil {
		return fmt.Errorf("visitor cap answer: %w", err)
	}
	return nil
}
