//go:build js && wasm

package direct

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestRegistryNumbersFromOneAndForgets(t *testing.T) {
	var r Registry[string]
	a, b := r.Add("a"), r.Add("b")
	assert.Equal(t, int32(1), a, "0 means none to JS")
	assert.NotEqual(t, a, b)
	v, ok := r.Get(b)
	assert.True(t, ok)
	assert.Equal(t, "b", v)
	r.Remove(a)
	_, ok = r.Get(a)
	assert.False(t, ok)
	_, ok = r.Get(0)
	assert.False(t, ok)
}

func TestBufferGivesRoomForNothingAfterADrop(t *testing.T) {
	buffer(keep + 1)
	Done() // dropped
	assert.NotNil(t, buffer(0), "room for 0 bytes still has an address")
	s, ok := Text(0, 0)
	assert.True(t, ok)
	assert.Equal(t, "", s)
	_, ok = Text(0, 2)
	assert.False(t, ok, "past what was asked for")
}

func TestEqualComparesInPlace(t *testing.T) {
	at := buffer(5)
	copy(unsafe.Slice((*byte)(at), 5), "hello")
	assert.True(t, Equal(0, 5, "hello"))
	assert.True(t, Equal(1, 3, "ell"))
	assert.False(t, Equal(0, 5, "hellO"))
	assert.False(t, Equal(0, 4, "hello"), "a prefix is not the text")
	assert.False(t, Equal(3, 5, "lo"), "past what was asked for")
	assert.False(t, Equal(-1, 2, "he"))
}

func TestTakenAsksForAResumeOnlyForWhatItsCallWoke(t *testing.T) {
	Woke() // by a js.Func before the direct call: it runs its own goroutines
	Begin()
	assert.Equal(t, int32(1), Taken(), "nothing woken by this call")
	Begin()
	Woke()
	assert.Equal(t, int32(2), Taken(), "a goroutine woken: resume")
	assert.Equal(t, int32(1), Taken(), "reported once")
}
