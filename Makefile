# rstguard - one Makefile for both halves (README.md has the user's view).
#
#   make            build/rstscan and build/ngx_http_rstguard_module.so
#   make test       install what is missing, build, run every Criterion suite
#   make demo       install what is missing, run the end-to-end demo
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages (prints the command if not root)
#   make asan       unit and analyzer suites under ASan + UBSan (build/asan)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (build/fuzz)
#   make valgrind   nginx + the module under valgrind: aborts and a reload
#   make bench      rstscan throughput against cat, grep, rg, GoAccess, gzip
#   make bench-module  the module's cost per request and under an abort flood
#   make matrix NGINX_SRC="DIR..."  build each nginx source tree with the
#                   module, nginx -t, the integration suite against it; one
#                   table (MATRIX_STATIC=DIR: the tree also built static)

SHELL         := /bin/bash
.DEFAULT_GOAL := all
.SUFFIXES:

BUILD       := build
NGX_SRC     ?= /usr/share/nginx/src
NGINX       ?= /usr/sbin/nginx
PREFIX      ?= /usr/local
DESTDIR     ?=
# nginx's modules directory and Debian's place for module load files
NGX_MODDIR  ?= /usr/lib/nginx/modules
NGX_LOADDIR ?= /usr/share/nginx/modules-available
NGX_ENABLED ?= /etc/nginx/modules-enabled

CC          ?= cc
CFLAGS      ?= -O2 -g
STRICT      := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
# analyzer/'s folders along the pipeline, lowest first: a file includes
# headers of its own folder or of one before it (analyzer/README.md; make
# lint checks).  A source left in analyzer/ itself still builds, and make
# lint names it.
AN_DIRS     := time layout input parse detect agg scan simulate findings \
               report cli
CPPFLAGS    += -Icore $(AN_DIRS:%=-Ianalyzer/%) -Ianalyzer -Itests/lib -MMD -MP
# rstscan inflates gzip with ISA-L; zlib only writes the unit tests' gzip files
LIBS        := -lpcre2-8 -lyaml -ljansson -lisal -lzstd -lpthread -lm

CORE_SRCS   := $(sort $(wildcard core/*.c))
CORE_OBJS   := $(CORE_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/rg_shipped_rules.o
AN_MAIN     := analyzer/cli/main.c
AN_SRCS     := $(filter-out $(AN_MAIN),$(sort $(wildcard analyzer/*.c analyzer/*/*.c)))
AN_OBJS     := $(AN_SRCS:%.c=$(BUILD)/%.o)
RULES       := $(sort $(wildcard rules/*.yaml))

# the version, kept in one place: VERSION (debian/changelog must agree,
# tests/unit/test_version.c checks)
VERSION     := $(shell cat VERSION)

LIBCORE     := $(BUILD)/libcore.a
LIBANALYZER := $(BUILD)/libanalyzer.a
RSTSCAN     := $(BUILD)/rstscan

NGX_BUILD   := $(abspath $(BUILD)/nginx)
MODULE_SO   := $(BUILD)/ngx_http_rstguard_module.so
MODULE_FILES = $(sort $(wildcard core/*.c core/*.h module/*.c module/*.h))

TLIB_SRCS   := $(sort $(wildcard tests/lib/*.c))
TLIB_OBJS   := $(TLIB_SRCS:%.c=$(BUILD)/%.o)
TUNIT_SRCS  := $(sort $(wildcard tests/unit/*.c))
TUNIT_OBJS  := $(TUNIT_SRCS:%.c=$(BUILD)/%.o)
TINT_SRCS   := $(sort $(wildcard tests/integration/*.c))
TINT_OBJS   := $(TINT_SRCS:%.c=$(BUILD)/%.o)
TOOL_SRCS   := $(sort $(wildcard tests/tools/*.c))
TOOLS       := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/%)
# make deb's output (and its stamp, a prerequisite of check)
DEB_DIR     := $(BUILD)/deb
DEB_STAMP   := $(DEB_DIR)/.built
UNIT_TESTS  := $(BUILD)/tests/unit_tests
INT_TESTS   := $(BUILD)/tests/integration_tests

.PHONY: all module rstscan tools tests deps test check demo install clean lint FORCE
.PHONY: asan fuzz fuzzers valgrind
.PHONY: bench bench-module deb matrix

all: $(RSTSCAN) $(MODULE_SO)

rstscan: $(RSTSCAN)
module: $(MODULE_SO)
tools: $(TOOLS)
# loggen makes the large realistic log the gzip scan test compares
tests: $(UNIT_TESTS) $(INT_TESTS) $(TOOLS) $(BUILD)/loggen

# --- core/ and analyzer/: C11, every warning an error -----------------------

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(STRICT) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

# rstscan --version prints VERSION; options.o is rebuilt when it changes
$(BUILD)/analyzer/cli/options.o: VERSION
$(BUILD)/analyzer/cli/options.o: CPPFLAGS += -DRS_VERSION='"$(VERSION)"'

$(BUILD)/gen/rg_shipped_rules.c: $(RULES) scripts/embed-rules.sh
	@mkdir -p $(@D)
	scripts/embed-rules.sh $@ $(RULES)

$(BUILD)/gen/rg_shipped_rules.o: $(BUILD)/gen/rg_shipped_rules.c
	$(CC) $(STRICT) $(CFLAGS) -Icore -c $< -o $@

$(LIBCORE): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBANALYZER): $(AN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(RSTSCAN): $(AN_MAIN:%.c=$(BUILD)/%.o) $(LIBANALYZER) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# --- the nginx module, built against an nginx source tree ------------------
# NGX_SRC is Debian's nginx-dev tree by default (its conf_flags give the
# configure arguments); any other nginx source tree works too, configured
# with the arguments of the binary NGINX that will load the module
# (scripts/configure-module.sh).  configure runs again only when
# module/config, the set of source files or NGX_SRC/NGINX change; an edited
# .c file is rebuilt by nginx's own make, an edited rule file is embedded
# again below.

NGX_RULES_C := $(NGX_BUILD)/addon/rstguard/rg_shipped_rules.c

$(NGX_BUILD)/sources.list: FORCE
	@mkdir -p $(@D)
	@echo "$(MODULE_FILES) $(RULES) $(NGX_SRC) $(NGINX)" | cmp -s - $@ \
	   || echo "$(MODULE_FILES) $(RULES) $(NGX_SRC) $(NGINX)" > $@

$(NGX_BUILD)/Makefile: module/config $(NGX_BUILD)/sources.list scripts/configure-module.sh
	NGX_SRC=$(NGX_SRC) NGINX=$(NGINX) scripts/configure-module.sh $(NGX_BUILD) $(abspath module)

$(MODULE_SO): $(NGX_BUILD)/Makefile $(RULES) FORCE
	@scripts/embed-rules.sh $(NGX_RULES_C) $(RULES)
	@unset MAKEFLAGS MAKEOVERRIDES MFLAGS; \
	 $(MAKE) --no-print-directory -f $(NGX_BUILD)/Makefile -C $(NGX_SRC) modules \
	   > $(NGX_BUILD)/make.log 2>&1 \
	   || { cat $(NGX_BUILD)/make.log; echo "module build failed" >&2; exit 1; }; \
	 grep -E '^[[:space:]]+/.*\.c$$' $(NGX_BUILD)/make.log | sed -E 's|^[[:space:]]+|  CC (nginx) |' || true
	@cmp -s $(NGX_BUILD)/ngx_http_rstguard_module.so $@ \
	   || { cp $(NGX_BUILD)/ngx_http_rstguard_module.so $@; echo "built $@"; }

# --- the nginx version matrix, run by hand (needs nginx source trees) --------
NGINX_SRC     ?=
MATRIX_STATIC ?= $(lastword $(NGINX_SRC))

matrix: all tests
	@test -n "$(NGINX_SRC)" || { echo 'make matrix NGINX_SRC="DIR..."' >&2; exit 2; }
	nice -n 10 scripts/matrix.sh $(if $(MATRIX_STATIC),--static $(MATRIX_STATIC)) $(NGINX_SRC)

# --- tests: Criterion, one runner for unit and integration suites -----------

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BUILD)/tests/integration/%.o: tests/integration/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BUILD)/tests/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(UNIT_TESTS): $(TUNIT_OBJS) $(TLIB_OBJS) $(LIBANALYZER) $(LIBCORE)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion -lnghttp2 $(LIBS) -lz

$(INT_TESTS): $(TINT_OBJS) $(TLIB_OBJS) $(LIBANALYZER) $(LIBCORE)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion -lnghttp2 $(LIBS)

$(TOOLS): $(BUILD)/%: $(BUILD)/tests/tools/%.o $(TLIB_OBJS) $(LIBCORE)
	$(CC) $(CFLAGS) -o $@ $^ -lnghttp2 $(LIBS)

# --- the two commands a newcomer runs ----------------------------------------

deps:
	@scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory check

# as root, the integration suite runs a second time as an ordinary user;
# also as root, the Debian packages are built for the install test (which
# is skipped as an ordinary user: it needs apt-get)
check: all tests $(if $(filter 0,$(shell id -u)),$(DEB_STAMP))
	@scripts/run-tests.sh $(UNIT_TESTS) $(INT_TESTS)
	@scripts/test-as-user.sh $(INT_TESTS)

demo: deps
	@$(MAKE) --no-print-directory all tools
	@scripts/demo.sh

# --- hardening: sanitizers, fuzzing, valgrind (scripts/asan.sh, fuzz.sh,
# valgrind.sh).  Sanitized builds live in their own build directories so they
# never mix with the normal build; warnings are not errors there (the normal
# build enforces them) so a compiler difference cannot hide a finding.

HARDEN_PACKAGES := clang libclang-rt-14-dev valgrind
SAN_CFLAGS      := -O1 -g -fno-omit-frame-pointer -Wno-error
FUZZ_CC         ?= clang-14
FUZZ_SECONDS    ?= 60
FUZZ_SRCS       := $(sort $(wildcard tests/fuzz/*.c))
FUZZERS         := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzzers/%)

asan:
	@RSTGUARD_EXTRA_PACKAGES="$(HARDEN_PACKAGES)" scripts/deps.sh
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
	    CFLAGS="$(SAN_CFLAGS) -fsanitize=address,undefined" \
	    $(BUILD)/asan/tests/unit_tests $(BUILD)/asan/rstscan
	@scripts/asan.sh $(BUILD)/asan

# inside the sub-make BUILD is build/fuzz: every object carries the fuzzer's
# coverage instrumentation, only the targets link libFuzzer's main()
fuzzers: $(FUZZERS)

$(FUZZERS): $(BUILD)/fuzzers/%: $(BUILD)/tests/fuzz/%.o $(LIBANALYZER) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz:
	@RSTGUARD_EXTRA_PACKAGES="$(HARDEN_PACKAGES)" scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=$(FUZZ_CC) \
	    CFLAGS="$(SAN_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined" \
	    fuzzers
	@scripts/fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

valgrind:
	@RSTGUARD_EXTRA_PACKAGES="$(HARDEN_PACKAGES)" scripts/deps.sh
	@$(MAKE) --no-print-directory all tools
	@scripts/valgrind.sh

# --- benchmarks: speed is measured here (bench/RESULTS.md), never in tests ---

BENCH_BINS  := $(BUILD)/loggen $(BUILD)/benchclient

$(BENCH_BINS): $(BUILD)/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(STRICT) $(CFLAGS) -o $@ $<

bench: all $(BENCH_BINS)
	@RSTGUARD_EXTRA_PACKAGES="goaccess ripgrep time jq bc" scripts/deps.sh
	@bench/run.sh

bench-module: all $(BENCH_BINS)
	@RSTGUARD_EXTRA_PACKAGES="valgrind wrk iproute2 jq bc" scripts/deps.sh
	@bench/module.sh

# --- install, as Debian lays a module out ------------------------------------

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rstguard/rules \
	    $(DESTDIR)$(NGX_MODDIR) $(DESTDIR)$(NGX_LOADDIR) $(DESTDIR)$(NGX_ENABLED)
	install -m 0755 $(RSTSCAN) $(DESTDIR)$(PREFIX)/bin/rstscan
	install -m 0644 $(RULES) $(DESTDIR)$(PREFIX)/share/rstguard/rules/
	install -m 0644 $(MODULE_SO) $(DESTDIR)$(NGX_MODDIR)/ngx_http_rstguard_module.so
	install -m 0644 config/mod-http-rstguard.conf $(DESTDIR)$(NGX_LOADDIR)/mod-http-rstguard.conf
	ln -sf $(NGX_LOADDIR)/mod-http-rstguard.conf $(DESTDIR)$(NGX_ENABLED)/50-mod-http-rstguard.conf

# --- the Debian packages (debian/): build/deb/*.deb -------------------------
# built from a copy of the tree by dpkg-buildpackage (scripts/build-deb.sh);
# again only when a file of the tree changed.  make check builds them for
# the install test (tests/integration/test_deb_install.c).

# (wildcard: a file deleted but still in git's index is no input)
DEB_INPUTS  := $(wildcard $(shell git ls-files --cached --others --exclude-standard 2>/dev/null \
                 || find . -path ./build -prune -o -type f -print))

deb:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory $(DEB_STAMP)

# the tests, benchmarks and READMEs are not in the packages: editing them
# does not rebuild them (dh_auto_test reads tests/data/samples)
DEB_NOT_IN  := $(filter-out tests/data/samples/%,$(filter tests/% bench/% %.md,$(DEB_INPUTS)))

$(DEB_STAMP): $(filter-out $(DEB_NOT_IN),$(DEB_INPUTS))
	@scripts/build-deb.sh $(DEB_DIR)
	@touch $@

clean:
	rm -rf $(BUILD)

# layering, banned functions, white space, nginx conventions in module/
lint:
	@scripts/lint.sh

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
