package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// BenchmarkValidateSeed measures ParseRequest (type checks, unknown fields, every rule and
// the copy of the attributes) on LivePerson's getEngagement example decoded from JSON.
func BenchmarkValidateSeed(b *testing.B) {
	tree := seedTree(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.ParseRequest(tree); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateSeedTyped measures Validate on the typed request the seed parses into,
// what the client runs before every Create Session.
func BenchmarkValidateSeedTyped(b *testing.B) {
	r, err := core.ParseRequest(seedTree(b))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateSeedBody measures Body, the wire tree built from the typed seed request.
func BenchmarkValidateSeedBody(b *testing.B) {
	r, err := core.ParseRequest(seedTree(b))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Body()
	}
}
