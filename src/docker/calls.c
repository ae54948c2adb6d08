/* docker calls: containers, networks and images, each a thin shape over
 * docker_call()/docker_call_stream(). Ids and names go into paths
 * URL-escaped; what the engine answers is checked for the fields used. */
#include "docker/docker_int.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int docker_call_arg(struct docker *d, const char *method, const char *before, const char *arg,
                    const char *after, const json_t *body, json_t **out)
{
    char *e = docker_escape(arg);
    char *path = xasprintf("%s%s%s", before, e, after);
    char *what = xasprintf("%s %s", method, path);
    int rc = docker_call(d, what, method, path, body, out);
    free(what);
    free(path);
    free(e);
    return rc;
}

/* Takes reply["Id"] as a new string. */
static int take_id(struct docker *d, json_t *reply, const char *key, char **id_out)
{
    const char *id = json_string_value(json_object_get(reply, key));
    int rc = 0;
    if (!id) {
        docker_set_error(d, "the engine's reply has no %s", key);
        rc = -EPROTO;
    } else if (id_out) {
        *id_out = xstrdup(id);
    }
    json_decref(reply);
    return rc;
}

/* prefix + key=<v as escaped JSON>, or "" when v is NULL. */
static char *json_param(const char *prefix, const char *key, const json_t *v)
{
    if (!v)
        return xstrdup("");
    char *text = json_dumps(v, JSON_COMPACT);
    char *e = docker_escape(text ? text : "{}");
    char *q = xasprintf("%s%s=%s", prefix, key, e);
    free(e);
    free(text);
    return q;
}

/* GET path_q + filters; the reply must be a list. */
static int list(struct docker *d, const char *path_q, const json_t *filters, json_t **out)
{
    char *q = json_param("", "filters", filters);
    char *path = xasprintf("%s%s", path_q, q);
    json_t *v = NULL;
    int rc = docker_call(d, path_q, "GET", path, NULL, &v);
    free(path);
    free(q);
    if (rc == 0 && !json_is_array(v)) {
        docker_set_error(d, "GET %s: reply is not a list", path_q);
        rc = -EPROTO;
    }
    if (rc == 0)
        *out = v;
    else
        json_decref(v);
    return rc;
}

/* ---- containers ---- */

int docker_container_create(struct docker *d, const char *name, const json_t *spec, char **id_out)
{
    json_t *reply = NULL;
    int rc;
    if (name)
        rc = docker_call_arg(d, "POST", "/containers/create?name=", name, "", spec, &reply);
    else
        rc = docker_call(d, "POST /containers/create", "POST", "/containers/create", spec, &reply);
    return rc < 0 ? rc : take_id(d, reply, "Id", id_out);
}

int docker_container_start(struct docker *d, const char *id)
{
    return docker_call_arg(d, "POST", "/containers/", id, "/start", NULL, NULL);
}

int docker_container_stop(struct docker *d, const char *id, int timeout_s)
{
    char *e = docker_escape(id);
    char *path = xasprintf("/containers/%s/stop?t=%d", e, timeout_s);
    /* The engine answers once the grace period is over (and a kill after it). */
    long limit_s = DOCKER_CALL_TIMEOUT_S + (timeout_s > 0 ? timeout_s : 0);
    int rc = docker_call_timeout(d, path, "POST", path, NULL, limit_s, NULL);
    free(path);
    free(e);
    return rc;
}

int docker_container_kill(struct docker *d, const char *id, const char *signal)
{
    char *e = docker_escape(id), *s = docker_escape(signal ? signal : "KILL");
    char *path = xasprintf("/containers/%s/kill?signal=%s", e, s);
    int rc = docker_call(d, path, "POST", path, NULL, NULL);
    free(path);
    free(s);
    free(e);
    return rc;
}

int docker_container_remove(struct docker *d, const char *id, bool force, bool volumes)
{
    char *e = docker_escape(id);
    char *path = xasprintf("/containers/%s?force=%d&v=%d", e, force, volumes);
    int rc = docker_call(d, path, "DELETE", path, NULL, NULL);
    free(path);
    free(e);
    return rc;
}

int docker_container_inspect(struct docker *d, const char *id, json_t **out)
{
    return docker_call_arg(d, "GET", "/containers/", id, "/json", NULL, out);
}

int docker_container_list(struct docker *d, bool all, const json_t *filters, json_t **out)
{
    return list(d, all ? "/containers/json?all=1&" : "/containers/json?", filters, out);
}

int docker_container_diff(struct docker *d, const char *id, json_t **out)
{
    json_t *v = NULL;
    int rc = docker_call_arg(d, "GET", "/containers/", id, "/changes", NULL, &v);
    if (rc == 0)
        *out = v ? v : json_array(); /* the engine says null for no changes */
    return rc;
}

int docker_container_diff_fd(struct docker *d, const char *id, int fd, size_t cap_bytes)
{
    char *e = docker_escape(id);
    char *url = xasprintf("/containers/%s/changes", e);
    char *what = xasprintf("GET %s", url);
    struct docker_stream_call c = {.what = what,
                                   .method = "GET",
                                   .path = url,
                                   .in_fd = -1,
                                   .out_fd = fd,
                                   .out_cap = cap_bytes};
    int rc = docker_call_stream(d, &c);
    free(what);
    free(url);
    free(e);
    return rc;
}

static int archive(struct docker *d, const char *method, const char *id, const char *path,
                   int in_fd, int out_fd, size_t cap)
{
    char *e = docker_escape(id), *p = docker_escape(path);
    char *url = xasprintf("/containers/%s/archive?path=%s", e, p);
    char *what = xasprintf("%s %s", method, url);
    struct docker_stream_call c = {.what = what,
                                   .method = method,
                                   .path = url,
                                   .ctype = in_fd >= 0 ? "application/x-tar" : NULL,
                                   .in_fd = in_fd,
                                   .out_fd = out_fd,
                                   .out_cap = cap};
    int rc = docker_call_stream(d, &c);
    free(what);
    free(url);
    free(p);
    free(e);
    return rc;
}

int docker_container_archive_get(struct docker *d, const char *id, const char *path, int fd,
                                 size_t cap_bytes)
{
    return archive(d, "GET", id, path, -1, fd, cap_bytes);
}

int docker_container_archive_put(struct docker *d, const char *id, const char *path, int fd)
{
    return archive(d, "PUT", id, path, fd, -1, 0);
}

int docker_container_commit(struct docker *d, const char *id, const char *repo, const char *tag,
                            char **image_id_out)
{
    char *e = docker_escape(id), *r = docker_escape(repo), *t = docker_escape(tag);
    char *path = xasprintf("/commit?container=%s&repo=%s&tag=%s&pause=0", e, r, t);
    json_t *reply = NULL;
    int rc = docker_call(d, "POST /commit", "POST", path, NULL, &reply);
    free(path);
    free(t);
    free(r);
    free(e);
    return rc < 0 ? rc : take_id(d, reply, "Id", image_id_out);
}

/* ---- networks ---- */

int docker_network_create(struct docker *d, const json_t *spec, char **id_out)
{
    json_t *reply = NULL;
    int rc = docker_call(d, "POST /networks/create", "POST", "/networks/create", spec, &reply);
    return rc < 0 ? rc : take_id(d, reply, "Id", id_out);
}

int docker_network_remove(struct docker *d, const char *id)
{
    return docker_call_arg(d, "DELETE", "/networks/", id, "", NULL, NULL);
}

int docker_network_connect(struct docker *d, const char *net, const char *container,
                           const char *ipv4)
{
    json_t *body = json_pack("{s:s}", "Container", container);
    if (ipv4)
        json_object_set_new(body, "EndpointConfig",
                            json_pack("{s:{s:s}}", "IPAMConfig", "IPv4Address", ipv4));
    int rc = docker_call_arg(d, "POST", "/networks/", net, "/connect", body, NULL);
    json_decref(body);
    return rc;
}

int docker_network_disconnect(struct docker *d, const char *net, const char *container, bool force)
{
    json_t *body = json_pack("{s:s, s:b}", "Container", container, "Force", force);
    int rc = docker_call_arg(d, "POST", "/networks/", net, "/disconnect", body, NULL);
    json_decref(body);
    return rc;
}

int docker_network_inspect(struct docker *d, const char *id, json_t **out)
{
    return docker_call_arg(d, "GET", "/networks/", id, "", NULL, out);
}

int docker_network_list(struct docker *d, const json_t *filters, json_t **out)
{
    return list(d, "/networks?", filters, out);
}

/* ---- images ---- */

int docker_image_inspect(struct docker *d, const char *name, json_t **out)
{
    return docker_call_arg(d, "GET", "/images/", name, "/json", NULL, out);
}

int docker_image_list(struct docker *d, const json_t *filters, json_t **out)
{
    return list(d, "/images/json?", filters, out);
}

/* POSTs the tar read from fd to path, reading the engine's progress; an
 * image id must come back. */
static int post_with_progress(struct docker *d, const char *what, const char *path, int fd,
                              docker_progress_fn cb, void *ud, char **image_id_out)
{
    struct docker_progress pr;
    docker_progress_init(&pr, cb, ud);
    struct docker_stream_call c = {.what = what,
                                   .method = "POST",
                                   .path = path,
                                   .ctype = "application/x-tar",
                                   .in_fd = fd,
                                   .out_fd = -1,
                                   .pr = &pr};
    int rc = docker_call_stream(d, &c);
    if (rc == 0 && !pr.image_id[0]) {
        docker_set_error(d, "%s: the engine reported no image id", what);
        rc = -EPROTO;
    }
    if (rc == 0 && image_id_out)
        *image_id_out = xstrdup(pr.image_id);
    docker_progress_free(&pr);
    return rc;
}

int docker_image_import(struct docker *d, int fd, const char *repo, const char *tag,
                        docker_progress_fn cb, void *ud, char **image_id_out)
{
    char *r = docker_escape(repo), *t = docker_escape(tag);
    char *path = xasprintf("/images/create?fromSrc=-&repo=%s&tag=%s", r, t);
    int rc = post_with_progress(d, "POST /images/create (import)", path, fd, cb, ud, image_id_out);
    free(path);
    free(t);
    free(r);
    return rc;
}

int docker_image_build(struct docker *d, int context_fd, const struct docker_build_options *o,
                       docker_progress_fn cb, void *ud, char **image_id_out)
{
    char *t = docker_escape(o->tag);
    char *args = json_param("&", "buildargs", o->buildargs);
    char *labels = json_param("&", "labels", o->labels);
    char *path =
        xasprintf("/build?t=%s&rm=1&forcerm=1&nocache=%d%s%s", t, o->nocache, args, labels);
    int rc = post_with_progress(d, "POST /build", path, context_fd, cb, ud, image_id_out);
    free(path);
    free(labels);
    free(args);
    free(t);
    return rc;
}

int docker_image_tag(struct docker *d, const char *name, const char *repo, const char *tag)
{
    char *n = docker_escape(name), *r = docker_escape(repo), *t = docker_escape(tag);
    char *path = xasprintf("/images/%s/tag?repo=%s&tag=%s", n, r, t);
    int rc = docker_call(d, path, "POST", path, NULL, NULL);
    free(path);
    free(t);
    free(r);
    free(n);
    return rc;
}

int docker_image_remove(struct docker *d, const char *name, bool force)
{
    char *n = docker_escape(name);
    char *path = xasprintf("/images/%s?force=%d", n, force);
    int rc = docker_call(d, path, "DELETE", path, NULL, NULL);
    free(path);
    free(n);
    return rc;
}
