/* docker internals shared by the files of the module (docker.c: handle and
 * HTTP core; calls.c: containers, networks, images; exec.c: exec and the
 * hijacked connection). Not for use outside src/docker/. */
#ifndef KARAKURI_DOCKER_DOCKER_INT_H
#define KARAKURI_DOCKER_DOCKER_INT_H

#include "docker/docker.h"
#include "docker/stream.h"

#include <curl/curl.h>

struct docker {
    CURL *curl;
    char *sock;   /* socket path, owned */
    char api[16]; /* negotiated version, "1.41" */
    char err[1024];
};

/* Plain calls get this long; streams (build, import, archives) no limit. */
#define DOCKER_CALL_TIMEOUT_S 120L

void docker_set_error(struct docker *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* URL-escapes s; the caller frees. */
char *docker_escape(const char *s);

/* A JSON call: path is after the version prefix, body may be NULL, out may be
 * NULL (a reply body is then ignored). Maps the status as docker.h says and
 * sets the error to "what: the daemon's message". */
int docker_call(struct docker *d, const char *what, const char *method, const char *path,
                const json_t *body, json_t **out) __attribute__((warn_unused_result));

/* docker_call with a limit of its own (calls that wait on the engine, such as
 * a stop with a grace period). */
int docker_call_timeout(struct docker *d, const char *what, const char *method, const char *path,
                        const json_t *body, long timeout_s, json_t **out)
    __attribute__((warn_unused_result));

/* docker_call of method before + escaped(arg) + after. */
int docker_call_arg(struct docker *d, const char *method, const char *before, const char *arg,
                    const char *after, const json_t *body, json_t **out)
    __attribute__((warn_unused_result));

/* A streaming call: the request body is read from in_fd (to EOF) when
 * in_fd >= 0, sent as ctype; a successful reply goes to out_fd (at most
 * out_cap bytes, else -EFBIG) or through pr, line by line. */
struct docker_stream_call {
    const char *what;
    const char *method;
    const char *path;
    const char *ctype;
    int in_fd;
    int out_fd;
    size_t out_cap;
    struct docker_progress *pr;
};
int docker_call_stream(struct docker *d, const struct docker_stream_call *c)
    __attribute__((warn_unused_result));

#endif
