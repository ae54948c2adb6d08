/* util: small helpers with no better home: time, errno text, hex. */
#ifndef KARAKURI_COMMON_UTIL_H
#define KARAKURI_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "2026-11-24T01:02:03.123456Z" plus NUL. */
#define UTIL_RFC3339_LEN 28

/* Wall clock in microseconds since the epoch. */
long long util_now_us(void);
/* The time ms from now on clock, for pthread_cond_timedwait and the like. */
void util_deadline(clockid_t clock, unsigned ms, struct timespec *out);
/* Monotonic clock in microseconds. */
long long util_mono_us(void);
/* Formats a wall-clock time (µs since the epoch) as RFC 3339 UTC with µs. */
void util_rfc3339(long long us, char out[UTIL_RFC3339_LEN]);
void util_rfc3339_now(char out[UTIL_RFC3339_LEN]);
/* Parses RFC 3339 ("...Z" or "+hh:mm", fraction optional) or a plain
 * "YYYY-MM-DD"; returns 0 or -EINVAL. */
int util_rfc3339_parse(const char *s, long long *us_out) __attribute__((warn_unused_result));

/* strerror_r that always returns the text (thread-safe). err is positive or
 * negative errno. */
const char *util_strerror(int err, char *buf, size_t len);

#define UTIL_IPV4_LEN 16
/* A host-order IPv4 address as a dotted quad. */
void util_ipv4_format(uint32_t a, char out[UTIL_IPV4_LEN]);
/* Parses the dotted quad at the start of s, up to a '/' or the end
 * ("10.13.0.0/16" gives 10.13.0.0), into host order. 0 or -EINVAL. */
int util_ipv4_parse(const char *s, uint32_t *out) __attribute__((warn_unused_result));
/* The netmask of a /prefix (0..32), host order: 0 for /0. */
static inline uint32_t util_ipv4_mask(unsigned prefix)
{
    return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void util_hex(const uint8_t *p, size_t n, char *out);

/* Parses a decimal integer in [min, max]; the whole string must be a number.
 * Returns 0 or -EINVAL / -ERANGE. */
int util_parse_ll(const char *s, long long min, long long max, long long *out)
    __attribute__((warn_unused_result));

#endif
