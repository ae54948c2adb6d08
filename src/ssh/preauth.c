/* ssh preauth: the client identification line and KEXINIT (see preauth.h).
 * Every byte here is the attacker's: lengths are checked before use, and
 * nothing is allocated. */
#include "ssh/preauth.h"

#include "common/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Digits at *p (before end), at most 9 of them, as a number. */
static bool parse_uint(const char **p, const char *end, long *out)
{
    const char *s = *p;
    long v = 0;
    while (*p < end && **p >= '0' && **p <= '9' && *p - s < 9)
        v = v * 10 + (*(*p)++ - '0');
    *out = v;
    return *p > s;
}

enum kssh_ident kssh_ident_check(const char *buf, size_t len, size_t *line_len)
{
    const char *nl = memchr(buf, '\n', len < KSSH_IDENT_MAX ? len : KSSH_IDENT_MAX);

    if (!nl)
        return len >= KSSH_IDENT_MAX ? KSSH_IDENT_INVALID : KSSH_IDENT_INCOMPLETE;
    /* sshd takes no lines before the identification from a client. */
    if (len < 4 || memcmp(buf, "SSH-", 4) != 0)
        return KSSH_IDENT_INVALID;
    for (const char *p = buf; p < nl; p++)
        if (*p == '\0')
            return KSSH_IDENT_INVALID;
    /* sshd's sscanf("SSH-%d.%d-%[^\n]\n"): numbers, a dash, something after. */
    const char *p = buf + 4;
    long major = 0, minor = 0;
    if (!parse_uint(&p, nl, &major) || p >= nl || *p++ != '.' || !parse_uint(&p, nl, &minor) ||
        p >= nl || *p++ != '-' || p >= nl)
        return KSSH_IDENT_INVALID;
    if (major == 2 || (major == 1 && minor == 99)) {
        *line_len = (size_t)(nl - buf) + 1;
        return KSSH_IDENT_OK;
    }
    return KSSH_IDENT_BAD_VERSION;
}

const char *kssh_ident_reply(enum kssh_ident verdict)
{
    return verdict == KSSH_IDENT_BAD_VERSION ? "Protocol major versions differ.\r\n"
                                             : "Invalid SSH identification string.\r\n";
}

void kssh_ident_software(const char *line, size_t line_len, char *out, size_t outlen)
{
    size_t skip = line_len > 8 && memcmp(line, "SSH-2.0-", 8) == 0    ? 8
                  : line_len > 9 && memcmp(line, "SSH-1.99-", 9) == 0 ? 9
                                                                      : 0;
    size_t n = line_len - skip;
    while (n && (line[skip + n - 1] == '\n' || line[skip + n - 1] == '\r'))
        n--;
    if (outlen == 0)
        return;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, line + skip, n);
    out[n] = '\0';
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads one name-list at *pos of payload[0..end); copies what fits to out. */
static int name_list(const uint8_t *payload, size_t end, size_t *pos, char *out, size_t outlen,
                     const char **whole, size_t *whole_len)
{
    if (end - *pos < 4)
        return -EPROTO;
    uint32_t n = get_u32(payload + *pos);
    *pos += 4;
    if (n > end - *pos)
        return -EPROTO;
    const char *s = (const char *)payload + *pos;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return -EPROTO; /* name-lists are US-ASCII without spaces */
    size_t c = n < outlen ? n : outlen - 1;
    memcpy(out, s, c);
    out[c] = '\0';
    *whole = s;
    *whole_len = n;
    *pos += n;
    return 0;
}

static void hassh(const char *lists[4], const size_t lens[4], char out[33])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[16];
    unsigned mdlen = 0;

    if (!ctx || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        out[0] = '\0';
        return;
    }
    for (int i = 0; i < 4; i++) {
        if (i)
            EVP_DigestUpdate(ctx, ";", 1);
        EVP_DigestUpdate(ctx, lists[i], lens[i]);
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    util_hex(md, sizeof(md), out);
}

int kssh_kexinit_parse(const uint8_t *buf, size_t len, struct kssh_kexinit *out)
{
    if (len < 5)
        return 0;
    uint32_t plen = get_u32(buf);
    uint8_t pad = buf[4];
    if (plen < 1 + 1 + 16 + 10 * 4 + 1 + 4 || plen > KSSH_KEXINIT_MAX || pad >= plen)
        return -EPROTO;
    if (len - 4 < plen)
        return 0;
    const uint8_t *payload = buf + 5;
    size_t end = plen - 1 - pad, pos = 0;
    if (end < 17 || payload[0] != 20 /* SSH_MSG_KEXINIT */)
        return -EPROTO;
    pos = 17; /* message number and cookie */

    char *dst[10] = {out->kex,     out->hostkey,  out->enc_c2s,  out->enc_s2c, out->mac_c2s,
                     out->mac_s2c, out->comp_c2s, out->comp_s2c, NULL,         NULL};
    size_t dlen[10] = {sizeof(out->kex),
                       sizeof(out->hostkey),
                       sizeof(out->enc_c2s),
                       sizeof(out->enc_s2c),
                       sizeof(out->mac_c2s),
                       sizeof(out->mac_s2c),
                       sizeof(out->comp_c2s),
                       sizeof(out->comp_s2c),
                       0,
                       0};
    const char *whole[10];
    size_t whole_len[10];
    char scratch[2] = "";
    for (int i = 0; i < 10; i++) {
        int rc = name_list(payload, end, &pos, dst[i] ? dst[i] : scratch,
                           dst[i] ? dlen[i] : sizeof(scratch), &whole[i], &whole_len[i]);
        if (rc < 0)
            return rc;
    }
    const char *lists[4] = {whole[0], whole[2], whole[4], whole[6]};
    const size_t lens[4] = {whole_len[0], whole_len[2], whole_len[4], whole_len[6]};
    hassh(lists, lens, out->hassh);
    return (int)(plen + 4);
}
