# The edge gateway (docs/gateway.md): the gateway package built for Cloudflare Workers
# (wasm/gateway, on github.com/syumai/workers) and run locally on workerd through the pinned
# wrangler, or natively as build/bin/gateway.

BUILD_TARGETS += build-gateway
TEST_TARGETS  += test-gateway
BENCH_TARGETS += bench-gateway

GATEWAY_PORT ?= 8787
GATEWAY_DIR  := $(BUILD)/gateway
WRANGLER     := node_modules/.bin/wrangler
# wrangler never phones home from this repository: no metrics, no error reports, no
# request.cf lookup; it always runs in local mode on 127.0.0.1.
WRANGLER_ENV := WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false

# What `make gateway` serves (each may also be set in the environment): every account, the
# demo's origins, the production visitor cap, and the simulator on SIM_ADDR as the upstream.
APPENGAGE_ACCOUNTS    ?= *
APPENGAGE_ORIGINS     ?= http://127.0.0.1:$(PORT),http://localhost:$(PORT)
APPENGAGE_VISITOR_CAP ?= 60
APPENGAGE_CSDS        ?=

.PHONY: build-gateway test-gateway bench-gateway bench-gateway-fetch gateway

build-gateway: deps-go ## the gateway Worker (wasm + glue) into build/gateway, and build/bin/gateway
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(GATEWAY_DIR)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(GATEWAY_DIR)/app.wasm ./wasm/gateway
	cp wasm/gateway/gateway.mjs wasm/gateway/upstream.mjs wasm/gateway/visitorcap.mjs wasm/gateway/stock.mjs $(GATEWAY_DIR)/
	$(GO) build -o $(BUILD)/bin/gateway ./cmd/gateway

# One wrangler dev (workerd) per run, shared by every test: see tests/gateway/main_test.go.
test-gateway: build-gateway build-go build-wasm deps-node-root deps-chromium ## the gateway on real workerd against the simulator (Go, Node and Chromium tests)
	GATEWAY_REPO=$(CURDIR) $(GO) test -tags workerd -count=1 -v -timeout 10m ./tests/gateway/

bench-gateway: build-gateway build-go deps-node-root ## added latency and CPU per request of the gateway on workerd, stock glue vs instance reuse
	$(GO) test -run '^$$' -bench . -benchmem ./gateway/
	GATEWAY_REPO=$(CURDIR) $(GO) run ./tests/gateway/bench -n $${BENCH_N:-400}

# The Worker's upstream transport, default (jsbridge's fetch transport) against nethttp over
# syumai/workers' fetch (-tags upstream_syumai): sizes, then the pooled-instance row on
# workerd for each, interleaved BENCH_ROUNDS times (docs/benchmarks/gateway.md).
bench-gateway-fetch: build-gateway build-go deps-node-root ## the Worker's upstream transport: jsbridge fetch vs syumai/workers fetch, interleaved
	@mkdir -p $(BUILD)/gateway-fetch
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(BUILD)/gateway-fetch/jsbridge.wasm ./wasm/gateway
	GOOS=js GOARCH=wasm $(GO) build -tags upstream_syumai -trimpath -ldflags='-s -w' -o $(BUILD)/gateway-fetch/syumai.wasm ./wasm/gateway
	@for v in jsbridge syumai; do echo "$$v: $$(stat -c %s $(BUILD)/gateway-fetch/$$v.wasm) bytes, gzip $$(gzip -9c $(BUILD)/gateway-fetch/$$v.wasm | wc -c) bytes"; done
	@for r in $$(seq $${BENCH_ROUNDS:-3}); do for v in syumai jsbridge; do \
	  cp $(BUILD)/gateway-fetch/$$v.wasm $(GATEWAY_DIR)/app.wasm; echo "== $$v, round $$r"; \
	  GATEWAY_REPO=$(CURDIR) $(GO) run ./tests/gateway/bench -n $${BENCH_N:-400} -only "workerd (Miniflare), gateway.mjs" || exit 1; \
	done; done; cp $(BUILD)/gateway-fetch/jsbridge.wasm $(GATEWAY_DIR)/app.wasm

gateway: build-gateway build-go deps-node-root ## run the gateway Worker under wrangler dev on 127.0.0.1:GATEWAY_PORT, upstream = the simulator on SIM_ADDR
	@log=$$(mktemp); \
	$(BUILD)/bin/lpsim -addr $(SIM_ADDR) >"$$log" 2>&1 & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null || true; wait $$pid 2>/dev/null || true; rm -f "$$log"' EXIT; \
	trap 'exit 130' INT TERM; \
	for i in $$(seq 100); do \
	  grep -q '^lpsim: listening on ' "$$log" && break; \
	  kill -0 $$pid 2>/dev/null || { cat "$$log" >&2; echo "make gateway: lpsim did not start (is $(SIM_ADDR) free? try SIM_ADDR=...)" >&2; exit 1; }; \
	  sleep 0.1; \
	done; \
	sim=$$(sed -n 's/^lpsim: listening on //p' "$$log"); \
	echo "make gateway: simulator on $$sim; gateway on http://127.0.0.1:$(GATEWAY_PORT) (createChatApi({ domain: 'http://127.0.0.1:$(GATEWAY_PORT)' }))"; \
	$(WRANGLER_ENV) $(WRANGLER) dev -c wasm/gateway/wrangler.jsonc --local --ip 127.0.0.1 --port $(GATEWAY_PORT) \
	  --persist-to $(GATEWAY_DIR)/state --show-interactive-dev-session=false \
	  --var "APPENGAGE_MSDKGW:$${APPENGAGE_MSDKGW:-$$sim}" --var "APPENGAGE_CSDS:$(APPENGAGE_CSDS)" \
	  --var "APPENGAGE_ACCOUNTS:$(APPENGAGE_ACCOUNTS)" --var "APPENGAGE_ORIGINS:$(APPENGAGE_ORIGINS)" \
	  --var "APPENGAGE_VISITOR_CAP:$(APPENGAGE_VISITOR_CAP)"
