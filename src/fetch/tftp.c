/* fetch tftp: TFTP errors and conntrack lines (see tftp.h). */
#include "fetch/tftp.h"

#include "common/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t fetch_tftp_error(uint8_t *out, size_t cap, unsigned code, const char *msg)
{
    size_t n = strlen(msg);
    if (cap < 4 + n + 1)
        return 0;
    out[0] = 0;
    out[1] = 5;
    out[2] = (uint8_t)(code >> 8);
    out[3] = (uint8_t)code;
    memcpy(out + 4, msg, n + 1);
    return 4 + n + 1;
}

/* One direction of a conntrack entry. */
struct tuple {
    uint32_t src, dst;
    long long sport, dport;
};

/* The value of "key=" at p (a token of the line), copied to v. */
static bool token_value(const char *p, size_t n, const char *key, char *v, size_t vcap)
{
    size_t k = strlen(key);
    if (n <= k || memcmp(p, key, k) != 0 || n - k >= vcap)
        return false;
    memcpy(v, p + k, n - k);
    v[n - k] = '\0';
    return true;
}

/* Reads up to two tuples (original, reply) from one line. */
static unsigned line_tuples(const char *p, size_t n, struct tuple t[2])
{
    unsigned have = 0, fields = 0;
    size_t i = 0;
    memset(t, 0, 2 * sizeof(*t));
    while (i < n && have < 2) {
        while (i < n && p[i] == ' ')
            i++;
        size_t s = i;
        while (i < n && p[i] != ' ')
            i++;
        char v[32];
        long long x;
        if (token_value(p + s, i - s, "src=", v, sizeof(v)) &&
            util_ipv4_parse(v, &t[have].src) == 0)
            fields |= 1;
        else if (token_value(p + s, i - s, "dst=", v, sizeof(v)) &&
                 util_ipv4_parse(v, &t[have].dst) == 0)
            fields |= 2;
        else if (token_value(p + s, i - s, "sport=", v, sizeof(v)) &&
                 util_parse_ll(v, 0, 65535, &x) == 0)
            t[have].sport = x, fields |= 4;
        else if (token_value(p + s, i - s, "dport=", v, sizeof(v)) &&
                 util_parse_ll(v, 0, 65535, &x) == 0)
            t[have].dport = x, fields |= 8;
        if (fields == 15) {
            have++;
            fields = 0;
        }
    }
    return have;
}

int fetch_conntrack_origdst(const char *text, size_t len, uint32_t src, uint16_t sport,
                            uint16_t local_port, uint32_t *dst, uint16_t *dport)
{
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        const char *line = text + at;
        at += n + 1;
        /* "ipv4     2 udp      17 ...": the protocol is the third word. */
        if (n < 16 || !memmem(line, n < 32 ? n : 32, " udp ", 5))
            continue;
        struct tuple t[2];
        if (line_tuples(line, n, t) == 2 && t[0].src == src && t[0].sport == sport &&
            t[1].sport == local_port && t[1].dst == src) {
            *dst = t[0].dst;
            *dport = (uint16_t)t[0].dport;
            return 0;
        }
    }
    return -ENOENT;
}
