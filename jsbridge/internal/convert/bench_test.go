//go:build js && wasm

package convert

import (
	"syscall/js"
	"testing"

	"github.com/norunners/vert"
)

// The seed request as structs that vert can fill: plain fields with js tags, numbers as
// float64. This is what converting the request with vert would take (one struct per SDE
// type, and unknown fields lost), measured against the generic walker and JSON text.
type seedVert struct {
	AppType    string `js:"appType"`
	VID        string `js:"vid"`
	SID        string `js:"sid"`
	AppDetails *struct {
		OS           string `js:"os"`
		OSVersion    string `js:"osVersion"`
		AppVersion   string `js:"appVersion"`
		DeviceFamily string `js:"deviceFamily"`
		IPAddress    string `js:"ipAddress"`
	} `js:"appDetails"`
	ConsumerSections     []string `js:"consumerSections"`
	EngagementAttributes []struct {
		Type     string `js:"type"`
		Personal *struct {
			Contacts []struct {
				Email string `js:"email"`
				Phone string `js:"phone"`
			} `js:"contacts"`
			Age *struct {
				Age   float64 `js:"age"`
				Year  float64 `js:"year"`
				Month float64 `js:"month"`
				Day   float64 `js:"day"`
			} `js:"age"`
			Firstname string `js:"firstname"`
			Lastname  string `js:"lastname"`
			Gender    string `js:"gender"`
			Company   string `js:"company"`
		} `js:"personal"`
	} `js:"engagementAttributes"`
}

// BenchmarkRequestToGo converts LivePerson's example request from a JS object into Go.
//   - vert: vert.AssignTo into seedVert (typed, SDE-specific structs);
//   - walker: FromJS, the generic tree walker (one or more calls per value);
//   - jsonText: JSON.stringify in JS, one string across, DecodeJSON in Go (what the
//     module does for every request that JSON can hold unchanged).
func BenchmarkRequestToGo(b *testing.B) {
	obj := js.Global().Get("JSON").Call("parse", seedExample)
	stringify := js.Global().Get("JSON").Get("stringify")
	b.Run("vert", func(b *testing.B) {
		for b.Loop() {
			var s seedVert
			if err := (vert.Value{Value: obj}).AssignTo(&s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walker", func(b *testing.B) {
		for b.Loop() {
			if _, err := FromJS(obj, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonText", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeJSON(stringify.Invoke(obj).String()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkResponseToJS converts a response tree from Go into a JS object.
//   - vert: vert.ValueOf on the generic tree;
//   - tree: ToJS, one call per value;
//   - jsonText: EncodeJSON in Go, one string across, JSON.parse in JS (the module hands JS
//     the server's own text, which skips the encoding).
func BenchmarkResponseToJS(b *testing.B) {
	tree, err := DecodeJSON(`{"status":"Available","sessionId":"abc","visitorId":"xyz","pageId":"4743822558","engagementDetails":{"campaignId":"3346848610","engagementId":"3562981110","contextId":"1","windowId":"3346847910","language":"en-US","engagementRevision":44,"validForSeconds":900,"skillId":23,"skillName":"TestSkill"}}`)
	if err != nil {
		b.Fatal(err)
	}
	parse := js.Global().Get("JSON").Get("parse")
	b.Run("vert", func(b *testing.B) {
		for b.Loop() {
			_ = vert.ValueOf(tree).JSValue()
		}
	})
	b.Run("tree", func(b *testing.B) {
		for b.Loop() {
			if _, err := ToJS(tree); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonText", func(b *testing.B) {
		for b.Loop() {
			text, err := EncodeJSON(tree)
			if err != nil {
				b.Fatal(err)
			}
			_ = parse.Invoke(text)
		}
	})
}
