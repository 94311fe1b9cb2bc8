# websocket-health-check: the README's commands.
#   make demo     the watchdog at work on an in-process service (nothing real is touched)
#   make test     every test: unit, probe against loopback peers, CLI, dashboard, systemd e2e
#   make bench    our check against the Python reference, side by side
#   make check-order  re-profile the functions a check runs, then the dashboard (bench/check.order, .ld)
#   make fuzz     libFuzzer on every parser, FUZZ_SECONDS (60) each; make test runs 5 s each
#   make soak     the dashboard for SOAK_SECONDS (600) on flapping servers, in tmux
#   make fresh-machine  the README's two commands in a fresh debootstrap Debian 12 with Swift
#   make deb      the Debian package, from the release binary (make lintian checks it; make test runs both)
#   make install  release build, units and example config under $(DESTDIR)$(PREFIX)

SWIFT     ?= swift
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
UNITDIR   ?= $(PREFIX)/lib/systemd/system
CONFDIR   ?= /etc/websocket-health-check
UNITS     := websocket-health-check.service websocket-health-check.timer \
             websocket-health-check@.service websocket-health-check@.timer
# INSTALL_BIN=path installs that binary instead of building the release one (the systemd
# end-to-end test installs the debug build it already has).
INSTALL_BIN ?=
RELEASE   := .build/release/websocket-health-check
DEBUG_BIN := .build/debug/websocket-health-check

# Debian packages each job needs; installed only when missing (root, apt-get). Each list is
# defined before a list that names it (:= expands at once).
BUILD_PACKAGES := libncurses-dev
DEB_PACKAGES   := $(BUILD_PACKAGES) dpkg-dev binutils lintian man-db
TEST_PACKAGES  := $(DEB_PACKAGES) time faketime nginx tmux python3-websockets python3-cryptography prometheus openssl procps util-linux iproute2 systemd bash-completion zsh fish openjdk-17-jdk-headless
BENCH_PACKAGES := $(BUILD_PACKAGES) python3-websockets hyperfine time tmux bsdutils monit
ORDER_PACKAGES := $(BUILD_PACKAGES) python3-websockets valgrind binutils tmux

print-%:
	@echo '$($*)'

.PHONY: demo test unit-tests release-tests e2e bench check-order release deb lintian install uninstall format lint \
        clean deps-build deps-test deps-bench deps-order deps-deb fuzz fuzz-smoke soak fresh-machine

define ensure_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps-build:
	$(call ensure_packages,$(BUILD_PACKAGES))

deps-test:
	$(call ensure_packages,$(TEST_PACKAGES))

deps-bench:
	$(call ensure_packages,$(BENCH_PACKAGES))

deps-order:
	$(call ensure_packages,$(ORDER_PACKAGES))

deps-deb:
	$(call ensure_packages,$(DEB_PACKAGES))

demo: deps-build
	$(SWIFT) build --product websocket-health-check
	@# The dashboard needs a terminal; piped or in CI, the same story plays as text.
	@if [ -t 0 ] && [ -t 1 ]; then $(DEBUG_BIN) demo; else $(DEBUG_BIN) demo --script --interval 0.5; fi

test: deps-test lint unit-tests release-tests fuzz-smoke

unit-tests:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The release binary is the one `make install` puts on a box, and its link differs from the
# debug one (static libstdc++, no dynamic symbols, ordered functions), so the tests that run
# the binary (all in DashboardTests) run against it as well and the e2e scripts against it alone.
# The package is built from that binary and checked by lintian; the systemd e2e installs it.
release-tests: release lintian
	bench/check-order-is-fresh.sh
	WHC_BINARY=$(CURDIR)/$(RELEASE) $(SWIFT) test --skip-build --filter DashboardTests
	$(MAKE) --no-print-directory e2e WHC_BINARY=$(CURDIR)/$(RELEASE) WHC_DEB=$(CURDIR)/$(DEB)

# The scripts use .build/debug's binary unless WHC_BINARY names another; the systemd one
# installs the package make deb wrote.
e2e:
	@for t in Tests/e2e/*.sh; do [ -e "$$t" ] || continue; echo "== $$t with $(or $(WHC_BINARY),$(DEBUG_BIN))"; \
	  WHC_BINARY=$(WHC_BINARY) WHC_DEB=$(WHC_DEB) bash "$$t" || exit 1; done

# libstdc++.a alone in a directory the release link searches first (see Package.swift).
STATIC_CXX := .build/static-libstdc++/libstdc++.a
# Every Swift function in its own section (ours and the packages'), so the link can place the
# ones a check runs side by side (bench/check.order); without it, whole-module builds put a
# module's internal functions in one .text per file, and the order could only move whole files.
# Concrete generic types by their metadata accessors, not by mangled name: a name is decoded at
# run time, and each generic requirement in it (String: Hashable, Int: AtomicValue, ...) costs a
# first-time conformance lookup that scans every conformance record in the binary (about 5,000),
# half of a check's instructions.
RELEASE_SWIFT_FLAGS := -Xswiftc -Xfrontend -Xswiftc -function-sections \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors

release: deps-build $(STATIC_CXX)
	@# SwiftPM does not know that the link reads check.order and check.ld: relink when they changed.
	@if [ bench/check.order -nt $(RELEASE) ] || [ bench/check.ld -nt $(RELEASE) ]; then rm -f $(RELEASE); fi
	@# No $$ORIGIN run path: nothing is loaded from beside the binary (lintian refuses one).
	@# The compiler skips code generation for a module whose IR has not changed, even when the
	@# code-generation flags have: objects built with other flags are removed first.
	@if [ "$$(cat .build/release-swift-flags 2>/dev/null)" != "$(RELEASE_SWIFT_FLAGS)" ]; then \
	  rm -rf .build/$$(uname -m)-unknown-linux-gnu/release && mkdir -p .build && \
	  echo "$(RELEASE_SWIFT_FLAGS)" >.build/release-swift-flags; fi
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath --product websocket-health-check \
	  $(RELEASE_SWIFT_FLAGS)

# The package, from the release binary the benchmarks measure; its man page is written by
# swift-argument-parser's generate-manual from the binary's own declarations.
DEB_DIR     := .build/deb
VERSION     := $(shell sed -n 's/^let packageVersion = "\(.*\)"$$/\1/p' Sources/Dashboard/CommandLine/Version.swift)
DEB         := $(DEB_DIR)/websocket-health-check_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb
MANUAL_TOOL := .build/debug/generate-manual
deb: deps-deb release
	$(SWIFT) build --product generate-manual
	MANUAL_TOOL=$(CURDIR)/$(MANUAL_TOOL) systemd/debian/build-deb $(RELEASE) $(DEB_DIR)

# No errors allowed; the warnings left are listed, with why, in the README.
lintian: deb
	lintian --fail-on error --info $(DEB)

$(STATIC_CXX):
	@archive=$$(clang -print-file-name=libstdc++.a 2>/dev/null); \
	[ -f "$$archive" ] || { echo "cannot find libstdc++.a (asked the Swift toolchain's clang):" \
	  "is Swift on PATH? then: apt-get install -y libstdc++-12-dev" >&2; exit 1; }; \
	mkdir -p $(@D) && ln -sf "$$archive" $@

bench: deps-bench release
	bench/check-vs-reference.sh
	bench/history-cost.sh
	bench/incident-cost.sh
	bench/dashboard-idle.sh
	bench/dashboard-box.sh
	bench/monit-vs-dashboard.sh

FUZZ_SECONDS ?= 60
fuzz: deps-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) Tests/Fuzz/fuzz.sh

fuzz-smoke: deps-build
	FUZZ_SECONDS=5 Tests/Fuzz/fuzz.sh

SOAK_SECONDS ?= 600
soak: deps-bench release
	SOAK_SECONDS=$(SOAK_SECONDS) Tests/soak/dashboard-soak.sh

# Not in make test: a debootstrap, two installs and a whole make test take 20-30 minutes.
fresh-machine:
	Tests/fresh-machine/fresh-debian.sh

check-order: deps-order release
	bench/check-order.sh
	@echo "next: make release (relinks with the new list), then make bench"

install: $(if $(INSTALL_BIN),,release)
	install -D -m 0755 $(or $(INSTALL_BIN),$(RELEASE)) $(DESTDIR)$(BINDIR)/websocket-health-check
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR)
	for unit in $(UNITS); do \
	  sed 's|@BINDIR@|$(BINDIR)|g' systemd/$$unit >$(DESTDIR)$(UNITDIR)/$$unit && chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit; \
	done
	install -m 0644 systemd/example.conf $(DESTDIR)$(CONFDIR)/example.conf
	install -D -m 0644 systemd/websocket-health-check.rules.yml \
	  $(DESTDIR)$(PREFIX)/share/websocket-health-check/websocket-health-check.rules.yml
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "installed; next: cp $(CONFDIR)/example.conf $(CONFDIR)/edge.conf, edit it, then"
	@echo "  systemctl enable --now websocket-health-check@edge.timer"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/websocket-health-check $(DESTDIR)$(CONFDIR)/example.conf \
	  $(DESTDIR)$(PREFIX)/share/websocket-health-check/websocket-health-check.rules.yml
	for unit in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$unit; done
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build
