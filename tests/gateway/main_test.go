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
	acctBrowser    = "gw_browser"
	acctStress     = "gw_stress"
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
	// browserPort is the loopback port whose origin the gateway allows, for the demo page
	// in TestBrowserThroughGateway.
	browserPort int
	// csdsURL is a second gateway that resolves msdkgw through the simulator's CSDS (no
	// APPENGAGE_MSDKGW) and retires its Go instance every csdsInstanceRequests requests,
	// so the Cache API copy of the CSDS answer is what a fresh instance finds.
	csdsURL string
)

const (
	acctViaCSDS          = "gw_via_csds"
	csdsInstanceRequests = 2
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
	if browserPort, err = harness.FreePort(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	accounts := []string{acctSeed, acctUpdate, acctCORS, acctBad, acctCap, acctFail, acctSteer, acctCSDS, acctChatAPI, acctConc, acctBrowser, acctStress}
	type started struct {
		p   *harness.Process
		err error
	}
	mainGW, csdsGW := make(chan started, 1), make(chan started, 1)
	go func() {
		p, err := harness.StartGateway(repo, harness.GatewayOptions{Vars: map[string]string{
			"APPENGAGE_MSDKGW":            simURL,
			"APPENGAGE_ACCOUNTS":          strings.Join(accounts, ","),
			"APPENGAGE_ORIGINS":           allowedOrigin + ",http://127.0.0.1:" + fmt.Sprint(browserPort),
			"APPENGAGE_VISITOR_CAP":       fmt.Sprint(visitorCap),
			"APPENGAGE_MAX_BODY":          "16384",
			"APPENGAGE_BODY_TIMEOUT":      "1s",
			"APPENGAGE_ATTEMPT_TIMEOUT":   "5s",
			"APPENGAGE_INSTANCE_REQUESTS": fmt.Sprint(instanceRequests),
		}})
		mainGW <- started{p, err}
	}()
	go func() {
		p, err := harness.StartGateway(repo, harness.GatewayOptions{Vars: map[string]string{
			"APPENGAGE_CSDS":              simURL,
			"APPENGAGE_ACCOUNTS":          acctViaCSDS,
			"APPENGAGE_INSTANCE_REQUESTS": fmt.Sprint(csdsInstanceRequests),
		}})
		csdsGW <- started{p, err}
	}()
	gw, cs := <-mainGW, <-csdsGW
	for _, s := range []started{gw, cs} {
		if s.p != nil {
			defer s.p.Stop()
		}
	}
	for _, s := range []started{gw, cs} {
		if s.err != nil {
			fmt.Fprintln(os.Stderr, s.err)
			return 1
		}
	}
	gateURL, csdsURL = gw.p.URL, cs.p.URL
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "--- wrangler output (last lines) ---\n"+gw.p.Output())
		fmt.Fprintln(os.Stderr, "--- wrangler output, CSDS gateway (last lines) ---\n"+cs.p.Output())
	}
	return code
}
