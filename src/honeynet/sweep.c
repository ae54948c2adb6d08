/* honeynet sweep: honeynets past [honeynet] retention or [containment]
 * honeynet_lifetime are removed, decoys and all (the responder notices its
 * bridge gone, and extracts the decoys' files before it stops them):
 * contain.expired. What changed in the gateway since its last session's end
 * (a process left running) is extracted first. One over its lifetime with
 * sessions open has them ended first (HONEYNET_END_SESSIONS) and goes at a
 * later sweep, once they are recorded; its trails' admin key goes with it.
 * Afterwards the host keys of sources
 * whose honeynet is gone, unused for retention, are removed. */
#include "honeynet/honeynet_int.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/honeynet.h"
#include "lan/trail.h"
#include "monitor/exec.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What to do with honeynet hn; a removal locks it (no login meanwhile). */
static enum honeynet_verdict judge(struct honeynet_service *h, const char *hn, long long created,
                                   const char **why)
{
    long long now_s = util_now_us() / 1000000;
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_find(&h->reg, hn);
    enum honeynet_verdict v =
        honeynet_registry_verdict(e, created, now_s, h->cfg->honeynet.retention_s,
                                  h->cfg->containment.honeynet_lifetime_s, why);
    if (v == HONEYNET_REMOVE)
        honeynet_registry_get(&h->reg, hn)->locked = true;
    pthread_mutex_unlock(&h->mu);
    return v;
}

static void expired(struct honeynet_service *h, const char *hn, const char *why)
{
    json_t *ev = event_new(EVENT_CONTAIN_EXPIRED);
    json_object_set_new(ev, "what", json_string("honeynet"));
    json_object_set_new(ev, "honeynet", json_string(hn));
    json_object_set_new(ev, "reason", json_string(why));
    json_object_set_new(ev, "lifetime_s",
                        json_integer(strcmp(why, "lifetime") == 0
                                         ? h->cfg->containment.honeynet_lifetime_s
                                         : h->cfg->honeynet.retention_s));
    honeynet_emit(h, NULL, ev);
}

static void remove_one(struct worker *w, const char *hn, const char *id, const char *why)
{
    struct honeynet_service *h = w->h;
    char err[512];
    monitor_exec_unwatch(h->mon, id);
    honeynet_extract_final(w, hn, id);
    int rc = lan_honeynet_remove(w->d, hn, err, sizeof(err));
    if (rc < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: %s", err);
    else
        expired(h, hn, why);
    /* Its admin key (trail.h) goes with it: a new honeynet of the name gets
     * a new one. */
    if (rc == 0 && lan_trail_remove(h->cfg->store.dir, hn) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: the trails of %s not removed", hn);
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_get(&h->reg, hn);
    e->locked = false;
    e->gw_known = false; /* gone, or half gone: the next login looks */
    e->nusers = e->next_user = 0;
    if (rc == 0 && !e->jobs && !e->open)
        honeynet_registry_forget(&h->reg, hn);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static const char *honeynet_of(json_t *ctr)
{
    return json_string_value(json_object_get(json_object_get(ctr, "Labels"), LAN_LABEL_HONEYNET));
}

/* The host keys of sources with no gateway left, untouched for retention. */
static void prune_hostkeys(struct honeynet_service *h, json_t *gateways)
{
    char *top = xasprintf("%s/hostkeys", h->cfg->store.dir);
    DIR *dir = h->hooks.keys_remove ? opendir(top) : NULL;
    struct dirent *e;
    long long now_s = util_now_us() / 1000000;
    while (dir && (e = readdir(dir))) {
        bool used = e->d_name[0] == '.' || strcmp(e->d_name, "shared") == 0;
        size_t i;
        json_t *it;
        json_array_foreach(gateways, i, it)
        {
            const char *hn = honeynet_of(it);
            used |= hn && strncmp(hn, "src-", 4) == 0 && strcmp(hn + 4, e->d_name) == 0;
        }
        char *path = xasprintf("%s/%s", top, e->d_name);
        struct stat st;
        if (!used && lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
            now_s - st.st_mtime >= h->cfg->honeynet.retention_s && h->hooks.keys_remove(path) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: cannot remove %s", path);
        free(path);
    }
    if (dir)
        closedir(dir);
    free(top);
}

void honeynet_run_sweep(struct worker *w)
{
    struct honeynet_service *h = w->h;
    char err[512];
    if (honeynet_docker(w, err, sizeof(err)) < 0)
        return; /* the engine is down: nothing to sweep */
    json_t *f = json_pack("{s:[s]}", "label", LAN_LABEL_ROLE "=gateway"), *list = NULL, *it;
    size_t i;
    int rc = docker_container_list(w->d, true, f, &list);
    json_decref(f);
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: listing gateways: %s", docker_last_error(w->d));
        return;
    }
    json_array_foreach(list, i, it)
    {
        const char *hn = honeynet_of(it), *id = json_string_value(json_object_get(it, "Id"));
        const char *why = "";
        if (!hn || !id)
            continue;
        enum honeynet_verdict v =
            judge(h, hn, json_integer_value(json_object_get(it, "Created")), &why);
        if (v == HONEYNET_END_THEM) {
            struct honeynet_done d = {.kind = HONEYNET_END_SESSIONS, .up = -1};
            snprintf(d.honeynet, sizeof(d.honeynet), "%s", hn);
            honeynet_post(h, &d);
        } else if (v == HONEYNET_REMOVE) {
            remove_one(w, hn, id, why);
        }
    }
    /* What was just removed no longer counts as used. */
    json_decref(list);
    list = NULL;
    f = json_pack("{s:[s]}", "label", LAN_LABEL_ROLE "=gateway");
    if (docker_container_list(w->d, true, f, &list) == 0)
        prune_hostkeys(h, list);
    json_decref(f);
    json_decref(list);
}
