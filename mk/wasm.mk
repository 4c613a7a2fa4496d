# WebAssembly: the ChatApi module (wasm/chatapi + jsbridge) and the npm package in web/.

BUILD_TARGETS += build-wasm
TEST_TARGETS  += test-wasm
BENCH_TARGETS += bench-wasm

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

web/chatapi.wasm: $(WASM_SOURCES)
	$(WASM_ENV) $(GO) build -trimpath -gcflags='$(WASM_GCFLAGS)' -ldflags='$(WASM_LDFLAGS)' -o $@ ./wasm/chatapi

web/wasm_exec.js: $(WASM_EXEC_DIR)/wasm_exec.js
	cp $< $@

$(BUILD)/wasm/bare.wasm: bench/bare/main.go
	@mkdir -p $(dir $@)
	$(WASM_ENV) $(GO) build -trimpath -ldflags='-s -w' -o $@ ./bench/bare

wasm-deps-check: ## fail if the wasm links net/http (or encoding/json)
	@bad=$$($(WASM_ENV) $(GO) list -deps ./wasm/chatapi | grep -xE 'net/http|encoding/json' || true); \
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

.PHONY: bench-floor
bench-floor: build-wasm $(BUILD)/wasm/floor.wasm $(BUILD)/wasm/floorsync.wasm build-go ## latency: the least a Go module can do per call, with goroutines (bench/floor) and without (bench/floorsync), vs plain fetch vs the ChatApi
	node bench/floor.mjs $(BUILD)/wasm/floor.wasm $(BUILD)/wasm/floorsync.wasm
