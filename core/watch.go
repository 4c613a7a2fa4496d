package core

import (
	"context"
	"time"
)

// DefaultWatchInterval is how often Watch asks again when WatchOptions.Interval is 0.
const DefaultWatchInterval = 60 * time.Second

// minWatchInterval keeps a tiny validForSeconds from making Watch ask more than once a second.
const minWatchInterval = time.Second

// WatchOptions configures Watch.
type WatchOptions struct {
	// Interval is the pause between two questions, DefaultWatchInterval when 0. While an
	// engagement is Available the pause is also capped at 80% of its validForSeconds, so the
	// offer is confirmed before it expires (but never below one second).
	Interval time.Duration
}

// Watch keeps asking GetEngagement with req and calls onChange with the first result, then
// only when it changes: availability status, engagement identity (campaign, engagement) or
// revision, success to failure and back, or the error Code. It re-asks after
// WatchOptions.Interval, pausing with the client's RetryPolicy.Sleep, so a test's fake
// sleeper makes it run instantly.
//
// Callbacks run one at a time on the watch's goroutine; they may call stop. A validation
// error is reported once and ends the watch, since asking again cannot change it. Cancelling
// ctx or calling stop ends the watch without a callback for the cancelled call.
//
// stop is idempotent, returns at once without waiting for a call under way, and is safe to
// call from onChange; a callback that had already begun may still complete.
func (c *Client) Watch(ctx context.Context, req Request, opts WatchOptions, onChange func(Response, error)) (stop func()) {
	p, err := c.PrepareRequest(req) // once: the same request is asked every time
	return c.startWatch(ctx, p, err, opts, onChange)
}

// WatchPrepared is Watch for a prepared request (Client.Prepare), which is not validated
// again; one prepared under other rules is reported as Watch reports an invalid request.
func (c *Client) WatchPrepared(ctx context.Context, p *Prepared, opts WatchOptions, onChange func(Response, error)) (stop func()) {
	return c.startWatch(ctx, p, c.checkPrepared(p), opts, onChange)
}

// startWatch runs the watch of p on its own goroutine, or reports invalid, the request's
// validation error, from it once.
func (c *Client) startWatch(ctx context.Context, p *Prepared, invalid error, opts WatchOptions, onChange func(Response, error)) (stop func()) {
	wctx, cancel := context.WithCancel(ctx)
	go c.watch(wctx, p, invalid, opts, onChange)
	return func() { cancel() }
}

// watchKey is what Watch compares to decide whether a result is a change.
type watchKey struct {
	failed     bool
	code       Code
	status     Status
	campaign   string
	engagement string
	revision   int64
}

func watchKeyOf(r Response, err error) watchKey {
	if err != nil {
		return watchKey{failed: true, code: ErrorCode(err)}
	}
	k := watchKey{status: r.Status}
	if d := r.EngagementDetails; d != nil {
		k.campaign, k.engagement, k.revision = d.CampaignID, d.EngagementID, d.EngagementRevision
	}
	return k
}

// watchPause is the pause after a result: the interval, capped while Available.
func watchPause(interval time.Duration, r Response, err error) time.Duration {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	if err != nil || r.Status != StatusAvailable || r.EngagementDetails == nil || r.EngagementDetails.ValidForSeconds <= 0 {
		return interval
	}
	limit := time.Duration(r.EngagementDetails.ValidForSeconds) * time.Second * 8 / 10
	if limit < minWatchInterval {
		limit = minWatchInterval
	}
	if limit < interval {
		return limit
	}
	return interval
}

func (c *Client) watch(ctx context.Context, p *Prepared, invalid error, opts WatchOptions, onChange func(Response, error)) {
	if invalid != nil {
		if ctx.Err() == nil {
			onChange(Response{}, invalid)
		}
		return
	}
	var last watchKey
	first := true
	for {
		resp, err := c.getEngagement(ctx, p)
		if ctx.Err() != nil {
			return
		}
		if k := watchKeyOf(resp, err); first || k != last {
			first, last = false, k
			onChange(resp, err)
		}
		if ErrorCode(err) == CodeValidation || ctx.Err() != nil {
			return
		}
		if c.retry.Sleep(ctx, watchPause(opts.Interval, resp, err)) != nil {
			return
		}
	}
}
