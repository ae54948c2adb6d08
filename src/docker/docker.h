/* docker: a client for the Docker Engine HTTP API over its unix socket
 * (libcurl for HTTP, jansson for JSON).
 *
 * Lifecycle: docker_open() → calls → docker_close(). A handle is used by one
 * thread at a time; threads that talk to the engine concurrently open one
 * handle each. The API version is negotiated at open time with GET /version
 * (the lower of the server's and DOCKER_API_MAX, refusing servers older than
 * DOCKER_API_MIN) and every path is sent as /v<version>/<path>.
 *
 * Every fallible call returns 0 or a negative errno; after a failure
 * docker_last_error() says why, with the daemon's own message when it sent
 * one. Status codes map to errnos: 404 → -ENOENT, 409 → -EEXIST, 400 →
 * -EINVAL, 403 → -EPERM, other 4xx/5xx → -EIO, engine unreachable →
 * -ECONNREFUSED, malformed reply → -EPROTO, reply over the cap → -EFBIG.
 * 304 ("already started/stopped") counts as success.
 *
 * JSON arguments are borrowed; json_t results (*out) are new references the
 * caller decrefs; strings returned through char ** are malloc'd and the caller
 * frees them. Out-parameters are set only on success. */
#ifndef KARAKURI_DOCKER_DOCKER_H
#define KARAKURI_DOCKER_DOCKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Every container, network and image karakuri makes carries LABEL=1. */
#define DOCKER_LABEL_MANAGED "karakuri.managed"

#define DOCKER_API_MIN "1.41"
#define DOCKER_API_MAX "1.45"

/* Cap on any JSON reply body. */
#define DOCKER_BODY_CAP_BYTES 16777216u
/* Cap on what docker_exec() keeps of stdout and of stderr each. */
#define DOCKER_EXEC_CAP_BYTES 4194304u

#define WUR __attribute__((warn_unused_result))

struct docker;

/* host: "unix:///path" (or NULL/"" for $DOCKER_HOST, else
 * unix:///var/run/docker.sock). Connects, negotiates the API version. On
 * failure writes the reason (with the socket tried) into err. */
int docker_open(const char *host, struct docker **out, char *err, size_t errlen) WUR;
void docker_close(struct docker *d);

const char *docker_socket_path(const struct docker *d);
/* The negotiated version, e.g. "1.41". */
const char *docker_api_version(const struct docker *d);
const char *docker_last_error(const struct docker *d);

int docker_ping(struct docker *d) WUR;
/* GET /version as returned by the engine. */
int docker_version(struct docker *d, json_t **out) WUR;

/* Any call: method "GET"/"POST"/"DELETE"/…, path after the version prefix
 * ("/containers/json?all=1"), body NULL or JSON. *out gets the parsed reply
 * (NULL when the body is empty); out may be NULL. status gets the HTTP code. */
int docker_request(struct docker *d, const char *method, const char *path, const json_t *body,
                   long *status, json_t **out) WUR;

/* ---- containers ---- */

/* spec is the body of POST /containers/create; name may be NULL. */
int docker_container_create(struct docker *d, const char *name, const json_t *spec,
                            char **id_out) WUR;
int docker_container_start(struct docker *d, const char *id) WUR;
int docker_container_stop(struct docker *d, const char *id, int timeout_s) WUR;
/* signal: "KILL", "TERM", … or NULL for KILL. */
int docker_container_kill(struct docker *d, const char *id, const char *signal) WUR;
int docker_container_remove(struct docker *d, const char *id, bool force, bool volumes) WUR;
int docker_container_inspect(struct docker *d, const char *id, json_t **out) WUR;
/* filters: {"label": ["k=v"], …} or NULL. */
int docker_container_list(struct docker *d, bool all, const json_t *filters, json_t **out) WUR;
/* GET /containers/{id}/changes: [{"Path":…, "Kind":0|1|2}] (modified/added/deleted). */
int docker_container_diff(struct docker *d, const char *id, json_t **out) WUR;
/* The same list as JSON text written to fd, however long: -EFBIG (and stops)
 * once more than cap_bytes arrived, what came before the cap left in fd. */
int docker_container_diff_fd(struct docker *d, const char *id, int fd, size_t cap_bytes) WUR;
/* Writes the tar of path inside the container to fd; -EFBIG (and stops) once
 * more than cap_bytes arrived. */
int docker_container_archive_get(struct docker *d, const char *id, const char *path, int fd,
                                 size_t cap_bytes) WUR;
/* Extracts the tar read from fd (to EOF) into directory path in the container. */
int docker_container_archive_put(struct docker *d, const char *id, const char *path, int fd) WUR;
/* HEAD of an archive path: {"name", "size", "mode" (Go's os.FileMode: bit 31
 * directory, 27 symlink), "mtime", "linkTarget"}. -ENOENT if absent. */
int docker_container_stat_path(struct docker *d, const char *id, const char *path,
                               json_t **out) WUR;
/* The most bytes of the X-Docker-Container-Path-Stat value taken. */
#define DOCKER_PATH_STAT_MAX 8192
/* One header line of that reply (line[0..n), not NUL-terminated): true with
 * the value (blanks and CR/LF trimmed) when it is the path-stat header.
 * Pure; fuzzed. */
bool docker_path_stat_header(const char *line, size_t n, const char **value, size_t *vlen);
/* The value, base64 of a JSON object: 0 and *out (the caller owns it), or
 * -EPROTO. Pure; fuzzed. */
int docker_path_stat_parse(const char *b64, size_t n, json_t **out) WUR;
/* Commits the container's filesystem as repo:tag; image_id_out may be NULL. */
int docker_container_commit(struct docker *d, const char *id, const char *repo, const char *tag,
                            char **image_id_out) WUR;

/* ---- exec ---- */

/* The status of the reply header to an exec start (hdr[0..len), NUL at len,
 * "HTTP/1.1 101 UPGRADED\r\n…"): 0 and *status in 100..599, or -EPROTO.
 * Pure; fuzzed. */
int docker_hijack_status(const char *hdr, size_t len, long *status) WUR;

struct docker_exec_options {
    const char *const *argv; /* NULL-terminated */
    const char *user;        /* NULL: the image's user */
    const char *const *env;  /* NULL or NULL-terminated "K=V" */
    const char *workdir;     /* NULL: the image's */
    const void *stdin_data;  /* written to the process's stdin, then EOF */
    size_t stdin_len;
};

struct docker_exec_result {
    int exit_code;
    char *out; /* NUL-terminated, at most DOCKER_EXEC_CAP_BYTES kept */
    size_t out_len;
    char *err;
    size_t err_len;
};

/* Runs a command to completion without a TTY. On success res is filled
 * (free it with docker_exec_result_free) whatever the exit code. */
int docker_exec(struct docker *d, const char *id, const struct docker_exec_options *o,
                struct docker_exec_result *res) WUR;
void docker_exec_result_free(struct docker_exec_result *res);

/* Starts a command on a TTY of rows×cols and hands back the hijacked
 * connection: a socket carrying the raw pty stream both ways (the caller owns
 * and closes *fd_out), and the exec id for resize/inspect (caller frees). */
int docker_exec_tty(struct docker *d, const char *id, const struct docker_exec_options *o,
                    unsigned rows, unsigned cols, int *fd_out, char **exec_id_out) WUR;
int docker_exec_resize(struct docker *d, const char *exec_id, unsigned rows, unsigned cols) WUR;
/* GET /exec/{id}/json: Running, ExitCode, Pid, … */
int docker_exec_inspect(struct docker *d, const char *exec_id, json_t **out) WUR;

/* ---- networks ---- */

/* spec is the body of POST /networks/create (Name, Internal, IPAM, Labels…). */
int docker_network_create(struct docker *d, const json_t *spec, char **id_out) WUR;
int docker_network_remove(struct docker *d, const char *id) WUR;
/* ipv4 NULL: the engine picks an address. */
int docker_network_connect(struct docker *d, const char *net, const char *container,
                           const char *ipv4) WUR;
int docker_network_disconnect(struct docker *d, const char *net, const char *container,
                              bool force) WUR;
int docker_network_inspect(struct docker *d, const char *id, json_t **out) WUR;
int docker_network_list(struct docker *d, const json_t *filters, json_t **out) WUR;

/* ---- images ---- */

/* One line of build/import progress, as the engine reported it ("Step 2/7 :
 * RUN …", "Downloading 12.3MB", …), without trailing newline. */
typedef void (*docker_progress_fn)(const char *line, void *ud);

int docker_image_inspect(struct docker *d, const char *name, json_t **out) WUR;
int docker_image_list(struct docker *d, const json_t *filters, json_t **out) WUR;
/* POST /images/create?fromSrc=-: imports the root filesystem tar read from fd
 * (to EOF) as repo:tag. */
int docker_image_import(struct docker *d, int fd, const char *repo, const char *tag,
                        docker_progress_fn cb, void *ud, char **image_id_out) WUR;

struct docker_build_options {
    const char *tag;         /* repo:tag */
    const json_t *buildargs; /* {"K":"V"} or NULL */
    const json_t *labels;    /* {"K":"V"} or NULL */
    bool nocache;
};
/* POST /build with the build context tar read from fd (to EOF). A build error
 * reported in the stream fails the call with the engine's message. */
int docker_image_build(struct docker *d, int context_fd, const struct docker_build_options *o,
                       docker_progress_fn cb, void *ud, char **image_id_out) WUR;
int docker_image_tag(struct docker *d, const char *name, const char *repo, const char *tag) WUR;
int docker_image_remove(struct docker *d, const char *name, bool force) WUR;

#undef WUR

#endif
