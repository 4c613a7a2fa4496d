//go:build js && wasm

package fetch

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/convert"
	"github.com/appengage/appengage/jsbridge/internal/promise"
)

// PromiseTransport is the earlier exchange contract, one promise per round trip, kept only
// for the Workers gateway (wasm/gateway/upstream.mjs implements it); it can go once that
// file offers the exchange port's contract (connect/send/abort) instead:
//
//	exchange(url, method, body, controller) → Promise<[status, retryAfter | null, text]>
type PromiseTransport struct {
	exchange js.Value
}

var abortController = js.Global().Get("AbortController")

// NewPromiseTransport returns a transport over such an exchange function.
func NewPromiseTransport(exchange js.Value) (*PromiseTransport, error) {
	if t, known := convert.TypeOf(exchange); !known || t != js.TypeFunction {
		return nil, noPort()
	}
	return &PromiseTransport{exchange: exchange}, nil
}

// Do makes one round trip; its errors are those of Transport.Do.
func (t *PromiseTransport) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	if err := ctx.Err(); err != nil {
		return core.WireResponse{}, err
	}
	var body js.Value = js.Undefined()
	var err error
	if req.Body != nil {
		body, err = encodeBody(req.Body)
	}
	if err != nil {
		return core.WireResponse{}, err
	}
	controller := abortController.New()
	stop := context.AfterFunc(ctx, func() { controller.Call("abort") })
	defer stop()
	var p js.Value
	if err := promise.Catch(func() { p = t.exchange.Invoke(req.URL, req.Method, body, controller) }); err != nil {
		return core.WireResponse{}, err
	}
	v, err := promise.Await(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			return core.WireResponse{}, ctx.Err()
		}
		return core.WireResponse{}, err
	}
	var out core.WireResponse
	var text js.Value
	if err := promise.Catch(func() {
		status, retryAfter := convert.SafeGet(v, 0), convert.SafeGet(v, 1)
		text = convert.SafeGet(v, 2)
		if status.Type() == js.TypeNumber {
			out.Status = status.Int()
		}
		if retryAfter.Type() == js.TypeString {
			out.RetryAfter = retryAfter.String()
		}
	}); err != nil || text.Type() != js.TypeString || out.Status == 0 {
		return core.WireResponse{}, errors.New("fetch did not return a usable Response")
	}
	out.Text = text.String()
	if req.MaxBody > 0 && int64(len(out.Text)) > req.MaxBody {
		return core.WireResponse{}, &core.BodyTooLargeError{Status: out.Status, Limit: req.MaxBody}
	}
	out.Body = parseBody(out.Text)
	return out, nil
}
