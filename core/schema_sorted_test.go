package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Schemas are written as literals in sorted order (the validator looks fields up by binary
// search and reports problems in field order): every schema reachable from the request,
// update, SDE and impression schemas must be sorted by name, without duplicates.
func TestSchemasSorted(t *testing.T) {
	seen := map[*schema]bool{}
	var walkField func(path string, f *field)
	walk := func(path string, s *schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for i := range s.fields {
			f := &s.fields[i]
			if i > 0 {
				assert.Less(t, s.fields[i-1].name, f.name, "%s: fields out of order", path)
			}
			assert.Same(t, f, s.lookup(f.name), "%s: lookup of %s", path, f.name)
			walkField(path+"."+f.name, f)
		}
	}
	walkField = func(path string, f *field) {
		switch f.kind {
		case kindObject:
			walk(path, f.object)
		case kindArray:
			walkField(path+"[]", f.elem)
		case kindDate:
			walk(path, dateSchema)
		}
	}
	walk("request", requestSchema)
	walk("update", updateSchema)
	walk("wire request", wireRequestSchema)
	walk("wire update", wireUpdateSchema)
	for typ, s := range sdeSchemas {
		walk(typ, s)
	}
	for typ, s := range impressionSchemas {
		walk(typ, s)
	}
	assert.GreaterOrEqual(t, len(seen), 25, "every schema was visited")
}
