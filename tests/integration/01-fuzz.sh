#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (scripts/fuzz), a few seconds each, two at a time: one
# TAP line per target, "not ok" with the reproducer's path when a target finds a crash or a broken
# invariant.  Skipped, with the reason, only where clang's libFuzzer is missing.  The corpus grows
# in build/fuzz/work/ from run to run.  FUZZ_TEST_SECONDS sets the time per target (default 5),
# FUZZ_BUILD_DIR the build folder (default build).
. "$(dirname "$0")/lib.sh"

"$top/scripts/fuzz" --build-dir "${FUZZ_BUILD_DIR:-$top/build}" --seconds "${FUZZ_TEST_SECONDS:-5}" --jobs 2
