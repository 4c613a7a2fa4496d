//go:build workerd

// Package gateway_test runs the gateway Worker on real workerd (wrangler dev, local mode)
// in front of the simulator, and checks it over HTTP as clients see it. One simulator and
// one wrangler dev serve every test of a run (wrangler's start-up is slow). Run with
// `make test-gateway`; the build tag keeps it out of the plain `go test ./...`.
package gateway_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/appengage/appengage/tests/gateway/harness"
)

// The accounts the gateway under test serves: one per test, so the simulator's counters
// tell each test's story. refusedAccount is well formed but not on the list.
const (
	acctSeed       = "gw_seed"
	acctUpdate     = "gw_update"
	acctCORS       = "gw_cors"
	acctBad        = "gw_bad"
	acctCap        = "gw_cap"
	acctFail       = "gw_fail"
	acctSteer      = "gw_steer"
	acctCSDS       = "gw_csds"
	acctChatAPI    = "gw_chatapi"
	acctConc       = "gw_conc"
	refusedAccount = "gw_refused"
	allowedOrigin  = "https://app.example.com"
	visitorCap     = 3
	// instanceRequests retires the Go instance often, so the tests cross instance changes.
	instanceRequests = 25
)

var (
	repo    string
	simURL  string
	gateURL string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	repo, err = harness.Repo()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sim, err := harness.StartSim(repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer sim.Stop()
	simURL = sim.URL
	accounts := []string{acctSeed, acctUpdate, acctCORS, acctBad, acctCap, acctFail, acctSteer, acctCSDS, acctChatAPI, acctConc}
	gw, err := harness.StartGateway(repo, harness.GatewayOptions{Vars: map[string]string{
		"APPENGAGE_MSDKGW":            simURL,
		"APPENGAGE_ACCOUNTS":          strings.Join(accounts, ","),
		"APPENGAGE_ORIGINS":           allowedOrigin,
		"APPENGAGE_VISITOR_CAP":       fmt.Sprint(visitorCap),
		"APPENGAGE_RETRY_DELAYS":      "50ms,50ms,50ms",
		"APPENGAGE_MAX_BODY":          "16384",
		"APPENGAGE_INSTANCE_REQUESTS": fmt.Sprint(instanceRequests),
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer gw.Stop()
	gateURL = gw.URL
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "--- wrangler output (last lines) ---\n"+gw.Output())
	}
	return code
}
