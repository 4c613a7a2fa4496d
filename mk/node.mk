# Node: the npm package in web/ tested end to end against the simulator on 127.0.0.1.

TEST_TARGETS += test-node

NODE_TESTS := $(wildcard tests/node/*.test.mjs)

.PHONY: test-node

test-node: build-wasm build-go ## the npm package under Node's test runner against build/bin/lpsim
	node --test --test-concurrency=1 $(NODE_TESTS)
