# Entry points. Each target installs what it needs by itself.
.PHONY: all build test unit demo fuzz clean pulsar-start pulsar-stop

all: build

build:
	scripts/install-deps.sh
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build

# Everything: unit tests (plain and under sanitizers) and integration tests
# against a real Pulsar standalone.
test:
	scripts/test.sh

# Unit tests only, no services.
unit:
	SWITCHYARD_TEST_SKIP_INTEGRATION=1 scripts/test.sh

# The main job. QUICK=1 replays the first 4000 readings only; LIMIT=N the
# first N; RATE=N sets readings per second.
demo:
	scripts/demo.sh $(if $(QUICK),--quick) $(if $(LIMIT),--limit $(LIMIT)) $(if $(RATE),--rate $(RATE))

# libFuzzer builds with clang; FUZZ_SECONDS bounds each target's run.
fuzz:
	scripts/fuzz.sh

pulsar-start:
	scripts/pulsar.sh start

pulsar-stop:
	scripts/pulsar.sh stop

clean:
	rm -rf build build-sanitize build-fuzz
