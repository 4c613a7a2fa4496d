# WebAssembly: the ChatApi module (wasm/chatapi + jsbridge) and the npm package in web/.

BUILD_TARGETS += build-wasm
TEST_TARGETS  += test-wasm
BENCH_TARGETS += bench-wasm bench-wasm-allocs

WASM_ENV      := GOOS=js GOARCH=wasm
WASM_VERSION  := $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' web/package.json)
WASM_LDFLAGS  := -s -w -X main.version=$(WASM_VERSION)
# No inlining in this module's own packages (the standard library's and vert's are as
# usual): 46 KB raw and 17 KB brotli less, with getEngagement latency and cold-start CPU
# unchanged within noise (docs/benchmarks/wasm.md). -gcflags=all=-l instead makes it bigger.
WASM_GCFLAGS  := github.com/appengage/appengage/...=-l
WASM_EXEC_DIR := $(GOROOT)/lib/wasm
WASM_SOURCES  := $(shell find core wire jsbridge wasm/chatapi -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum web/package.json mk/wasm.mk

.PHONY: build-wasm test-wasm bench-wasm size wasm-deps-check

build-wasm: web/chatapi.wasm web/wasm_exec.js wasm-deps-check ## build web/chatapi.wasm and copy wasm_exec.js from this Go toolchain

# Go's build, then its tiny data segments packed into one custom section that the loader
# writes before Go starts (web/scripts/pack-wasm.mjs, which checks that the packed module
# starts with the same memory): ~9 ms of a cold start (docs/benchmarks/wasm.md).
web/chatapi.wasm: $(WASM_SOURCES) web/scripts/pack-wasm.mjs web/src/loader.js | web/wasm_exec.js
	@mkdir -p $(BUILD)/wasm
	$(WASM_ENV) $(GO) build -trimpath -gcflags='$(WASM_GCFLAGS)' -ldflags='$(WASM_LDFLAGS)' -o $(BUILD)/wasm/chatapi.unpacked.wasm ./wasm/chatapi
	node web/scripts/pack-wasm.mjs $(BUILD)/wasm/chatapi.unpacked.wasm $@

web/wasm_exec.js: $(WASM_EXEC_DIR)/wasm_exec.js
	cp $< $@

$(BUILD)/wasm/bare.wasm: bench/bare/main.go
	@mkdir -p $(dir $@)
	$(WASM_ENV) $(GO) build -trimpath -ldflags='-s -w' -o $@ ./bench/bare

wasm-deps-check: ## fail if the wasm links net/http, encoding/json or the profiler (memprofile.go's)
	@bad=$$($(WASM_ENV) $(GO) list -deps ./wasm/chatapi | grep -xE 'net/http|encoding/json|runtime/pprof' || true); \
	if [ -n "$$bad" ]; then echo "wasm/chatapi must not link: $$bad"; exit 1; fi

test-wasm: ## jsbridge tests under Node through go_js_wasm_exec
	PATH="$(WASM_EXEC_DIR):$$PATH" $(WASM_ENV) $(GO) test -count=1 ./jsbridge/... ./wasm/chatapi/...

size: web/chatapi.wasm $(BUILD)/wasm/bare.wasm ## raw/gzip/brotli size of chatapi.wasm and of the bare reference
	node bench/size.mjs web/chatapi.wasm $(BUILD)/wasm/bare.wasm

bench-wasm: build-wasm build-node $(BUILD)/wasm/bare.wasm build-go ## size, cold start, latency vs plain fetch, memory, vert vs JSON text
	PATH="$(WASM_EXEC_DIR):$$PATH" $(WASM_ENV) $(GO) test -run '^$$' -bench . -benchmem ./jsbridge/...
	node bench/run.mjs

$(BUILD)/wasm/floor.wasm: bench/floor/main.go bench/internal/floorkit/floorkit.go
	@mkdir -p $(dir $@)
	$(WASM_ENV) $(GO) build -trimpath -ldflags='-s -w' -o $@ ./bench/floor

$(BUILD)/wasm/floorsync.wasm: bench/floorsync/main.go bench/internal/floorkit/floorkit.go
	@mkdir -p $(dir $@)
	$(WASM_ENV) $(GO) build -trimpath -ldflags='-s -w' -o $@ ./bench/floorsync

# The allocation-profiling build: the module with -tags memprofile (wasm/chatapi/memprofile.go),
# never shipped. Go's CPU profiler takes no samples under js/wasm; its allocation profile does.
$(BUILD)/wasm/chatapi-memprofile.wasm: $(WASM_SOURCES) wasm/chatapi/memprofile.go
	@mkdir -p $(dir $@)
	$(WASM_ENV) $(GO) build -tags memprofile -trimpath -gcflags='$(WASM_GCFLAGS)' -ldflags='$(WASM_LDFLAGS)' -o $@ ./wasm/chatapi

ALLOCS_CALLS ?= 1000
ALLOCS_PPROF := $(GO) tool pprof -top -ignore 'runtime/pprof|main\.init' -base $(BUILD)/bench/allocs-before.pb.gz
.PHONY: bench-wasm-allocs
bench-wasm-allocs: $(BUILD)/wasm/chatapi-memprofile.wasm web/wasm_exec.js build-go ## Go's allocations on the path of ALLOCS_CALLS getEngagement calls against the simulator, by bytes and by count
	node bench/allocs.mjs $(BUILD)/wasm/chatapi-memprofile.wasm $(ALLOCS_CALLS) $(BUILD)/bench
	$(ALLOCS_PPROF) -sample_index=alloc_space $(BUILD)/bench/allocs-after.pb.gz
	$(ALLOCS_PPROF) -sample_index=alloc_objects $(BUILD)/bench/allocs-after.pb.gz

.PHONY: bench-floor
bench-floor: build-wasm $(BUILD)/wasm/floor.wasm $(BUILD)/wasm/floorsync.wasm build-go ## latency: the least a Go module can do per call, with goroutines (bench/floor) and without (bench/floorsync), vs plain fetch vs the ChatApi
	node bench/floor.mjs $(BUILD)/wasm/floor.wasm $(BUILD)/wasm/floorsync.wasm
