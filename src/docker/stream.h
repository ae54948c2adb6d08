/* docker stream: the pure parsing parts of the Docker client, apart from any
 * I/O so that they are unit-tested and fuzzed (tests/fuzz/fuzz_docker_*.c):
 * the multiplexed exec/attach stream, the JSON-lines progress of build and
 * import, error messages in reply bodies, API version negotiation. */
#ifndef KARAKURI_DOCKER_STREAM_H
#define KARAKURI_DOCKER_STREAM_H

#include "common/buf.h"
#include "docker/docker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- multiplexed stream: frames of [type, 0, 0, 0, len32be] + payload ---- */

enum {
    DOCKER_STREAM_STDIN = 0,
    DOCKER_STREAM_STDOUT = 1,
    DOCKER_STREAM_STDERR = 2,
    DOCKER_STREAM_SYSERR = 3
};

struct docker_demux {
    uint8_t hdr[8];
    size_t hdr_len;
    uint32_t remaining; /* payload bytes left in the current frame */
    int stream;
};

/* Called with each piece of payload, in order; a frame may come in several
 * pieces. Returns 0, or a negative errno that stops the feed. */
typedef int (*docker_demux_fn)(int stream, const void *p, size_t n, void *ud);

void docker_demux_init(struct docker_demux *dm);
/* Feeds any chunking of the stream. Returns 0, -EPROTO on a frame of an
 * unknown stream type, or what cb returned. */
int docker_demux_feed(struct docker_demux *dm, const void *data, size_t len, docker_demux_fn cb,
                      void *ud) __attribute__((warn_unused_result));
/* True when the stream ended on a frame boundary. */
bool docker_demux_idle(const struct docker_demux *dm);

/* ---- JSON-lines progress (POST /build, POST /images/create) ---- */

#define DOCKER_LINE_CAP_BYTES 65536u

struct docker_progress {
    struct buf line; /* the current, unfinished line */
    docker_progress_fn cb;
    void *ud;
    bool failed;        /* an {"error": …} line came */
    char error[1024];   /* its message */
    char image_id[128]; /* "sha256:…" from aux.ID (build) or status (import) */
};

void docker_progress_init(struct docker_progress *pr, docker_progress_fn cb, void *ud);
void docker_progress_free(struct docker_progress *pr);
/* Feeds any chunking of the stream. -EFBIG for a line over the cap. */
int docker_progress_feed(struct docker_progress *pr, const char *p, size_t n)
    __attribute__((warn_unused_result));
/* Handles an unterminated last line. */
int docker_progress_finish(struct docker_progress *pr) __attribute__((warn_unused_result));
/* One complete line (no newline); bytes that are not JSON are reported as
 * they are. */
void docker_progress_line(struct docker_progress *pr, const char *line, size_t n);

/* ---- replies ---- */

/* The daemon's message from an error body ({"message": "…"}), else the body
 * itself as text, escaped and truncated to fit out. */
void docker_error_message(const char *body, size_t n, char *out, size_t outlen);
/* HTTP status → 0 or a negative errno, as docker.h describes. */
int docker_status_errno(long status);

/* ---- versions ---- */

/* Compares "1.41"-style versions: <0, 0, >0; unparsable sorts lowest. */
int docker_version_cmp(const char *a, const char *b);
/* The version to speak with a server whose ApiVersion is server (and whose
 * MinAPIVersion is server_min, may be NULL): min(server, DOCKER_API_MAX),
 * refused (-ENOTSUP) when below DOCKER_API_MIN or server_min is above
 * DOCKER_API_MAX. */
int docker_api_negotiate(const char *server, const char *server_min, char *out, size_t outlen)
    __attribute__((warn_unused_result));

#endif
