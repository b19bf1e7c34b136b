// fuzz_check.h - fuzz_check(): an invariant of a fuzz target. A broken one aborts, so that libFuzzer
// saves the input as a crash and the corpus replay in `make test` fails, not only sanitizer errors.
#pragma once

#include <cstdio>
#include <cstdlib>

inline void fuzz_check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}
