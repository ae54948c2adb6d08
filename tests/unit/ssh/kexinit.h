/* Builds an SSH_MSG_KEXINIT binary packet for the ssh tests. */
#ifndef KARAKURI_TESTS_SSH_KEXINIT_H
#define KARAKURI_TESTS_SSH_KEXINIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t put_list(uint8_t *p, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    memcpy(p + 4, s, n);
    return 4 + n;
}

/* lists: the ten name-lists; returns the packet's length. */
static inline size_t build_kexinit(uint8_t *out, const char *const lists[10])
{
    uint8_t *p = out + 5;
    size_t n = 0;
    p[n++] = 20;
    memset(p + n, 0xab, 16);
    n += 16;
    for (int i = 0; i < 10; i++)
        n += put_list(p + n, lists[i]);
    p[n++] = 0; /* first_kex_packet_follows */
    memset(p + n, 0, 4);
    n += 4;
    uint8_t pad = 4;
    memset(p + n, 0, pad);
    n += pad;
    uint32_t plen = (uint32_t)(n + 1);
    out[0] = (uint8_t)(plen >> 24);
    out[1] = (uint8_t)(plen >> 16);
    out[2] = (uint8_t)(plen >> 8);
    out[3] = (uint8_t)plen;
    out[4] = pad;
    return 4 + plen;
}

#endif
