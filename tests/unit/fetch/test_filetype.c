/* Unit tests for src/fetch/filetype.c: verdicts on downloaded bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/filetype.h"

#include <string.h>

static const char *verdict(const void *p, size_t len)
{
    static char out[64];
    fetch_filetype(p, len, out, sizeof(out));
    return out;
}

static void test_elf(void **state)
{
    (void)state;
    uint8_t e[64] = {0x7f, 'E', 'L', 'F', 2, 1};
    e[18] = 62;
    assert_string_equal(verdict(e, sizeof(e)), "ELF 64-bit LSB x86-64");
    e[4] = 1;
    e[18] = 40;
    assert_string_equal(verdict(e, sizeof(e)), "ELF 32-bit LSB ARM");
    e[5] = 2; /* big-endian MIPS: e_machine 8 in the second byte */
    e[18] = 0;
    e[19] = 8;
    assert_string_equal(verdict(e, sizeof(e)), "ELF 32-bit MSB MIPS");
    e[19] = 99;
    assert_string_equal(verdict(e, sizeof(e)), "ELF 32-bit MSB machine 99");
    assert_string_equal(verdict(e, 10), "ELF (malformed)");
}

static void test_scripts_and_archives(void **state)
{
    (void)state;
    assert_string_equal(verdict("#!/bin/sh\nwget x", 16), "script (/bin/sh)");
    assert_string_equal(verdict("#! /usr/bin/env python3\n", 24), "script (/usr/bin/env)");
    assert_string_equal(verdict("\x1f\x8b\x08\x00", 4), "gzip");
    assert_string_equal(verdict("PK\x03\x04rest", 8), "zip");
    uint8_t tar[512] = {0};
    memcpy(tar + 257, "ustar", 5);
    assert_string_equal(verdict(tar, sizeof(tar)), "tar");
    assert_string_equal(verdict("echo hi\n", 8), "text");
    assert_string_equal(verdict("\x01\x02\x03", 3), "data");
    assert_string_equal(verdict("", 0), "data");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf),
        cmocka_unit_test(test_scripts_and_archives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
