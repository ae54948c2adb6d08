/* sse: the events stream's pure parts (unit-tested): Server-Sent Events
 * framing of one event, the stream's cursor (Last-Event-ID), whether a
 * request asks for the stream (follow=1) and accepts it, and the capped
 * buffer each stream's bytes wait in (follow.c moves them). */
#ifndef KARAKURI_WEB_SSE_H
#define KARAKURI_WEB_SSE_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_SSE_TYPE "text/event-stream"
#define WEB_SSE_BUF_CAP ((size_t)256 * 1024) /* a stream's bytes not yet sent; past it, ended */
#define WEB_SSE_PING ": ping\n\n"

/* One event as a frame: "id: ID\ndata: JSON\n\n", JSON the object json_line
 * holds, encoded again on one line (compact: an event's strings keep their
 * line breaks escaped). *out (malloc'd, the caller's) and *len get the
 * frame. -EINVAL when json_line is not a JSON object (the stream skips it). */
int web_sse_frame(long long id, const char *json_line, char **out, size_t *len)
    __attribute__((warn_unused_result));

/* A Last-Event-ID header (or an after_id cursor): decimal digits only, 0 to
 * LLONG_MAX, into *out. -EINVAL otherwise. */
int web_sse_cursor_parse(const char *v, long long *out) __attribute__((warn_unused_result));

/* The follow parameter: absent, "0" or "false" → 0 (a page); "1" or
 * "true" → 1 (the stream); anything else -EINVAL. */
int web_sse_follow_parse(const char *v) __attribute__((warn_unused_result));

/* Whether an Accept header lets a text/event-stream answer through: absent,
 * or naming text/event-stream, text/ * or * / * (without spaces) with a q
 * above 0. */
bool web_sse_accepts(const char *accept);

/* Bytes waiting to be sent, at most cap. */
struct web_sse_buf {
    char *data;
    size_t off, len, size; /* data[off..len) waits; size allocated */
    size_t cap;
};

void web_sse_buf_init(struct web_sse_buf *b, size_t cap);
/* Appends n bytes; -ENOBUFS (and nothing appended) when the waiting bytes
 * would pass the cap. */
int web_sse_buf_put(struct web_sse_buf *b, const char *p, size_t n)
    __attribute__((warn_unused_result));
/* Moves up to max waiting bytes to dst; returns how many. */
size_t web_sse_buf_take(struct web_sse_buf *b, char *dst, size_t max);
size_t web_sse_buf_waiting(const struct web_sse_buf *b);
void web_sse_buf_free(struct web_sse_buf *b);

#endif
