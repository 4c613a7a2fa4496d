package wire_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/wire"
)

func TestErrorBodyShape(t *testing.T) {
	raw, err := json.Marshal(wire.ErrorBody{Time: 1700000000000, Message: "Illegal Version", InternalCode: wire.CodeIllegalVersion})
	require.NoError(t, err)
	assert.JSONEq(t, `{"time":1700000000000,"message":"Illegal Version","internalCode":33}`, string(raw))
	tree, err := json.Marshal(wire.ErrorBody{Time: 5, Message: "m", InternalCode: 20}.Tree())
	require.NoError(t, err)
	assert.JSONEq(t, `{"time":5,"message":"m","internalCode":20}`, string(tree))
}

func TestLoadingAccountMessageMatchesTheDocumentedPattern(t *testing.T) {
	msg := wire.LoadingAccountMessage("12345678", "Vb3kQz91")
	assert.Equal(t, "Loading account: 12345678, vid: Vb3kQz91", msg)
	m := regexp.MustCompile(`vid:\s*([^,\s}"]+)`).FindStringSubmatch(msg)
	require.Len(t, m, 2)
	assert.Equal(t, "Vb3kQz91", m[1])
	assert.True(t, wire.IsLoadingAccount(500, wire.CodeLoadingAccount, ""))
	assert.True(t, wire.IsLoadingAccount(500, 0, msg))
	assert.False(t, wire.IsLoadingAccount(503, wire.CodeLoadingAccount, msg))
}

func TestRetryable(t *testing.T) {
	for status, want := range map[int]bool{400: false, 401: false, 404: false, 429: true, 500: true, 502: true, 503: true, 504: true} {
		assert.Equal(t, want, wire.Retryable(status), "%d", status)
	}
}

func TestPaths(t *testing.T) {
	assert.Equal(t, "/api/account/123/app/engagement/visitors/", wire.SessionPath("123", ""))
	assert.Equal(t, "/api/account/123/app/engagement/visitors/v1", wire.SessionPath("123", "v1"))
	assert.Equal(t, "/api/account/123/service/msdkgw/baseURI.json", wire.DomainPath("123", wire.Service))
	assert.Equal(t, "/api/account/123/service/baseURI.json", wire.DomainListPath("123"))
}

func TestParsePath(t *testing.T) {
	cases := []struct {
		path string
		ok   bool
		want wire.Route
	}{
		{"/api/account/123/app/engagement/visitors/", true, wire.Route{Kind: wire.KindSession, Account: "123"}},
		{"/api/account/123/app/engagement/visitors", true, wire.Route{Kind: wire.KindSession, Account: "123"}},
		{"/api/account/123/app/engagement/visitors/abc", true, wire.Route{Kind: wire.KindSession, Account: "123", VisitorID: "abc"}},
		{"/api/account/123/app/engagement/visitors/a%2Fb", true, wire.Route{Kind: wire.KindSession, Account: "123", VisitorID: "a/b"}},
		{"/api/account/123/app/engagement/visitors/%2E%2E", true, wire.Route{Kind: wire.KindSession, Account: "123", VisitorID: ".."}},
		{"/api/account/123/service/msdkgw/baseURI.json", true, wire.Route{Kind: wire.KindDomain, Account: "123", Service: "msdkgw"}},
		{"/api/account/123/service/baseURI.json", true, wire.Route{Kind: wire.KindDomainList, Account: "123"}},
		{"/api/account/123/app/engagement/visitors/a/b", false, wire.Route{}},
		{"/api/account/123/app/engagement/visitors/%zz", false, wire.Route{}},
		{"/api/account/123/app/engagement/visitors/%4", false, wire.Route{}},
		{"/api/account/123/other", false, wire.Route{}},
		{"api/account/123/service/baseURI.json", false, wire.Route{}},
		{"/", false, wire.Route{}},
		{"", false, wire.Route{}},
	}
	for _, c := range cases {
		got, ok := wire.ParsePath(c.path)
		assert.Equal(t, c.ok, ok, c.path)
		assert.Equal(t, c.want, got, c.path)
	}
}

func TestSupportedVersion(t *testing.T) {
	for _, v := range [][]string{{"1.0"}, {"1"}, {"1.00"}} {
		assert.True(t, wire.SupportedVersion(v), "%q", v)
	}
	for _, v := range [][]string{nil, {""}, {"2.0"}, {"1.1"}, {"1."}, {"1.0", "1.0"}, {"01.0"}} {
		assert.False(t, wire.SupportedVersion(v), "%q", v)
	}
}

func TestCheckCall(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$`).MatchString
	v1 := []string{"1.0"}
	cases := []struct {
		name         string
		call         wire.Call
		update       bool
		status, code int
	}{
		{"first create", wire.Call{Method: "POST", Versions: v1}, false, 0, 0},
		{"create with ids", wire.Call{Method: "POST", Versions: v1, VisitorID: "v", SessionID: "s"}, false, 0, 0},
		{"update", wire.Call{Method: "PUT", Versions: v1, VisitorID: "v", SessionID: "s"}, true, 0, 0},
		{"override", wire.Call{Method: "POST", Override: " put ", Versions: v1, VisitorID: "v", SessionID: "s"}, true, 0, 0},
		{"override on GET is ignored", wire.Call{Method: "GET", Override: "POST", Versions: v1}, false, 405, 0},
		{"DELETE", wire.Call{Method: "DELETE", Versions: v1}, false, 405, 0},
		{"override to DELETE", wire.Call{Method: "POST", Override: "DELETE", Versions: v1}, false, 405, 0},
		{"version", wire.Call{Method: "POST", Versions: []string{"2"}}, false, 400, wire.CodeIllegalVersion},
		{"no version", wire.Call{Method: "POST"}, false, 400, wire.CodeIllegalVersion},
		{"bad vid", wire.Call{Method: "POST", Versions: v1, VisitorID: "a b"}, false, 401, wire.CodeBadVisitor},
		{"dot-dot vid", wire.Call{Method: "POST", Versions: v1, VisitorID: ".."}, false, 401, wire.CodeBadVisitor},
		{"bad sid", wire.Call{Method: "POST", Versions: v1, SessionID: "a/b"}, false, 401, wire.CodeBadSession},
		{"update without vid", wire.Call{Method: "PUT", Versions: v1, SessionID: "s"}, true, 401, wire.CodeBadVisitor},
		{"update without sid", wire.Call{Method: "PUT", Versions: v1, VisitorID: "v"}, true, 401, wire.CodeBadSession},
		{"version before ids", wire.Call{Method: "PUT", Versions: []string{"x"}}, true, 400, wire.CodeIllegalVersion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := wire.CheckCall(c.call, valid)
			assert.Equal(t, c.status, v.Status)
			assert.Equal(t, c.code, v.InternalCode)
			if c.status != 405 {
				assert.Equal(t, c.update, v.Update)
			}
			if c.status != 0 {
				assert.NotEmpty(t, v.Message)
			}
		})
	}
}
