/*
 * What every fuzz target of tests/fuzz provides: libFuzzer's entry point.
 * The same object is linked either with libFuzzer (clang, CCT_FUZZ=ON) or
 * with replay.c's main(), which runs the committed inputs through it in a
 * plain build.
 */
#ifndef CCT_FUZZ_H
#define CCT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: abort, so that libFuzzer keeps the input and the
 * replay test fails, with the condition and where it was checked. */
#define CCT_FUZZ_CHECK(cond)                                               \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,     \
                    __LINE__, #cond);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

#endif
