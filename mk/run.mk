# make run: the simulator and the CLI talking to it (a later issue turns this into the browser demo).

SIM_PORT    ?= 8081
RUN_ACCOUNT ?= 12345678

.PHONY: run

run: build-go ## start the simulator on 127.0.0.1:SIM_PORT, get an engagement from it with the CLI, keep it running until Ctrl-C
	@log=$$(mktemp); tailpid=; \
	$(BUILD)/bin/lpsim -addr 127.0.0.1:$(SIM_PORT) >"$$log" 2>&1 & pid=$$!; \
	trap 'kill -TERM $$pid $$tailpid 2>/dev/null || true; wait $$pid 2>/dev/null || true; rm -f "$$log"' EXIT; \
	trap 'echo; echo "make run: stopped"; exit 0' INT TERM; \
	for i in $$(seq 100); do \
	  grep -q '^lpsim: listening on ' "$$log" && break; \
	  kill -0 $$pid 2>/dev/null || { cat "$$log" >&2; echo "make run: lpsim did not start (is port $(SIM_PORT) free? try SIM_PORT=...)" >&2; exit 1; }; \
	  sleep 0.1; \
	done; \
	url=$$(sed -n 's/^lpsim: listening on //p' "$$log"); \
	[ -n "$$url" ] || { cat "$$log" >&2; echo "make run: lpsim did not print its address" >&2; exit 1; }; \
	echo "lpsim: simulator listening on $$url"; \
	echo "\$$ $(BUILD)/bin/appengage get --account $(RUN_ACCOUNT) --csds $$url --request testdata/seed-request.json"; \
	$(BUILD)/bin/appengage get --account $(RUN_ACCOUNT) --csds "$$url" --request testdata/seed-request.json; \
	echo; \
	echo "Simulator stats: $$url/sim/v1/stats?account=$(RUN_ACCOUNT)   request log: $$url/sim/v1/requests"; \
	echo "The simulator keeps running at $$url; press Ctrl-C to stop it. Its request log follows:"; \
	tail -n +2 -f "$$log" & tailpid=$$!; \
	wait $$pid || true
