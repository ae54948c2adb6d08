/* bench_shellcode: the shellcode verdict's time per 4 KiB payload, the scan
 * and the emulation together, as a sensor would call it on each payload.
 *
 * (a) reference: a pass over the same bytes that only counts one byte value
 *     (what any per-payload look costs at the least);
 * (b) random 4 KiB payloads (benign: the scan finds few candidates);
 * (c) random 4 KiB payloads with a shellcode from the corpus (assembled
 *     bytes, see tests/data/shellcode) at a random offset.
 *
 * Prints the median and p99 of each in microseconds, and the detection
 * count; exits 1 when a shellcode-bearing payload is missed, a random one
 * is flagged, or a p99 is over TARGET_P99_US. Usage: bench_shellcode [N]
 * (default 2000 of each). */
#include "common/util.h"
#include "common/xalloc.h"
#include "sensor/shellcode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_N 2000
#define PAYLOAD 4096
/* The default limits cap a call at SENSOR_SC_DEFAULT_TOTAL_US of
 * emulation; a p99 near that would mean most calls hit the cap. */
#define TARGET_P99_US 50000.0

static const uint8_t execve32[] = {0x31, 0xc0, 0x50, 0x68, 0x2f, 0x2f, 0x73, 0x68, 0x68,
                                   0x2f, 0x62, 0x69, 0x6e, 0x89, 0xe3, 0x50, 0x53, 0x89,
                                   0xe1, 0x31, 0xd2, 0xb0, 0x0b, 0xcd, 0x80};
static const uint8_t fnstenv_xor32[] = {
    0xd9, 0xee, 0xd9, 0x74, 0x24, 0xf4, 0x5e, 0x83, 0xc6, 0x14, 0x31, 0xc9, 0xb1, 0x19, 0x80,
    0x36, 0x5a, 0x46, 0xe2, 0xfa, 0x6b, 0x9a, 0x0a, 0x32, 0x75, 0x75, 0x29, 0x32, 0x32, 0x75,
    0x38, 0x33, 0x34, 0xd3, 0xb9, 0x0a, 0x09, 0xd3, 0xbb, 0x6b, 0x88, 0xea, 0x51, 0x97, 0xda};
static const uint8_t jmpcallpop64[] = {
    0xeb, 0x10, 0x5f, 0x31, 0xc0, 0x88, 0x47, 0x07, 0x50, 0x57, 0x48, 0x89, 0xe6, 0x99, 0xb0, 0x3b,
    0x0f, 0x05, 0xe8, 0xeb, 0xff, 0xff, 0xff, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x4e};
static const uint8_t xor_decoder64[] = {
    0x48, 0x8d, 0x35, 0x0f, 0x00, 0x00, 0x00, 0xb9, 0x17, 0x00, 0x00, 0x00, 0x80, 0x36, 0x3c,
    0x48, 0xff, 0xc6, 0xff, 0xc9, 0x75, 0xf6, 0x0d, 0xca, 0x6a, 0x74, 0x83, 0x13, 0x5e, 0x55,
    0x52, 0x13, 0x13, 0x4f, 0x54, 0x6b, 0x68, 0x63, 0x0d, 0xee, 0x56, 0x07, 0x64, 0x33, 0x39};

static const struct {
    const uint8_t *b;
    size_t len;
} codes[] = {
    {execve32, sizeof(execve32)},
    {fnstenv_xor32, sizeof(fnstenv_xor32)},
    {jmpcallpop64, sizeof(jmpcallpop64)},
    {xor_decoder64, sizeof(xor_decoder64)},
};

static uint64_t xs = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

static void fill_random(uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        b[k] = (uint8_t)(next() >> 56);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, long long *us, long n, long detected, double *p99)
{
    qsort(us, (size_t)n, sizeof(us[0]), cmp_ll);
    long long sum = 0;
    for (long k = 0; k < n; k++)
        sum += us[k];
    *p99 = (double)us[n * 99 / 100];
    printf("%-30s median %8.1f us  p99 %8.1f us  mean %8.1f us  max %8lld us  detected %ld/%ld\n",
           what, (double)us[n / 2], *p99, (double)sum / (double)n, us[n - 1], detected, n);
}

int main(int argc, char **argv)
{
    long long n = DEFAULT_N;
    if (argc > 1 && util_parse_ll(argv[1], 10, 10000000, &n) < 0) {
        fprintf(stderr, "usage: bench_shellcode [N >= 10]\n");
        return 2;
    }
    uint8_t *b = xmalloc(PAYLOAD);
    long long *us = xmalloc((size_t)n * sizeof(long long));
    double p99_ref, p99_rand, p99_sc;
    long det, ref_hits = 0;

    for (long k = 0; k < n; k++) {
        fill_random(b, PAYLOAD);
        long long t0 = util_mono_us();
        for (size_t i = 0; i < PAYLOAD; i++)
            ref_hits += b[i] == 0xe8;
        us[k] = util_mono_us() - t0;
    }
    report("reference (one byte counted)", us, (long)n, 0, &p99_ref);

    det = 0;
    for (long k = 0; k < n; k++) {
        fill_random(b, PAYLOAD);
        struct sensor_sc_verdict v;
        long long t0 = util_mono_us();
        if (sensor_shellcode_scan(b, PAYLOAD, &v) < 0)
            return 2;
        us[k] = util_mono_us() - t0;
        det += v.detected;
    }
    report("random 4 KiB", us, (long)n, det, &p99_rand);
    long fp = det;

    det = 0;
    for (long k = 0; k < n; k++) {
        fill_random(b, PAYLOAD);
        size_t c = (size_t)k % (sizeof(codes) / sizeof(codes[0]));
        size_t at = (size_t)(next() % (PAYLOAD - 256));
        memcpy(b + at, codes[c].b, codes[c].len);
        struct sensor_sc_verdict v;
        long long t0 = util_mono_us();
        if (sensor_shellcode_scan(b, PAYLOAD, &v) < 0)
            return 2;
        us[k] = util_mono_us() - t0;
        det += v.detected;
    }
    report("4 KiB with shellcode", us, (long)n, det, &p99_sc);
    printf("(%ld e8 bytes counted by the reference)\n", ref_hits);
    free(b);
    free(us);
    int rc = 0;
    if (fp) {
        printf("FAIL: %ld random payloads flagged\n", fp);
        rc = 1;
    }
    if (det < n) {
        printf("FAIL: %lld shellcode-bearing payloads missed\n", n - det);
        rc = 1;
    }
    if (p99_rand > TARGET_P99_US || p99_sc > TARGET_P99_US) {
        printf("FAIL: a p99 over %.0f us\n", TARGET_P99_US);
        rc = 1;
    }
    return rc;
}
