# Talks — one non-recursive Makefile for every process, the tests and the tools.
#   make            release build into build/bin/
#   make run        install missing packages, build, run the whole stack in the foreground
#                   under `talksctl run`, which restarts a process that dies
#   make test       install test packages, build with ASan+UBSan into build/san/, run every suite
#   make bench      the performance benchmark (SPEC section 8), writes build/bench.json;
#                   SCALE=large runs it on 100 000 talks and a million comments
#   make fmt|lint|clean
MODE ?= release
ifeq ($(MODE),san)
OUT := build/san
MODE_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
MODE_LDFLAGS := -fsanitize=address,undefined
else
OUT := build
MODE_CFLAGS := -O2
MODE_LDFLAGS :=
endif

CC ?= gcc
PKGS := libh2o-evloop msgpack libsodium sqlite3 md4c-html freetype2 zlib
# libcurl's headers only: proto/tp_curl.c opens the library when a process first sends mail or
# asks a provider, so no process carries it until then.
HEADER_PKGS := libcurl
CFLAGS := -std=c17 -Wall -Wextra -Werror -g -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -MMD -MP \
	-Iproto $(MODE_CFLAGS) $(shell pkg-config --cflags $(PKGS) $(HEADER_PKGS) 2>/dev/null)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lmbedtls -lmbedx509 -lmbedcrypto -lssl -lcrypto -lpthread -lm
LDFLAGS := $(MODE_LDFLAGS)

# Each component: its sources but main.c go into an archive that its unit tests link too.
COMPONENTS := gateway svc-auth svc-talks svc-comments svc-mail cli
bin_gateway := talks-gateway
bin_svc-auth := talks-auth
bin_svc-talks := talks-talks
bin_svc-comments := talks-comments
bin_svc-mail := talks-mail
bin_cli := talksctl

PROTO_SRC := $(wildcard proto/*.c)
PROTO_LIB := $(OUT)/lib/libtp.a
obj = $(patsubst %.c,$(OUT)/obj/%.o,$(1))
lib_of = $(OUT)/lib/lib$(1).a

BINS := $(foreach c,$(COMPONENTS),$(OUT)/bin/$(bin_$(c)))
UNIT_SRC := $(wildcard tests/unit/*/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRC))

.PHONY: all run test unit integration bench fmt lint clean deps deps-test static
all: $(BINS) static

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(PROTO_LIB): $(call obj,$(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

define component_rules
$(call lib_of,$(1)): $(call obj,$(filter-out $(1)/main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(dir $$@)
	$(AR) rcs $$@ $$^
$(OUT)/bin/$(bin_$(1)): $(call obj,$(1)/main.c) $(call lib_of,$(1)) $(PROTO_LIB)
	@mkdir -p $$(dir $$@)
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_rules,$(c))))

# talksctl backup writes the version it was built from (git describe) into each manifest; the
# object is rebuilt when that changes (build/version holds the last one).
TALKS_VERSION := $(shell git describe --always --dirty 2>/dev/null)
$(OUT)/obj/cli/backup.o: CFLAGS += -DTALKS_VERSION='"$(TALKS_VERSION)"'
$(OUT)/obj/cli/backup.o: $(OUT)/version
$(OUT)/version: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TALKS_VERSION)' | cmp -s - $@ || echo '$(TALKS_VERSION)' > $@
.PHONY: FORCE
FORCE:

.SECONDEXPANSION:
.SECONDARY:
# Unit tests include the harness and the headers of the component they test.
$(OUT)/obj/tests/unit/%.o: CFLAGS += -Itests/unit
$(foreach c,$(COMPONENTS),$(eval $(OUT)/obj/tests/unit/$(c)/%.o: CFLAGS += -I$(c)))

# tests/unit/<component>/<file>.c links that component's archive (proto's tests only libtp).
unit_component = $(word 3,$(subst /, ,$(1)))
$(OUT)/tests/%: $(OUT)/obj/tests/unit/%.o $(OUT)/obj/tests/unit/check.o $(PROTO_LIB) \
		$$(if $$(filter proto,$$(call unit_component,tests/unit/$$*)),,$$(call lib_of,$$(call unit_component,tests/unit/$$*)))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter-out $(PROTO_LIB),$(filter %.a,$^)) $(PROTO_LIB) $(LDLIBS)

# tests/tools/: programs the integration tests run (busprobe: an outsider on the bus).
TOOLS := $(OUT)/tests/tools/busprobe
$(OUT)/tests/tools/busprobe: $(OUT)/obj/tests/tools/busprobe.o $(PROTO_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Stand-ins for libcurl.so.4 that tests/unit/proto/tp_curl.c opens (in tools/, which
# tests/run_all.py does not run): every function tp_curl binds, or only two of them.
FAKE_CURLS := $(OUT)/tests/tools/libfake_curl_full.so $(OUT)/tests/tools/libfake_curl_partial.so
TOOLS += $(FAKE_CURLS)
$(OUT)/tests/tools/libfake_curl_full.so: tests/tools/fake_libcurl.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -Wall -Wextra -Werror -shared -fPIC -o $@ $<
$(OUT)/tests/tools/libfake_curl_partial.so: tests/tools/fake_libcurl.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -Wall -Wextra -Werror -shared -fPIC -DFAKE_CURL_PARTIAL -o $@ $<
$(OUT)/tests/proto/tp_curl: $(FAKE_CURLS)

# Preloaded into a service by tests/integration/test_stop_deadline.py: nng_close hangs.
HANG_NNG_CLOSE := $(OUT)/tests/tools/libhang_nng_close.so
TOOLS += $(HANG_NNG_CLOSE)
$(HANG_NNG_CLOSE): tests/tools/hang_nng_close.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

# Templates and static files go to share/talks beside bin/; Bootstrap comes from Debian's
# libjs-bootstrap5, copied next to our own assets.
BOOTSTRAP := /usr/share/javascript/bootstrap5
SHARE := $(OUT)/share/talks
static: $(SHARE)/.stamp
$(SHARE)/.stamp: $(wildcard gateway/static/* gateway/templates/* svc-mail/templates/*)
	@mkdir -p $(SHARE)/static/vendor $(SHARE)/templates
	cp $(BOOTSTRAP)/css/bootstrap.min.css $(BOOTSTRAP)/js/bootstrap.bundle.min.js $(SHARE)/static/vendor/
	cp -r gateway/static/. $(SHARE)/static/
	rm -f $(SHARE)/templates/*.mustache $(SHARE)/mail/*.mustache
	cp gateway/templates/*.mustache $(SHARE)/templates/
	@mkdir -p $(SHARE)/mail
	cp svc-mail/templates/*.mustache $(SHARE)/mail/
	@touch $@

deps:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test

# The supervisor (cli/run.c): restarts a process that dies, stops everything on Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory all
	@exec build/bin/talksctl run

unit: $(UNIT_BINS) $(TOOLS)

test: deps-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory MODE=san all unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@/usr/bin/python3 tests/run_all.py --build build/san

# SCALE=large: 100 000 talks and a million comments instead of 10 000 talks (bench/run.py --scale).
bench:
	@/usr/bin/python3 bench/run.py $(if $(SCALE),--scale $(SCALE))

fmt:
	clang-format -i $(shell git ls-files '*.c' '*.h')

lint:
	clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build

# ---- Fuzzing ----------------------------------------------------------------------------------
# libFuzzer targets, built with clang and ASan+UBSan whatever MODE is, into build/fuzz/. Each
# target checks the promises of its parser and crashes when one is broken.
#   make fuzz         runs every target for 60 s
#   make fuzz-smoke   every target for a few seconds (make test runs it)
# New inputs go to build/fuzz/<target>-corpus/, a crash to build/fuzz/<target>-crash-*: keep it
# as a regression input in tests/fuzz/<target>/corpus/ beside its fix.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c17 -Wall -Wextra -Werror -g -O1 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Iproto \
	-Isvc-comments -Igateway -Isvc-mail -I/usr/include/x86_64-linux-gnu -I/usr/include/freetype2 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS := markdown msg form template embed mail_header json replies trusted_proxy
FUZZ_COMMON := proto/tp_buf.c proto/tp_utf8.c proto/tp_arena.c proto/tp_decode.c proto/tp_w_tree.c \
	proto/tp_fmt.c
fuzz_src_markdown := svc-comments/markdown.c svc-comments/html_tokens.c
fuzz_src_msg := proto/tp_msg.c
fuzz_src_form := gateway/form.c
fuzz_src_trusted_proxy := gateway/trusted_proxy.c
fuzz_src_template := proto/tp_template.c proto/tp_msg.c
fuzz_src_embed := proto/tp_embed.c proto/tp_url.c
fuzz_src_mail_header := svc-mail/message.c proto/tp_url.c
fuzz_src_json := proto/tp_json.c proto/tp_msg.c
fuzz_src_replies := gateway/reply.c gateway/talk_view.c gateway/comment_view.c gateway/pager.c \
	gateway/excerpt.c gateway/og_card.c proto/tp_log.c \
	proto/tp_msg.c proto/tp_template.c proto/tp_json.c proto/tp_err.c
FUZZ_LIBS := -lmd4c -lmsgpackc -lsodium -lfreetype -lz
FUZZ_SMOKE_SECONDS ?= 3

.PHONY: fuzz fuzz-smoke
build/fuzz/fuzz_%: tests/fuzz/$$*/fuzz_$$*.c $$(fuzz_src_$$*) $(FUZZ_COMMON) $(wildcard proto/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

# $(1): target, $(2): seconds. Quiet on success, the log's tail on a failure.
fuzz_run = mkdir -p build/fuzz/$(1)-corpus && build/fuzz/fuzz_$(1) -max_total_time=$(2) -timeout=10 \
	-max_len=17000 -artifact_prefix=build/fuzz/$(1)- $(patsubst %,-dict=%,$(wildcard tests/fuzz/$(1)/*.dict)) \
	build/fuzz/$(1)-corpus tests/fuzz/$(1)/corpus > build/fuzz/$(1).log 2>&1 \
	&& echo "fuzz: $(1) $$(tail -n 1 build/fuzz/$(1).log)" \
	|| { tail -n 40 build/fuzz/$(1).log; exit 1; }

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),60) &&) true

fuzz-smoke: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_SMOKE_SECONDS)) &&) true

# ---- Docker (compose/, docs/operations.md) ---------------------------------------------------
#   make image-base     makes the base image debian:bookworm-slim with debootstrap when the engine
#                       lacks it (no image registry needed); does nothing when it is there
#   make compose-test   the Docker tests (tests/compose/): builds the image, runs the compose
#                       stack with 3 comment replicas under failures, down/up, with docker-compose
#                       and with Compose v2 (built with Go and cached when not installed), then
#                       compose/stack.yml on a one-node swarm; removes all it made.
#                       Prints a SKIP line for what cannot run (no Docker daemon answers).
.PHONY: image-base compose-test
image-base:
	@scripts/mkbase.sh

compose-test: deps-test
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/compose

-include $(shell find build -name '*.d' 2>/dev/null)
