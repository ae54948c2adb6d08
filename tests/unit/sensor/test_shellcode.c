/* Unit tests for src/sensor/shellcode.c: the shellcode verdict over the
 * corpus (tests/data/shellcode: nasm sources assembled by meson, benign
 * payloads committed), embedded in traffic, on random buffers, its caps and
 * its listings. Prints the detection and false-positive rates.
 * Usage: test_sensor_shellcode BENIGN_DIR SAMPLE.bin... */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/util.h"
#include "sensor/shellcode.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1024 * 1024)
#define RANDOM_BUFFERS 200

static const char *benign_dir;
static char **samples;
static int nsamples;

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *d = malloc(MAX_FILE);
    assert_non_null(d);
    *len = fread(d, 1, MAX_FILE, f);
    fclose(f);
    return d;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static uint64_t xs_state = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

static void fill_random(uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        b[k] = (uint8_t)(xorshift() >> 56);
}

static void print_verdict(const char *name, const struct sensor_sc_verdict *v)
{
    printf("  %-24s %s", name, v->detected ? "DETECTED" : "clean   ");
    if (v->detected)
        printf(" %s %-14s at +%zu reached %s nr %llu%s after %llu insns",
               sensor_sc_arch_name(v->arch), sensor_sc_technique_name(v->technique), v->offset,
               sensor_sc_reach_name(v->reached), (unsigned long long)v->syscall_nr,
               v->self_modifying ? " (self-modifying)" : "", (unsigned long long)v->insns);
    printf(" [%u candidates, %u runs]\n", v->candidates, v->emulated);
}

static void test_malicious(void **state)
{
    (void)state;
    int hit = 0;
    printf("malicious samples:\n");
    for (int k = 0; k < nsamples; k++) {
        size_t len;
        uint8_t *b = slurp(samples[k], &len);
        struct sensor_sc_verdict v;
        assert_int_equal(sensor_shellcode_scan(b, len, &v), 0);
        print_verdict(base(samples[k]), &v);
        hit += v.detected;
        if (v.detected) {
            /* The architecture is the one the sample was written for. */
            enum sensor_sc_arch want =
                strstr(base(samples[k]), "64") ? SENSOR_SC_ARCH_X64 : SENSOR_SC_ARCH_X86;
            assert_int_equal(v.arch, want);
            assert_true(v.offset < len);
            assert_true(v.insns > 0 && v.insns <= SENSOR_SC_DEFAULT_INSNS);
            char *l = sensor_shellcode_disasm(b, len, v.offset, v.arch, 64);
            assert_non_null(l);
            assert_true(strlen(l) > 0);
            free(l);
        }
        free(b);
    }
    printf("detection rate: %d/%d (%.1f%%)\n", hit, nsamples,
           nsamples ? 100.0 * hit / nsamples : 0.0);
    assert_int_equal(hit, nsamples);
}

/* Each sample in the body of an HTTP request, behind headers and text, and
 * in the middle of random bytes: found, at or before where it starts. */
static void test_embedded(void **state)
{
    (void)state;
    static const char head[] = "POST /cgi-bin/upload.cgi HTTP/1.1\r\nHost: 203.0.113.7\r\n"
                               "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0)\r\n"
                               "Content-Type: application/octet-stream\r\n\r\n"
                               "filename=report.txt&data=";
    int hit = 0, total = 0;
    for (int k = 0; k < nsamples; k++) {
        size_t len;
        uint8_t *sc = slurp(samples[k], &len);
        for (int where = 0; where < 2; where++) {
            uint8_t buf[4096];
            size_t at = where ? 1500 : sizeof(head) - 1;
            assert_true(at + len + 64 <= sizeof(buf));
            if (where) {
                fill_random(buf, sizeof(buf));
            } else {
                memset(buf, 'A' + k, sizeof(buf));
                memcpy(buf, head, sizeof(head) - 1);
            }
            memcpy(buf + at, sc, len);
            struct sensor_sc_verdict v;
            assert_int_equal(sensor_shellcode_scan(buf, at + len + 64, &v), 0);
            total++;
            if (!v.detected) {
                printf("  embedded %s (%s) missed\n", base(samples[k]), where ? "random" : "http");
                print_verdict(base(samples[k]), &v);
            }
            hit += v.detected;
            if (v.detected)
                assert_true(v.offset + 128 >= at && v.offset < at + len);
        }
        free(sc);
    }
    printf("embedded detection rate: %d/%d (%.1f%%)\n", hit, total, 100.0 * hit / total);
    assert_int_equal(hit, total);
}

static void test_benign(void **state)
{
    (void)state;
    int fp = 0, total = 0;
    DIR *d = opendir(benign_dir);
    assert_non_null(d);
    struct dirent *e;
    printf("benign samples:\n");
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", benign_dir, e->d_name);
        size_t len;
        uint8_t *b = slurp(path, &len);
        struct sensor_sc_verdict v;
        assert_int_equal(sensor_shellcode_scan(b, len, &v), 0);
        print_verdict(e->d_name, &v);
        fp += v.detected;
        total++;
        free(b);
    }
    closedir(d);
    int rfp = 0;
    unsigned cands = 0;
    long long t0 = util_mono_us();
    for (int k = 0; k < RANDOM_BUFFERS; k++) {
        uint8_t b[4096];
        fill_random(b, sizeof(b));
        struct sensor_sc_verdict v;
        assert_int_equal(sensor_shellcode_scan(b, sizeof(b), &v), 0);
        if (v.detected)
            print_verdict("random", &v);
        rfp += v.detected;
        cands += v.candidates;
    }
    long long us = util_mono_us() - t0;
    printf("false positives: %d/%d benign files, %d/%d random 4 KiB buffers (%.1f%%); "
           "%u candidates, %.0f us a buffer\n",
           fp, total, rfp, RANDOM_BUFFERS, 100.0 * (fp + rfp) / (total + RANDOM_BUFFERS), cands,
           (double)us / RANDOM_BUFFERS);
    assert_true(total >= 10);
    assert_int_equal(fp, 0);
    assert_int_equal(rfp, 0);
}

/* A decoder-loop candidate that starts at the int 0x80 of an execve (a jnz
 * further on jumps back there over bytes that look like a memory xor) must
 * not hide the system call site at that offset (found by bench_shellcode). */
static void test_site_shared_offset(void **state)
{
    (void)state;
    static const uint8_t b[] = {
        /* what was in front of it (random bytes of the bench) */
        0x97, 0x8a, 0xa4, 0x80, 0x6c, 0x2c, 0x77, 0x2f, 0x9d, 0xeb, 0x0b, 0xd4, 0x22, 0x42, 0x31,
        0xef, 0xab, 0x3c, 0x1d, 0x2c, 0xad, 0x89, 0x4f, 0xb6, 0xd0, 0xc9, 0x27, 0x07, 0xdb, 0x5d,
        0x69, 0x8c, 0x7e, 0xc2, 0xf5, 0x9a, 0x8a, 0x7c, 0xfb, 0x2a,
        /* the execve, then the bytes after it */
        0x31, 0xc0, 0x50, 0x68, 0x2f, 0x2f, 0x73, 0x68, 0x68, 0x2f, 0x62, 0x69, 0x6e, 0x89, 0xe3,
        0x50, 0x53, 0x89, 0xe1, 0x31, 0xd2, 0xb0, 0x0b, 0xcd, 0x80, 0x05, 0x1c, 0x6d, 0xe9, 0xf9,
        0xbb, 0x1d, 0xcc, 0xaf, 0x01, 0x7a, 0x2b, 0xd7, 0x40, 0xee, 0xe1, 0x3b, 0xf7, 0x4a, 0x67,
        0xbc, 0x12, 0xc9, 0xd6, 0x9b, 0xdd, 0x04, 0xe1, 0x37, 0xeb, 0x75, 0xde, 0x77, 0xfb, 0x41};
    struct sensor_sc_verdict v;
    assert_int_equal(sensor_shellcode_scan(b, sizeof(b), &v), 0);
    print_verdict("execve32 + loop at its int 0x80", &v);
    assert_true(v.detected);
    assert_int_equal(v.reached, SENSOR_SC_REACH_INT80);
    assert_int_equal(v.syscall_nr, 11);
}

static void test_args(void **state)
{
    (void)state;
    struct sensor_sc_verdict v;
    assert_int_equal(sensor_shellcode_scan(NULL, 1, &v), -EINVAL);
    assert_int_equal(sensor_shellcode_scan((const uint8_t *)"", 0, NULL), -EINVAL);
    assert_int_equal(sensor_shellcode_scan(NULL, 0, &v), 0);
    assert_false(v.detected);
    assert_int_equal(v.candidates, 0);
    assert_int_equal(v.reach_offset, SIZE_MAX);
}

/* A sled into jmp $: the instruction budget stops it; a scan with many
 * candidates stops at max_candidates; a time cap holds. */
static void test_caps(void **state)
{
    (void)state;
    uint8_t b[256];
    memset(b, 0x90, sizeof(b));
    b[200] = 0xeb;
    b[201] = 0xfe;
    struct sensor_sc_limits lim = {.max_insns = 5000};
    struct sensor_sc_verdict v;
    assert_int_equal(sensor_shellcode_scan_limits(b, sizeof(b), &lim, &v), 0);
    assert_false(v.detected);
    assert_true(v.budget_hit);
    assert_true(v.emulated >= 1 && v.total_insns <= (uint64_t)v.emulated * 5000);

    /* 300 call/pop candidates that go nowhere (call $+5; pop eax; hlt). */
    size_t n = 300 * 7;
    uint8_t *m = calloc(1, n);
    assert_non_null(m);
    for (size_t k = 0; k < n; k += 7)
        memcpy(m + k, "\xe8\x00\x00\x00\x00\x58\xf4", 7);
    lim = (struct sensor_sc_limits){.max_candidates = 10};
    assert_int_equal(sensor_shellcode_scan_limits(m, n, &lim, &v), 0);
    assert_false(v.detected);
    assert_true(v.candidates >= 300);
    assert_true(v.emulated <= 20);
    assert_true(v.budget_hit);

    lim = (struct sensor_sc_limits){.max_total_us = 2000};
    memset(b, 0x90, sizeof(b));
    b[200] = 0xeb;
    b[201] = 0xfe;
    long long t0 = util_mono_us();
    assert_int_equal(sensor_shellcode_scan_limits(b, sizeof(b), &lim, &v), 0);
    assert_true(util_mono_us() - t0 < 1000000);
    free(m);

    /* Past the scan cap: scanned up to it, said so. */
    uint8_t *big = calloc(1, SENSOR_SC_MAX_SCAN_BYTES + 100);
    assert_non_null(big);
    assert_int_equal(sensor_shellcode_scan(big, SENSOR_SC_MAX_SCAN_BYTES + 100, &v), 0);
    assert_false(v.detected);
    assert_true(v.budget_hit);
    free(big);
}

static void test_disasm(void **state)
{
    (void)state;
    static const uint8_t code[] = {0x31, 0xc0, 0xb0, 0x0b, 0xcd, 0x80, 0xff, 0xff};
    char *l = sensor_shellcode_disasm(code, sizeof(code), 0, SENSOR_SC_ARCH_X86, 10);
    assert_non_null(l);
    assert_non_null(strstr(l, "+0x0000  31 c0"));
    assert_non_null(strstr(l, "xor eax, eax"));
    assert_non_null(strstr(l, "+0x0004  cd 80"));
    assert_non_null(strstr(l, "int 0x80"));
    assert_non_null(strstr(l, "(bad)"));
    free(l);
    l = sensor_shellcode_disasm(code, sizeof(code), 2, SENSOR_SC_ARCH_X64, 1);
    assert_non_null(l);
    assert_non_null(strstr(l, "mov al, 0xb"));
    assert_null(strstr(l, "int"));
    free(l);
    l = sensor_shellcode_disasm(code, sizeof(code), sizeof(code), SENSOR_SC_ARCH_X86, 10);
    assert_non_null(l);
    assert_string_equal(l, "");
    free(l);
    assert_null(sensor_shellcode_disasm(code, sizeof(code), 9, SENSOR_SC_ARCH_X86, 10));
    assert_null(sensor_shellcode_disasm(code, sizeof(code), 0, 16, 10));
    assert_null(sensor_shellcode_disasm(NULL, 0, 0, SENSOR_SC_ARCH_X86, 10));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sensor_sc_technique_name(SENSOR_SC_TECH_GETPC_FNSTENV), "getpc_fnstenv");
    assert_string_equal(sensor_sc_technique_name(SENSOR_SC_TECH_NONE), "none");
    assert_string_equal(sensor_sc_reach_name(SENSOR_SC_REACH_INT80), "int80");
    assert_string_equal(sensor_sc_arch_name(SENSOR_SC_ARCH_X64), "x64");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s BENIGN_DIR SAMPLE.bin...\n", argv[0]);
        return 2;
    }
    benign_dir = argv[1];
    samples = argv + 2;
    nsamples = argc - 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malicious), cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_benign),    cmocka_unit_test(test_args),
        cmocka_unit_test(test_caps),      cmocka_unit_test(test_disasm),
        cmocka_unit_test(test_names),     cmocka_unit_test(test_site_shared_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
