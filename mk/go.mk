# Native Go: core, adapters, simulator, CLI.

BUILD_TARGETS += build-go
TEST_TARGETS  += test-go
BENCH_TARGETS += bench-go

FUZZTIME ?= 3s

.PHONY: build-go test-go fuzz bench-go sim deps-go

deps-go: ## download the Go modules
	$(GO) mod download

build-go: deps-go ## build the native binaries into build/bin
	$(GO) build -o $(BUILD)/bin/ ./cmd/...

test-go: deps-go vet ## go vet, the Go tests with -race, and a short run of every fuzz target
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

fuzz: ## run each Fuzz* target for FUZZTIME
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench-go: deps-go ## Go benchmarks (validation, full get against the simulator)
	$(GO) test -run '^$$' -bench . -benchmem ./core/... ./nethttp/... ./sim/...

sim: build-go ## run the LivePerson simulator on SIM_ADDR until Ctrl-C
	$(BUILD)/bin/lpsim -addr $(SIM_ADDR)
