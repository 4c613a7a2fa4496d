package gateway

import (
	"net/http"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// NewNativeTransport returns the upstream transport for the plain Go server: nethttp over
// a keep-alive client that never follows redirects, so no upstream answer can send the
// gateway to a host other than the configured or CSDS-resolved one (a 3xx is answered 502).
func NewNativeTransport() core.Transport {
	rt := http.DefaultTransport.(*http.Transport).Clone()
	rt.MaxIdleConnsPerHost = 32
	rt.IdleConnTimeout = 90 * time.Second
	client := &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return nethttp.New(nethttp.WithHTTPClient(client), nethttp.WithUserAgent("appengage-gateway/1"))
}
