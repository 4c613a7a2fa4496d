package core

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sdeSchemas and impressionSchemas go through the tables as (type, schema) pairs, for the
// tests that check every schema.
func sdeSchemas(yield func(string, *schema) bool)        { tableSeq(sdeTable, yield) }
func impressionSchemas(yield func(string, *schema) bool) { tableSeq(impressionTable, yield) }

func tableSeq(table []typedSchema, yield func(string, *schema) bool) {
	for _, e := range table {
		if !yield(e.typ, e.schema) {
			return
		}
	}
}

func typesOf(table []typedSchema) []string {
	var out []string
	for _, e := range table {
		out = append(out, e.typ)
	}
	return out
}

// The "unknown type" messages are constants; they list every type of their table, in
// order, and the tables hold each type once.
func TestTypeMessagesListTables(t *testing.T) {
	assert.Equal(t, "unknown type; must be one of "+strings.Join(typesOf(sdeTable), ", "), msgSDEType)
	assert.Equal(t, "unknown type; must be one of "+strings.Join(typesOf(impressionTable), ", "), msgImpressionType)
	seen := map[string]bool{}
	for _, typ := range append(typesOf(sdeTable), typesOf(impressionTable)...) {
		assert.False(t, seen[typ], "%s is in the tables twice", typ)
		seen[typ] = true
	}
	assert.Len(t, seen, 15)
	for _, e := range sdeTable {
		assert.Same(t, e.schema, schemaOf(sdeTable, e.typ))
		assert.Nil(t, schemaOf(impressionTable, e.typ))
	}
	assert.Nil(t, schemaOf(sdeTable, "Cart"), "types are case-sensitive")
}
