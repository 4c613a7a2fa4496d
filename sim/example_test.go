package sim_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/sim"
)

// A test starts the simulator on 127.0.0.1 with a scenario, points a client's CSDS at it and
// checks what the simulator counted.
func Example() {
	s, err := sim.New(sim.Options{Scenarios: map[string]sim.Scenario{
		"12345678": {LoadingCalls: 1}, // the first Create Session answers "Loading account"
	}})
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()

	client, err := core.NewClient(core.Config{
		AccountID:  "12345678",
		CSDSDomain: hs.URL, // plain-http loopback CSDS: the msdkgw host it names is used over http
		Transport:  nethttp.New(),
		Retry:      core.RetryPolicy{Delays: []time.Duration{time.Millisecond}},
	})
	if err != nil {
		panic(err)
	}
	for i := 0; i < 2; i++ {
		r, err := client.GetEngagement(context.Background(), core.Request{ConsumerSections: []string{"support"}})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Status, r.EngagementDetails.ValidForSeconds)
	}
	st := s.Stats("12345678")
	fmt.Printf("visitors=%d sessions=%d createCalls=%d responses=%v\n", st.Visitors, st.Sessions, st.CreateCalls, st.Responses)
	// Output:
	// Available 900
	// Available 900
	// visitors=1 sessions=1 createCalls=3 responses=map[200:3 500:1]
}
