/*
 * fuzz.h - what every libFuzzer target here shares.
 *
 * Each tests/fuzz/<target>.c defines LLVMFuzzerTestOneInput and is linked by
 * `make fuzz` (clang-14, -fsanitize=fuzzer,address,undefined) with the
 * sanitized build/fuzz/libcore.a and libanalyzer.a into
 * build/fuzz/fuzzers/<target>; scripts/fuzz.sh runs it on the seeds of
 * tests/fuzz/corpus/<target>/.  A target must never print or leak, and
 * keeps between inputs only what does not change an input's outcome (the
 * shipped rules, their prescan, a scanner as rstscan reuses it from file
 * to file, whose matcher remembers only answers the rules give anyway),
 * so that a crash reproduces from its input alone.
 */

#ifndef RG_FUZZ_H
#define RG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* RG_FUZZ_H */
