# Lint: staticcheck, pinned in go.mod as a tool (honnef.co/go/tools v0.8.2), so that it runs
# offline once `go mod download` has fetched the modules. It checks the native build and the
# js/wasm build of the code that ships as wasm (jsbridge and wasm/ only compile there; the
# test harnesses under tests/ are native only).

LINT_WASM_PKGS ?= ./core/... ./wire/... ./jsbridge/... ./wasm/... ./gateway/...

TEST_TARGETS += lint

STATICCHECK := $(BUILD)/tools/staticcheck

.PHONY: lint

$(STATICCHECK): go.mod go.sum
	@mkdir -p $(dir $@)
	GOOS= GOARCH= $(GO) build -o $@ honnef.co/go/tools/cmd/staticcheck

lint: deps-go $(STATICCHECK) ## staticcheck (pinned in go.mod), native and GOOS=js GOARCH=wasm
	$(STATICCHECK) ./...
	GOOS=js GOARCH=wasm $(STATICCHECK) $(LINT_WASM_PKGS)
	GOOS=js GOARCH=wasm $(STATICCHECK) -tags memprofile ./wasm/chatapi
