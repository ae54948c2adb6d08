/* ssh monitor: message framing and the base64 fields (see monitor.h). */
#include "ssh/monitor.h"

#include "common/xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int kssh_msg_send(int fd, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    int rc = 0;

    json_decref(msg);
    if (!text)
        return -EINVAL;
    size_t n = strlen(text);
    if (n > KSSH_MSG_MAX) {
        rc = -EMSGSIZE;
    } else {
        ssize_t w;
        do {
            w = send(fd, text, n, MSG_NOSIGNAL);
        } while (w < 0 && errno == EINTR);
        if (w < 0)
            rc = -errno;
    }
    free(text);
    return rc;
}

int kssh_msg_recv(int fd, json_t **out)
{
    char *buf = xmalloc(KSSH_MSG_MAX + 1);
    ssize_t n;
    int rc = 0;

    do {
        n = recv(fd, buf, KSSH_MSG_MAX + 1, MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        rc = -errno;
    } else if (n == 0) {
        *out = NULL;
    } else if (n > KSSH_MSG_MAX) {
        rc = -EMSGSIZE;
    } else {
        json_t *v = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(v))
            *out = v;
        else {
            json_decref(v);
            rc = -EPROTO;
        }
    }
    free(buf);
    return rc;
}

void kssh_set_b64(json_t *obj, const char *key, const void *bytes, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, bytes, (int)n);
    char *k = xasprintf("%s_b64", key);
    json_object_set_new(obj, k, json_string(out));
    free(k);
    free(out);
}

void kssh_set_b64_capped(json_t *obj, const char *key, const void *bytes, size_t n)
{
    if (n > KSSH_FIELD_MAX) {
        n = KSSH_FIELD_MAX;
        json_object_set_new(obj, "truncated", json_true());
    }
    kssh_set_b64(obj, key, bytes, n);
}

void kssh_send_tty(void (*send)(json_t *msg), int ch, double t, const char *kind, const void *bytes,
                   size_t n)
{
    for (size_t off = 0; off < n; off += KSSH_TTY_CHUNK) {
        size_t len = n - off < KSSH_TTY_CHUNK ? n - off : KSSH_TTY_CHUNK;
        json_t *m = json_pack("{s:i, s:f, s:s}", "ch", ch, "t", t, "k", kind);
        kssh_set_b64(m, "data", (const char *)bytes + off, len);
        send(json_pack("{s:o}", "tty", m));
    }
}

char *kssh_get_b64(const json_t *obj, const char *key, size_t *n)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len % 4 || len > KSSH_MSG_MAX)
        return NULL;
    unsigned char *out = xmalloc(len / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as data. */
    if (len >= 1 && s[len - 1] == '=')
        got--;
    if (len >= 2 && s[len - 2] == '=')
        got--;
    out[got] = '\0';
    *n = (size_t)got;
    return (char *)out;
}
