# core: the dependency rule of the domain package (docs/client.md).

TEST_TARGETS += core-deps-check

.PHONY: core-deps-check

core-deps-check: ## fail if core (as built for js/wasm) links net/http, encoding/json, fmt or reflect
	@bad=$$(GOOS=js GOARCH=wasm $(GO) list -deps ./core | grep -xE 'net/http|encoding/json|fmt|reflect' || true); \
	if [ -n "$$bad" ]; then echo "core must not link: $$bad"; exit 1; fi; \
	echo "core-deps-check: core links none of net/http, encoding/json, fmt, reflect"
