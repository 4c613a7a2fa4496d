# Node: the npm package in web/ tested end to end against the simulator on 127.0.0.1.

TEST_TARGETS += test-node

NODE_TESTS := $(wildcard tests/node/*.test.mjs)

.PHONY: test-node

# deps-node-root (mk/browser.mk) runs npm ci for the root dev manifest, which pins typescript
# for the type test of web/index.d.ts.
test-node: build-wasm build-go deps-node-root ## the npm package under Node's test runner against build/bin/lpsim
	node --test --test-concurrency=1 $(NODE_TESTS)
