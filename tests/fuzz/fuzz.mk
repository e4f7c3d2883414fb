# libFuzzer targets for the plain C that reads guest-controlled input (docs/usage.md, "Fuzzing").
# Included from the Makefile.  Adding a target is dropping a file tests/fuzz/fuzz_<name>.c that
# defines LLVMFuzzerTestOneInput (and, optionally, seeds in tests/fuzz/corpus/<name>/); it is
# built as $(B)/fuzz/fuzz_<name> against the host sources (HOST_SRCS: lib/ vlapic/ vmx/ vmm/,
# not *_hv.c) compiled again with clang, coverage instrumentation and ASan + UBSan.
#   make fuzz-build             build every target
#   make fuzz [FUZZ_SECONDS=60] run each target for FUZZ_SECONDS (scripts/fuzz), FUZZ_JOBS (1) at a
#                               time, one TAP line each
#   make fuzz-smoke             the same for FUZZ_SMOKE_SECONDS (5) each
# Corpora, crash reproducers and logs go to $(B)/fuzz/work/<name>/, never into the tree.

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_JOBS          ?= 1
FUZZ_SANITIZE      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The sources are warning-clean under gcc -Werror (HOST_CFLAGS); clang's extra warnings are shown
# but do not stop the fuzz build.  The targets themselves are built with -Werror.
FUZZ_CFLAGS        := -Wall -Wextra -std=gnu11 $(INCLUDES) -O1 -g -MMD -MP $(FUZZ_SANITIZE)
FUZZ_SRCS          := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS          := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_LIB_OBJS      := $(HOST_SRCS:%.c=$(B)/fuzz/obj/%.o)
FUZZ_LIB           := $(B)/fuzz/libapicvisor-fuzz.a

.PHONY: fuzz fuzz-build fuzz-smoke

fuzz-build: $(FUZZ_BINS)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  FUZZCC  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -MF $@.d $< $(FUZZ_LIB) -o $@

fuzz: fuzz-build
	@scripts/fuzz --build-dir $(B) --no-build --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS)

fuzz-smoke: fuzz-build
	@scripts/fuzz --build-dir $(B) --no-build --seconds $(FUZZ_SMOKE_SECONDS) --jobs $(FUZZ_JOBS)
