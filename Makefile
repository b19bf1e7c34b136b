# restreamer (C++): `make` builds bin/server and bin/source; `make run`, `make test`, `make bench`.
# SANITIZE=address (ASan+UBSan) or SANITIZE=thread builds into build/<variant>/ and tests those binaries.

CXX      ?= g++
CXXFLAGS ?= -O2 -g
# Debian's libcpp-httplib is built with OpenSSL: its headers must be read the same way (the layout
# of httplib::Request depends on it).
CXXFLAGS += -std=c++17 -Wall -Wextra -pthread -MMD -MP -I. -DCPPHTTPLIB_OPENSSL_SUPPORT
LDLIBS   := -lcrypto -pthread  # common/credentials hashes with OpenSSL

SANITIZE ?=
ifeq ($(SANITIZE),address)
  CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS  += -fsanitize=address,undefined
else ifeq ($(SANITIZE),thread)
  CXXFLAGS += -fsanitize=thread
  LDFLAGS  += -fsanitize=thread
else ifneq ($(SANITIZE),)
  $(error SANITIZE must be address or thread)
endif

VARIANT := $(if $(SANITIZE),$(SANITIZE),release)
OBJ     := build/$(VARIANT)/obj
BIN     := $(if $(SANITIZE),build/$(VARIANT)/bin,bin)

# Every .cpp under a folder; each folder but test/ is also an archive, so each binary and the unit
# tests link only the objects they use, and no list of files is kept by hand.
sources = $(shell find $(1) -name '*.cpp' | sort)
COMMON_SRC := $(call sources,common)
SERVER_SRC := $(filter-out server/service/main.cpp,$(call sources,server))
SOURCE_SRC := $(filter-out source/main.cpp,$(call sources,source))
UNIT_SRC   := $(call sources,test/unit)

objs = $(patsubst %.cpp,$(OBJ)/%.o,$(1))
LIBCOMMON := $(OBJ)/libcommon.a
LIBSERVER := $(OBJ)/libserver.a
LIBSOURCE := $(OBJ)/libsource.a

SERVER_LIBS := -lcpp-httplib -lprometheus-cpp-core -lssl -lcrypto -lsystemd

.PHONY: all deps run test bench bench-programs bench-players bench-lineup soak clean
all: $(BIN)/server $(BIN)/source $(BIN)/ts_check $(BIN)/tls_forward $(BIN)/ts_pipe

$(LIBCOMMON): $(call objs,$(COMMON_SRC))
$(LIBSERVER): $(call objs,$(SERVER_SRC))
$(LIBSOURCE): $(call objs,$(SOURCE_SRC))
$(LIBCOMMON) $(LIBSERVER) $(LIBSOURCE):
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/server: $(call objs,server/service/main.cpp) $(LIBSERVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(LDLIBS)

$(BIN)/source: $(call objs,source/main.cpp) $(LIBSOURCE) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/ts_check: $(call objs,test/tools/ts_check.cpp) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/ts_pipe: $(call objs,test/tools/ts_pipe.cpp) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/tls_forward: $(call objs,test/tools/tls_forward.cpp) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ -lssl -lcrypto $(LDLIBS)

# The bench's parts, also linked by bin/lineup_client (test/bench/lineup.sh).
LIBBENCH := $(OBJ)/libbench.a
$(LIBBENCH): $(call objs,$(filter-out test/bench/bench_main.cpp test/bench/micro/%,$(call sources,test/bench)))
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/bench: $(call objs,test/bench/bench_main.cpp) $(LIBBENCH) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/lineup_client: $(call objs,test/tools/lineup_client.cpp) $(LIBBENCH) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The reader's CPU per GB with and without the TR 101 290 checks (docs/design.md).
$(BIN)/tr101290_cost: $(call objs,test/bench/micro/tr101290_cost.cpp) $(LIBSERVER) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/unit_tests: $(call objs,$(UNIT_SRC)) $(LIBSERVER) $(LIBSOURCE) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(LDLIBS)

$(OBJ)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c -o $@ $<

-include $(shell find build -name '*.d' -type f 2>/dev/null)

# install_missing PACKAGES: a recipe that apt-get installs those of PACKAGES not installed yet; the
# servers among them (nginx, haproxy, prometheus) start no service meanwhile (a policy-rc.d that
# says no, while apt-get runs, when the machine has none).
install_missing = missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
if [ -n "$$missing" ]; then \
  echo "installing:" $$missing; \
  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
    printf '\#!/bin/sh\n\# make deps: the servers installed for the tests (nginx, haproxy, prometheus) start no service\nexit 101\n' \
      >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1; fi; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; rc=$$?; \
  if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
  [ $$rc -eq 0 ] || exit $$rc; \
fi

# Installs the Debian packages the build, `make run` and the tests need, when any is missing.
PACKAGES := g++ make libcpp-httplib-dev rapidjson-dev catch2 libssl-dev openssl prometheus-cpp-dev prometheus ffmpeg curl procps iproute2 python3 haproxy chromium mpv python3-m3u8 \
            nginx-light vlc-bin vlc-plugin-base libsystemd-dev systemd lintian dpkg-dev man-db adduser dvbpsi-utils tstools
deps:
	@$(call install_missing,$(PACKAGES))
	@# npm (for hls.js) by command, not by package: a Node.js from another repository brings its own
	@# npm, which Debian's npm package would conflict with.
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }

SAMPLE := build/media/sample.ts
$(SAMPLE):
	@mkdir -p $(@D)
	@sh test/make_sample.sh $@

# hls.js for the browser test (test/e2e/hls_plays_in_chromium.sh), from npm once; the test serves
# it from the server under test, never from a CDN.
HLSJS := build/web/hls.min.js
$(HLSJS):
	@mkdir -p build/npm $(@D)
	@npm install --silent --no-audit --no-fund --prefix build/npm hls.js@1.7.4 >/dev/null
	@cp build/npm/node_modules/hls.js/dist/hls.min.js $@

run: deps
	@$(MAKE) --no-print-directory all $(SAMPLE)
	@bash test/run_demo.sh $(SAMPLE)

test: deps
	@$(MAKE) --no-print-directory all $(BIN)/unit_tests $(BIN)/bench $(BIN)/lineup_client $(SAMPLE) $(HLSJS)
	@BIN=$(BIN) SAMPLE=$(SAMPLE) bash test/run_tests.sh

# The benchmark (not part of `make test`; test/bench/README.md): bin/server against the bench's floor
# server on an 8 Mbit/s and a 1 Mbit/s stream, three runs, a table of medians at the end (about 10
# minutes). Options: make bench BENCH_ARGS="--runs 1 --clients 100 --storm 0 --many 500".
BENCH_MEDIA     := build/media/bench.ts
BENCH_LOW_MEDIA := build/media/bench-1mbit.ts
$(BENCH_MEDIA):
	@mkdir -p $(@D)
	@sh test/make_sample.sh $@ bench
$(BENCH_LOW_MEDIA):
	@mkdir -p $(@D)
	@sh test/make_sample.sh $@ bench-1mbit

bench: deps
	@$(MAKE) --no-print-directory all $(BIN)/bench $(BENCH_MEDIA) $(BENCH_LOW_MEDIA)
	@$(BIN)/bench --bin $(BIN) --stream $(BENCH_MEDIA) --low-stream $(BENCH_LOW_MEDIA) $(BENCH_ARGS)

# Program outputs (not part of `make test`; test/bench/README.md): 200 viewers spread over the 5
# programs of a 40 Mbit/s MPTS (?program=1..5) against 200 of the unfiltered 8 Mbit/s stream.
# Options: make bench-programs BENCH_ARGS="--runs 1 --programs 50".
BENCH_MPTS_MEDIA := build/media/bench-mpts.ts
$(BENCH_MPTS_MEDIA): $(BENCH_MEDIA)
	@sh test/make_sample.sh $@ mpts $(BENCH_MEDIA) 5 40000
bench-programs: deps
	@$(MAKE) --no-print-directory all $(BIN)/bench $(BENCH_MEDIA) $(BENCH_MPTS_MEDIA)
	@$(BIN)/bench --bin $(BIN) --stream $(BENCH_MEDIA) --mpts-stream $(BENCH_MPTS_MEDIA) --clients 0 --storm 0 \
	  --many 0 --hls 0 --edge-seconds 0 --rate 100 --programs 200 $(BENCH_ARGS)

# First picture per player (not part of `make test`; test/bench/README.md): ffmpeg, GStreamer,
# MPlayer, mpv and VLC against bin/server with each prebuffer, medians of RUNS. Installs the players.
# Options: make bench-players RUNS=3 PREBUFFERS="0 3 8" PLAYERS="ffmpeg mpv".
bench-players: deps
	@$(MAKE) --no-print-directory all $(SAMPLE)
	@BIN=$(BIN) SAMPLE=$(SAMPLE) bash test/bench/first_picture.sh

# The lineup (not part of `make test`; test/bench/README.md, "The lineup"): LINEUP_CHANNELS (300)
# on-demand multicast channels in two network namespaces (root), idle, under LINEUP_VIEWERS viewers, and
# zapped through. Options are LINEUP_* environment variables (see test/bench/lineup.sh); LINEUP_MEDIA
# is the stream every channel carries (default the 2 Mbit/s sample).
LINEUP_MEDIA ?= $(SAMPLE)
bench-lineup: deps
	@$(MAKE) --no-print-directory all $(BIN)/lineup_client $(LINEUP_MEDIA)
	@BIN=$(BIN) SAMPLE=$(LINEUP_MEDIA) bash test/bench/lineup.sh

# The soak test (not part of `make test`; test/soak/README.md): SOAK_MINUTES (default 5) of viewer
# churn, upstream kills, reloads, slow heads and connection floods against $(BIN)/server, which must
# keep its long viewers continuity-clean and not grow in RSS, threads or open files.
SOAK_MINUTES ?= 5
soak: deps
	@$(MAKE) --no-print-directory all $(SAMPLE)
	@BIN=$(BIN) SAMPLE=$(SAMPLE) SOAK_MINUTES=$(SOAK_MINUTES) bash test/soak/soak.sh

clean:
	rm -rf build bin

# ==== Fuzzing (issue 6) ===========================================================================
# `make fuzz`: the libFuzzer targets in test/fuzz/ (fuzz_<name>.cpp), built with clang into
# build/fuzz/ and run FUZZ_SECONDS (default 60) each by test/fuzz/run_fuzzers.sh. New inputs go to
# build/fuzz/corpus/<name>/; FUZZ_MERGE=1 merges the ones that add coverage into the committed
# test/fuzz/corpus/<name>/. FUZZ_TARGETS="ts url" runs a subset.
# `make test` replays the committed corpus without clang: $(BIN)/fuzz_<name>_replay is the same
# target built with $(CXX) and the SANITIZE flags around test/fuzz/replay_main.cpp, and
# test/e2e/fuzz_corpus_replays.sh runs it.
FUZZ_ALL      := ts video_rap config url http
FUZZ_TARGETS  ?= $(FUZZ_ALL)
FUZZ_SECONDS  ?= 60
FUZZ_MERGE    ?=
FUZZ_CXX      ?= clang++
FUZZ_DIR      := build/fuzz
FUZZ_PACKAGES := clang libclang-rt-14-dev
# -fno-sanitize-recover: UBSan stops at the first report, so libFuzzer saves the input as a crash.
# The ignorelist names the one third-party report left out (see the file).
FUZZ_FLAGS    := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
                 -fsanitize-ignorelist=test/fuzz/ubsan_ignorelist.txt
FUZZ_CXXFLAGS := $(FUZZ_FLAGS) -std=c++17 -Wall -Wextra -pthread -MMD -MP -I.
# For whatever part of common/ a parser comes to use (credentials.cpp hashes with OpenSSL).
FUZZ_LIBS     := -lssl -lcrypto
FUZZ_REPLAY_BINS := $(foreach t,$(FUZZ_ALL),$(BIN)/fuzz_$(t)_replay)

.PHONY: fuzz fuzz-deps fuzz-replay-bins

fuzz-deps:
	@$(call install_missing,$(FUZZ_PACKAGES))

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MERGE=$(FUZZ_MERGE) \
	  bash test/fuzz/run_fuzzers.sh

# All of common/ in one archive: each target links only the objects it uses.
$(FUZZ_DIR)/libcommon.a: $(patsubst %.cpp,$(FUZZ_DIR)/obj/%.o,$(COMMON_SRC))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/test/fuzz/fuzz_%.o $(FUZZ_DIR)/libcommon.a
	$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $^ $(FUZZ_LIBS) -pthread

$(FUZZ_DIR)/obj/%.o: %.cpp test/fuzz/ubsan_ignorelist.txt
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c -o $@ $<

# Named here so that make keeps these objects instead of deleting them as intermediate files.
.SECONDARY: $(foreach t,$(FUZZ_ALL),$(FUZZ_DIR)/obj/test/fuzz/fuzz_$(t).o $(OBJ)/test/fuzz/fuzz_$(t).o) \
            $(OBJ)/test/fuzz/replay_main.o

$(BIN)/fuzz_%_replay: $(OBJ)/test/fuzz/fuzz_%.o $(OBJ)/test/fuzz/replay_main.o $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS) $(LDLIBS)

fuzz-replay-bins: deps
	@$(MAKE) --no-print-directory $(FUZZ_REPLAY_BINS)

test: fuzz-replay-bins
# ==== end of fuzzing ==============================================================================

# ==== Install and package (issue 20) ==============================================================
# `make install` (PREFIX=/usr/local; DESTDIR honoured): the server as $(SBINDIR)/restreamer, the
# commented example config in $(CONFDIR) (restreamer.json only when there is none, so an admin's file
# is kept; restreamer.json.example always), the systemd unit, the sysusers.d entry for its user, the
# man page and contrib/'s examples (HAProxy, dashboards, alerts) under $(DOCDIR)/examples/.
# `make uninstall` removes what install put there; restreamer.json only while it is the unmodified
# example. SERVER_BINARY names another build (the tests pass $BIN/server).
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
SYSCONFDIR    ?= /etc
CONFDIR       := $(SYSCONFDIR)/restreamer
MANDIR        ?= $(PREFIX)/share/man
DOCDIR        ?= $(PREFIX)/share/doc/restreamer
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
SERVER_BINARY ?= $(BIN)/server
VERSION       := $(shell sed -n 's/.*kVersion = "\(.*\)";/\1/p' server/service/main.cpp)
EXAMPLES      := $(filter-out contrib/systemd/% contrib/debian/% contrib/restreamer.json,$(shell find contrib -type f | sort))
EXAMPLE_DIRS  := $(sort $(dir $(patsubst contrib/%,$(DOCDIR)/examples/%,$(EXAMPLES))))
INSTALLED     := $(SBINDIR)/restreamer $(CONFDIR)/restreamer.json.example $(UNITDIR)/restreamer.service \
                 $(SYSUSERSDIR)/restreamer.conf $(MANDIR)/man8/restreamer.8 \
                 $(patsubst contrib/%,$(DOCDIR)/examples/%,$(EXAMPLES))

.PHONY: install uninstall deb
install: $(SERVER_BINARY)
	install -D -m 0755 $(SERVER_BINARY) $(DESTDIR)$(SBINDIR)/restreamer
	install -D -m 0644 docs/restreamer.8 $(DESTDIR)$(MANDIR)/man8/restreamer.8
	install -D -m 0644 contrib/systemd/restreamer.sysusers $(DESTDIR)$(SYSUSERSDIR)/restreamer.conf
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' contrib/systemd/restreamer.service.in \
	  >$(DESTDIR)$(UNITDIR)/restreamer.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/restreamer.service
	install -D -m 0640 contrib/restreamer.json $(DESTDIR)$(CONFDIR)/restreamer.json.example
	@if [ -e $(DESTDIR)$(CONFDIR)/restreamer.json ]; then echo "kept $(DESTDIR)$(CONFDIR)/restreamer.json"; \
	else install -m 0640 contrib/restreamer.json $(DESTDIR)$(CONFDIR)/restreamer.json; fi
	@# The config may hold passwords: readable by the service's group only (once the user exists).
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && getent group restreamer >/dev/null; then \
	  chgrp restreamer $(CONFDIR)/restreamer.json $(CONFDIR)/restreamer.json.example; fi
	@for f in $(EXAMPLES); do install -D -m 0644 $$f $(DESTDIR)$(DOCDIR)/examples/$${f#contrib/} || exit 1; done

uninstall:
	@if [ -e $(DESTDIR)$(CONFDIR)/restreamer.json ] && ! cmp -s contrib/restreamer.json $(DESTDIR)$(CONFDIR)/restreamer.json; \
	then echo "kept $(DESTDIR)$(CONFDIR)/restreamer.json: it differs from the example"; \
	else rm -f $(DESTDIR)$(CONFDIR)/restreamer.json; fi
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@# Only the folders that are restreamer's own, deepest first.
	@for d in $(sort $(EXAMPLE_DIRS)) $(DOCDIR)/examples $(DOCDIR) $(CONFDIR); do echo $$d; done | sort -r | \
	  while read -r d; do [ ! -d "$(DESTDIR)$$d" ] || rmdir --ignore-fail-on-non-empty "$(DESTDIR)$$d"; done

# `make deb`: $(DEB_DIR)/restreamer_$(VERSION)_$(DEB_ARCH).deb with dpkg-deb, from `make install` into
# a staging root (PREFIX=/usr, the unit in /lib/systemd/system) and contrib/debian/: the config as a
# conffile, postinst creating the system user, postrm purge removing it, Depends from dpkg-shlibdeps.
DEB_DIR  ?= build/deb
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB      := $(DEB_DIR)/restreamer_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT := $(abspath $(DEB_DIR))/root
DEB_DOC  := $(DEB_ROOT)/usr/share/doc/restreamer

deb: $(SERVER_BINARY)
	@rm -rf $(DEB_ROOT) $(DEB_DIR)/src
	@mkdir -p $(DEB_ROOT)/DEBIAN $(DEB_DIR)/src/debian
	@$(MAKE) --no-print-directory -s install DESTDIR=$(DEB_ROOT) PREFIX=/usr UNITDIR=/lib/systemd/system \
	  SYSUSERSDIR=/usr/lib/sysusers.d SERVER_BINARY=$(SERVER_BINARY)
	strip --strip-unneeded --remove-section=.comment --remove-section=.note $(DEB_ROOT)/usr/sbin/restreamer
	gzip -9n $(DEB_ROOT)/usr/share/man/man8/restreamer.8
	install -m 0644 contrib/debian/copyright $(DEB_DOC)/copyright
	gzip -9nc contrib/debian/changelog >$(DEB_DOC)/changelog.gz
	install -m 0755 contrib/debian/postinst contrib/debian/prerm contrib/debian/postrm $(DEB_ROOT)/DEBIAN/
	printf '%s\n' /etc/restreamer/restreamer.json /etc/restreamer/restreamer.json.example >$(DEB_ROOT)/DEBIAN/conffiles
	cd $(DEB_ROOT) && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums
	@# dpkg-shlibdeps wants a debian/control in its working directory.
	printf 'Source: restreamer\n\nPackage: restreamer\nArchitecture: any\n' >$(DEB_DIR)/src/debian/control
	depends=$$(cd $(DEB_DIR)/src && dpkg-shlibdeps -O $(DEB_ROOT)/usr/sbin/restreamer | sed -n 's/^shlibs:Depends=//p'); \
	[ -n "$$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }; \
	size=$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1); \
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' -e "s|@DEPENDS@|$$depends|" -e "s|@INSTALLED_SIZE@|$$size|" \
	  contrib/debian/control.in >$(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB)
