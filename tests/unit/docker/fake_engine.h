/* fake_engine: a stand-in for dockerd in the docker unit tests.
 *
 * It listens on a unix socket in a directory of its own and serves every
 * connection in a thread of its own (a hijacked exec connection stays open
 * while the client makes other calls). It answers GET /version itself with
 * the ApiVersion in fake_engine.api; every other request, read whole (a
 * Content-Length or chunked body is decoded), goes to the test's handler,
 * which owns the connection until it returns (the fake closes it then).
 *
 * Lifecycle: fake_engine_start() → docker_open(fe.url, …) → calls →
 * fake_engine_stop(), which waits for every connection's thread. */
#ifndef KARAKURI_TESTS_FAKE_ENGINE_H
#define KARAKURI_TESTS_FAKE_ENGINE_H

#include <pthread.h>
#include <stddef.h>

struct fake_request {
    char line[1024]; /* "GET /v1.41/containers/x/json HTTP/1.1" */
    char head[8192]; /* the whole header, NUL-terminated */
    char *body;      /* decoded, NUL-terminated (tests send text) */
    size_t body_len;
};

/* Runs on the connection's thread; fd stays open until it returns. */
typedef void (*fake_handler_fn)(int fd, const struct fake_request *rq);

#define FAKE_MAX_CONNS 256

struct fake_engine {
    char dir[64], sock[128], url[160];
    int lfd;
    pthread_t accept_th;
    pthread_t conn_th[FAKE_MAX_CONNS];
    int nconn;
    volatile int stop;
    const char *api; /* what GET /version says, "1.41" unless set */
    fake_handler_fn handler;
};

extern struct fake_engine fake;

/* Starts the fake with this handler; 0 or -1. */
int fake_engine_start(fake_handler_fn handler);
void fake_engine_stop(void);

int fake_send_all(int fd, const void *p, size_t n);
/* A complete reply with a Content-Length; extra_headers is "" or
 * "Name: value\r\n…". */
void fake_reply(int fd, int status, const char *extra_headers, const char *body);
/* One frame of a multiplexed stream. */
void fake_frame(int fd, int stream, const void *p, size_t n);

#endif
