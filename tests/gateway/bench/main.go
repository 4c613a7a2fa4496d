// Command bench measures what the gateway adds to a Create Session call: the simulator is
// called directly and through the gateway Worker on workerd (wrangler dev, local mode),
// alternately, one request at a time, with a reused vid/sid (the steady state of a client).
// It runs the Worker twice: with the glue exactly as workers-assets-gen generates it (a new
// Go instance per request, stock.mjs) and with gateway.mjs (one Go instance per isolate).
// It prints p50/p99 latencies, the added latency and workerd's CPU time per request as a
// Markdown table. Run through `make bench-gateway` (BENCH_N sets the requests per mode).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/appengage/appengage/tests/gateway/harness"
)

const account = "bench_gateway"

// only limits a run to some rows (the -only flag).
var only string

func main() {
	n := flag.Int("n", 400, "measured requests per mode (after a warm-up of n/10)")
	flag.StringVar(&only, "only", "", "run only the sequential rows whose name contains this text, and no concurrent table (for A/B runs)")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	mode            string
	direct, gateway []time.Duration
	health          []time.Duration
	cpuPerRequest   time.Duration
	served          int64   // requests the Go instance that answered the last health check served
	goMemory        float64 // the memory that instance's Go runtime held
}

func run(n int) error {
	repo, err := harness.Repo()
	if err != nil {
		return err
	}
	sim, err := harness.StartSim(repo)
	if err != nil {
		return err
	}
	defer sim.Stop()
	floor := filepath.Join(repo, "tests", "gateway", "floor", "proxy.mjs")
	modes := []struct {
		name, runner, entry string
	}{
		{"wrangler dev, plain JS proxy: the floor", "wrangler", floor},
		{"wrangler dev, stock glue (new Go instance per request)", "wrangler", "stock.mjs"},
		{"wrangler dev, gateway.mjs (reused Go instances)", "wrangler", "gateway.mjs"},
		{"workerd (Miniflare), plain JS proxy: the floor", "miniflare", floor},
		{"workerd (Miniflare), stock glue (new Go instance per request)", "miniflare", "stock.mjs"},
		{"workerd (Miniflare), gateway.mjs (reused Go instances)", "miniflare", "gateway.mjs"},
	}
	var results []result
	for _, m := range modes {
		if only != "" && !strings.Contains(m.name, only) {
			continue
		}
		r, err := measure(repo, sim.URL, m.runner, m.entry, n, m.entry != floor)
		if err != nil {
			return err
		}
		r.mode = m.name
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "bench: %s done\n", m.name)
	}
	fmt.Printf("Create Session with reused vid/sid (a ctmrinfo SDE in the body), %d sequential keep-alive requests per row, alternating direct and via the Worker; simulator and Worker on 127.0.0.1; GOMAXPROCS=%d, %d CPUs.\n\n", n, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Println("| Worker | direct p50 | direct p99 | via Worker p50 | via Worker p99 | added p50 | added p99 | health p50 (no upstream) | workerd CPU / request |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		d50, d99 := pct(r.direct, 50), pct(r.direct, 99)
		g50, g99 := pct(r.gateway, 50), pct(r.gateway, 99)
		health := "–"
		if len(r.health) > 0 {
			health = ms(pct(r.health, 50))
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.mode, ms(d50), ms(d99), ms(g50), ms(g99), ms(g50-d50), ms(g99-d99), health, ms(r.cpuPerRequest))
	}
	fmt.Println()
	for _, r := range results {
		if r.served > 0 {
			fmt.Printf("- %s: the Go instance answering the last health check had served %d requests and held %.1f MB.\n", r.mode, r.served, r.goMemory/(1<<20))
		}
	}
	if only != "" {
		return nil
	}
	fmt.Printf("\nThe same call from %d concurrent clients (each its own visitor), %d requests in all, workerd (Miniflare):\n\n", concurrency, n)
	fmt.Println("| Worker | p50 | p99 | requests / s | workerd CPU / request |")
	fmt.Println("| --- | --- | --- | --- | --- |")
	for _, m := range []struct{ name, entry, idle string }{
		{"plain JS proxy: the floor", floor, ""},
		{"stock glue (new Go instance per request)", "stock.mjs", ""},
		{"gateway.mjs (reused Go instances, 4 kept: the default)", "gateway.mjs", ""},
		{"gateway.mjs, APPENGAGE_IDLE_INSTANCES=8", "gateway.mjs", "8"},
	} {
		lat, rate, cpu, err := measureConcurrent(repo, sim.URL, m.entry, m.idle, n)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %s | %s | %.0f | %s |\n", m.name, ms(pct(lat, 50)), ms(pct(lat, 99)), rate, ms(cpu))
		fmt.Fprintf(os.Stderr, "bench: concurrent %s done\n", m.name)
	}
	return nil
}

// concurrency is the number of clients of the concurrent rows.
const concurrency = 8

// measureConcurrent runs n Create Session calls from concurrency clients at once against one
// Worker on Miniflare and returns their latencies, the throughput and workerd's CPU per call.
func measureConcurrent(repo, simURL, entry, idle string, n int) ([]time.Duration, float64, time.Duration, error) {
	vars := map[string]string{"APPENGAGE_MSDKGW": simURL, "APPENGAGE_ACCOUNTS": account}
	if idle != "" {
		vars["APPENGAGE_IDLE_INSTANCES"] = idle
	}
	gw, err := harness.StartMiniflare(repo, harness.GatewayOptions{Entry: entry, Vars: vars})
	if err != nil {
		return nil, 0, 0, err
	}
	defer gw.Stop()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	visits := make([]*visit, concurrency)
	for i := range visits {
		if visits[i], err = newVisit(client, gw.URL); err != nil {
			return nil, 0, 0, err
		}
		for j := 0; j < 5; j++ { // warm up
			if _, err := visits[i].call(client); err != nil {
				return nil, 0, 0, err
			}
		}
	}
	before, err := harness.CPUTime(gw, "workerd")
	if err != nil {
		return nil, 0, 0, err
	}
	type out struct {
		lat []time.Duration
		err error
	}
	results := make(chan out, concurrency)
	start := time.Now()
	for _, v := range visits {
		go func(v *visit) {
			var o out
			for i := 0; i < n/concurrency; i++ {
				d, err := v.call(client)
				if err != nil {
					o.err = err
					break
				}
				o.lat = append(o.lat, d)
			}
			results <- o
		}(v)
	}
	var all []time.Duration
	for range visits {
		o := <-results
		if o.err != nil {
			return nil, 0, 0, o.err
		}
		all = append(all, o.lat...)
	}
	elapsed := time.Since(start)
	after, err := harness.CPUTime(gw, "workerd")
	if err != nil {
		return nil, 0, 0, err
	}
	return all, float64(len(all)) / elapsed.Seconds(), (after - before) / time.Duration(len(all)), nil
}

func measure(repo, simURL, runner, entry string, n int, health bool) (result, error) {
	opts := harness.GatewayOptions{Entry: entry, Vars: map[string]string{
		"APPENGAGE_MSDKGW":   simURL,
		"APPENGAGE_ACCOUNTS": account,
	}}
	if runner == "wrangler" && filepath.IsAbs(entry) {
		opts.Config = filepath.Join(filepath.Dir(entry), "wrangler.jsonc")
	}
	start := harness.StartGateway
	if runner == "miniflare" {
		start = harness.StartMiniflare
	}
	gw, err := start(repo, opts)
	if err != nil {
		return result{}, err
	}
	defer gw.Stop()
	client := &http.Client{Timeout: 30 * time.Second}
	direct, err := newVisit(client, simURL)
	if err != nil {
		return result{}, fmt.Errorf("direct: %w", err)
	}
	via, err := newVisit(client, gw.URL)
	if err != nil {
		return result{}, fmt.Errorf("gateway (%s): %w", entry, err)
	}
	for i := 0; i < n/10; i++ {
		if _, err := via.call(client); err != nil {
			return result{}, err
		}
	}
	var r result
	before, err := harness.CPUTime(gw, "workerd")
	if err != nil {
		return result{}, err
	}
	for i := 0; i < n; i++ {
		d, err := direct.call(client)
		if err != nil {
			return result{}, err
		}
		g, err := via.call(client)
		if err != nil {
			return result{}, err
		}
		r.direct, r.gateway = append(r.direct, d), append(r.gateway, g)
	}
	after, err := harness.CPUTime(gw, "workerd")
	if err != nil {
		return result{}, err
	}
	r.cpuPerRequest = (after - before) / time.Duration(n)
	for i := 0; health && i < n/4; i++ {
		start := time.Now()
		resp, err := client.Get(gw.URL + "/appengage/v1/health")
		if err != nil {
			return result{}, err
		}
		var h struct {
			Served        int64   `json:"served"`
			GoMemoryBytes float64 `json:"goMemoryBytes"`
		}
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err != nil {
			return result{}, err
		}
		r.health = append(r.health, time.Since(start))
		r.served, r.goMemory = h.Served, h.GoMemoryBytes
	}
	return r, nil
}

// visit is one visitor's session at a base URL (the simulator or the gateway).
type visit struct{ base, vid, sid string }

func newVisit(client *http.Client, base string) (*visit, error) {
	v := &visit{base: base}
	if _, err := v.call(client); err != nil {
		return nil, err
	}
	return v, nil
}

const body = `{"appType":"EXTERNAL","appDetails":{"os":"LINUX","osVersion":"6.1","appVersion":"3.2.0","deviceFamily":"DESKTOP"},"consumerSections":["launcher"],"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"gold","customerId":"c-991"}}]}`

func (v *visit) call(client *http.Client) (time.Duration, error) {
	url := v.base + "/api/account/" + account + "/app/engagement/visitors/" + v.vid + "?v=1.0"
	if v.sid != "" {
		url += "&sid=" + v.sid
	}
	start := time.Now()
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("%s answered %d: %s", v.base, resp.StatusCode, raw)
	}
	var ans struct{ VisitorID, SessionID string }
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, err
	}
	v.vid, v.sid = ans.VisitorID, ans.SessionID
	return elapsed, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
