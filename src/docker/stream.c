/* docker stream: the pure parsers of the Docker client (see stream.h). Every
 * byte here comes from dockerd, which a container can influence (exec output,
 * build output), so every buffer is capped and nothing trusts a length. */
#include "docker/stream.h"

#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void docker_demux_init(struct docker_demux *dm)
{
    memset(dm, 0, sizeof(*dm));
}

bool docker_demux_idle(const struct docker_demux *dm)
{
    return dm->hdr_len == 0 && dm->remaining == 0;
}

int docker_demux_feed(struct docker_demux *dm, const void *data, size_t len, docker_demux_fn cb,
                      void *ud)
{
    const uint8_t *p = data;

    while (len) {
        if (dm->remaining == 0) {
            size_t take = sizeof(dm->hdr) - dm->hdr_len;
            if (take > len)
                take = len;
            memcpy(dm->hdr + dm->hdr_len, p, take);
            dm->hdr_len += take;
            p += take;
            len -= take;
            if (dm->hdr_len < sizeof(dm->hdr))
                return 0;
            dm->hdr_len = 0;
            if (dm->hdr[0] > DOCKER_STREAM_SYSERR)
                return -EPROTO;
            dm->stream = dm->hdr[0];
            dm->remaining = (uint32_t)dm->hdr[4] << 24 | (uint32_t)dm->hdr[5] << 16 |
                            (uint32_t)dm->hdr[6] << 8 | dm->hdr[7];
            continue;
        }
        size_t take = dm->remaining < len ? dm->remaining : len;
        int rc = cb(dm->stream, p, take, ud);
        if (rc < 0)
            return rc;
        dm->remaining -= (uint32_t)take;
        p += take;
        len -= take;
    }
    return 0;
}

void docker_progress_init(struct docker_progress *pr, docker_progress_fn cb, void *ud)
{
    memset(pr, 0, sizeof(*pr));
    buf_init(&pr->line, DOCKER_LINE_CAP_BYTES);
    pr->cb = cb;
    pr->ud = ud;
}

void docker_progress_free(struct docker_progress *pr)
{
    buf_free(&pr->line);
}

/* Reports text to the callback one line at a time, without blank lines or
 * trailing carriage returns. */
static void report_text(struct docker_progress *pr, const char *s, size_t n)
{
    char line[1024];

    while (n) {
        const char *nl = memchr(s, '\n', n);
        size_t len = nl ? (size_t)(nl - s) : n;
        size_t next = nl ? len + 1 : len;
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        if (len && pr->cb) {
            /* Escaped: a build's output is the container's to choose. */
            pr->cb(log_escape(s, len, line, sizeof(line)), pr->ud);
        }
        s += next;
        n -= next;
    }
}

static void take_error(struct docker_progress *pr, json_t *obj)
{
    json_t *detail = json_object_get(obj, "errorDetail");
    const char *msg = json_string_value(json_object_get(obj, "error"));
    if (!msg || !*msg)
        msg = json_string_value(json_object_get(detail, "message"));
    if (!msg || !*msg)
        msg = "the engine reported an error without a message";
    pr->failed = true;
    log_escape(msg, strlen(msg), pr->error, sizeof(pr->error));
}

static void take_status(struct docker_progress *pr, json_t *obj, const char *status)
{
    const char *progress = json_string_value(json_object_get(obj, "progress"));
    const char *id = json_string_value(json_object_get(obj, "id"));
    char text[1024];

    if (strncmp(status, "sha256:", 7) == 0 && strlen(status) < sizeof(pr->image_id))
        snprintf(pr->image_id, sizeof(pr->image_id), "%s", status);
    int n = snprintf(text, sizeof(text), "%s%s%s%s%s", id ? id : "", id ? ": " : "", status,
                     progress ? " " : "", progress ? progress : "");
    report_text(pr, text, n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

void docker_progress_line(struct docker_progress *pr, const char *line, size_t n)
{
    json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
    const char *s;

    if (!json_is_object(obj)) {
        report_text(pr, line, n);
        goto out;
    }
    if (json_object_get(obj, "error") || json_object_get(obj, "errorDetail")) {
        take_error(pr, obj);
        goto out;
    }
    const char *aux_id = json_string_value(json_object_get(json_object_get(obj, "aux"), "ID"));
    if (aux_id && strlen(aux_id) < sizeof(pr->image_id))
        snprintf(pr->image_id, sizeof(pr->image_id), "%s", aux_id);
    if ((s = json_string_value(json_object_get(obj, "stream"))))
        report_text(pr, s, strlen(s));
    else if ((s = json_string_value(json_object_get(obj, "status"))))
        take_status(pr, obj, s);
out:
    json_decref(obj);
}

int docker_progress_feed(struct docker_progress *pr, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        if (buf_append(&pr->line, p, len) < 0)
            return -EFBIG;
        if (!nl)
            return 0;
        if (pr->line.len)
            docker_progress_line(pr, pr->line.data, pr->line.len);
        buf_reset(&pr->line);
        p += len + 1;
        n -= len + 1;
    }
    return 0;
}

int docker_progress_finish(struct docker_progress *pr)
{
    if (pr->line.len)
        docker_progress_line(pr, pr->line.data, pr->line.len);
    buf_reset(&pr->line);
    return 0;
}

void docker_error_message(const char *body, size_t n, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    json_t *obj = body && n ? json_loadb(body, n, 0, NULL) : NULL;
    const char *msg = json_string_value(json_object_get(obj, "message"));
    if (msg) {
        log_escape(msg, strlen(msg), out, outlen);
    } else if (body && n) {
        while (n && (body[n - 1] == '\n' || body[n - 1] == '\r'))
            n--;
        log_escape(body, n, out, outlen);
    } else {
        out[0] = '\0';
    }
    json_decref(obj);
}

int docker_status_errno(long status)
{
    if (status >= 200 && status < 300)
        return 0;
    switch (status) {
    case 304:
        return 0;
    case 400:
        return -EINVAL;
    case 403:
        return -EPERM;
    case 404:
        return -ENOENT;
    case 409:
        return -EEXIST;
    default:
        return -EIO;
    }
}

static int parse_version(const char *v, long *major, long *minor)
{
    char *end;
    if (!v || *v < '0' || *v > '9')
        return -EINVAL;
    *major = strtol(v, &end, 10);
    if (*end != '.' || end[1] < '0' || end[1] > '9')
        return -EINVAL;
    *minor = strtol(end + 1, &end, 10);
    return *end ? -EINVAL : 0;
}

int docker_version_cmp(const char *a, const char *b)
{
    long am, an, bm, bn;
    int ra = parse_version(a, &am, &an), rb = parse_version(b, &bm, &bn);
    if (ra < 0 || rb < 0)
        return (ra < 0 ? 0 : 1) - (rb < 0 ? 0 : 1);
    if (am != bm)
        return am < bm ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

int docker_api_negotiate(const char *server, const char *server_min, char *out, size_t outlen)
{
    long major, minor;
    if (parse_version(server, &major, &minor) < 0 || docker_version_cmp(server, DOCKER_API_MIN) < 0)
        return -ENOTSUP;
    if (server_min && docker_version_cmp(server_min, DOCKER_API_MAX) > 0)
        return -ENOTSUP;
    const char *use = docker_version_cmp(server, DOCKER_API_MAX) < 0 ? server : DOCKER_API_MAX;
    size_t len = strlen(use);
    if (len >= outlen)
        return -ENOBUFS; /* out untouched: out-parameters are set on success only */
    memcpy(out, use, len + 1);
    return 0;
}
