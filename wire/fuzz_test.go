package wire_test

import (
	"net/url"
	"testing"

	"github.com/appengage/appengage/wire"
)

// FuzzParsePath: any path parses without panicking, and a route it accepts, escaped again
// segment by segment, parses back to the same route (so no encoding can move a boundary).
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"/api/account/123/app/engagement/visitors/abc", "/api/account/123/app/engagement/visitors/",
		"/api/account/123/service/msdkgw/baseURI.json", "/api/account/123/service/baseURI.json",
		"/api/account/1%2F2/app/engagement/visitors/%2E%2E", "/api/account/%zz", "//api/account",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, ok := wire.ParsePath(path)
		if !ok {
			return
		}
		var again string
		switch r.Kind {
		case wire.KindSession:
			again = wire.SessionPath(url.PathEscape(r.Account), url.PathEscape(r.VisitorID))
		case wire.KindDomain:
			again = wire.DomainPath(url.PathEscape(r.Account), url.PathEscape(r.Service))
		case wire.KindDomainList:
			again = wire.DomainListPath(url.PathEscape(r.Account))
		default:
			t.Fatalf("ok with kind %v", r.Kind)
		}
		r2, ok := wire.ParsePath(again)
		if !ok || r2 != r {
			t.Fatalf("%q → %+v → %q → %+v (%v)", path, r, again, r2, ok)
		}
	})
}
