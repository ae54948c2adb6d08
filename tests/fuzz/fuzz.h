/* What every fuzz target shares: the libFuzzer entry point and CHECK, which
 * aborts (so libFuzzer and the corpus replay both see a crash) when a
 * property fails. */
#ifndef KARAKURI_TESTS_FUZZ_H
#define KARAKURI_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#endif
