package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Attempt deadlines of 10 s or more fall on a whole second of deadlineGrid, at most one
// second (10 %) later than asked and never earlier; shorter ones stay exact.
func TestAttemptDeadlineRounding(t *testing.T) {
	for _, timeout := range []time.Duration{10 * time.Second, 15*time.Second + 300*time.Millisecond, 30 * time.Second} {
		before := time.Now()
		d := attemptDeadline(timeout)
		after := time.Now()
		assert.Zero(t, d.Sub(deadlineGrid)%time.Second, "%v: on the whole-second grid", timeout)
		assert.False(t, d.Before(before.Add(timeout)), "%v: never earlier than asked", timeout)
		assert.False(t, d.After(after.Add(timeout+time.Second)), "%v: at most a second later", timeout)
	}
	before := time.Now()
	d := attemptDeadline(2 * time.Second)
	after := time.Now()
	assert.False(t, d.Before(before.Add(2*time.Second)) || d.After(after.Add(2*time.Second)), "short timeouts stay exact")
}
