/* honeynet extract: the files a session left in its gateway, and the last
 * ones before a honeynet goes, through one path (monitor_extract_changes).
 * A file is recorded unless this content at this path was already; past
 * [containment] extract_files, or once stop's drain deadline has passed,
 * the rest are counted in one file.truncated. */
#include "honeynet/honeynet_int.h"

#include "common/log.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "event/event.h"
#include "monitor/files.h"

#include <stdlib.h>
#include <string.h>

struct extract_ctx {
    struct honeynet_service *h;
    const struct honeynet_who *who; /* NULL: at the honeynet's removal */
    const char *honeynet, *container;
};

static bool on_file(const struct monitor_file *f, void *ud)
{
    struct extract_ctx *x = ud;
    struct honeynet_service *h = x->h;
    char *key = xasprintf("%s %s", x->container, f->path);
    pthread_mutex_lock(&h->mu);
    const char *seen = json_string_value(json_object_get(h->files_seen, key));
    bool is_new = !seen || strcmp(seen, f->sha256) != 0;
    /* At removal nothing is remembered: the container is going. */
    if (is_new && x->who && json_object_size(h->files_seen) < 100000)
        json_object_set_new(h->files_seen, key, json_string(f->sha256));
    pthread_mutex_unlock(&h->mu);
    free(key);
    if (!is_new)
        return true;
    json_t *ev = monitor_file_event(f, x->honeynet);
    if (!x->who)
        json_object_set_new(ev, "container", json_string(x->container));
    honeynet_emit(h, x->who, ev);
    return true;
}

static void truncated(struct honeynet_service *h, const struct extract_ctx *x,
                      const struct monitor_files_result *r)
{
    json_t *ev = event_new(EVENT_FILE_TRUNCATED);
    json_object_set_new(ev, "honeynet", json_string(x->honeynet));
    json_object_set_new(ev, "container", json_string(x->container));
    json_object_set_new(ev, "files", json_integer((json_int_t)r->files));
    json_object_set_new(ev, "files_skipped", json_integer((json_int_t)r->skipped));
    json_object_set_new(ev, "reason", json_string(r->truncated));
    json_object_set_new(ev, "extract_files", json_integer(h->cfg->containment.extract_files));
    honeynet_emit(h, x->who, ev);
}

/* Extracts what changed in container; who NULL at the honeynet's removal. */
static void extract(struct worker *w, const struct honeynet_who *who, const char *honeynet,
                    const char *container)
{
    struct honeynet_service *h = w->h;
    struct monitor_files_result r = {0};
    struct monitor_files_options o = {.store_dir = h->cfg->store.dir,
                                      .max_file_bytes = 16u << 20,
                                      .max_total_bytes = 256u << 20,
                                      .max_files = h->cfg->containment.extract_files,
                                      .deadline_mono_us = &h->drain_deadline_us,
                                      .deadline_why = "karakuri stopped",
                                      .result = &r};
    struct extract_ctx x = {.h = h, .who = who, .honeynet = honeynet, .container = container};
    char err[512];
    if (honeynet_docker(w, err, sizeof(err)) < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: files of %s not extracted: %s", honeynet, err);
        return;
    }
    if (monitor_extract_changes(w->d, container, &o, on_file, &x) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: files of %s not extracted: %s", honeynet,
                        docker_last_error(w->d));
    if (r.truncated)
        truncated(h, &x, &r);
}

void honeynet_run_extract(struct worker *w, struct job *j)
{
    extract(w, &j->who, j->key, j->container);
}

void honeynet_extract_final(struct worker *w, const char *honeynet, const char *container)
{
    extract(w, NULL, honeynet, container);
}
