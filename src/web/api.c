/* api: the routes' answers (api.h). */
#include "web/api.h"

#include "common/util.h"
#include "common/xalloc.h"
#include "docker/docker.h"
#include "event/event.h"
#include "query/query.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Takes the reference to body. */
static void answer_json(struct web_answer *out, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        status = 500;
        text = xstrdup("{\"error\":\"the answer could not be encoded\"}");
    }
    out->status = status;
    out->len = strlen(text);
    out->body = xmalloc(out->len + 2);
    memcpy(out->body, text, out->len);
    out->body[out->len++] = '\n';
    out->body[out->len] = '\0';
    free(text);
}

static void answer_error(struct web_answer *out, unsigned status, const char *why)
{
    answer_json(out, status, json_pack("{s:s}", "error", why));
}

static void answer_read(struct web_answer *out, int rc, json_t *body, const char *err)
{
    if (rc < 0)
        answer_error(out, 500, err);
    else
        answer_json(out, 200, body);
}

static void events_page(const struct web_api *a, const struct web_events_params *p,
                        struct web_answer *out)
{
    struct store_event_filter f = {
        .since_us = p->since_us,
        .after_id = p->after_id,
        .type = p->type[0] ? p->type : NULL,
        .session = p->session[0] ? p->session : NULL,
        .honeynet = p->honeynet[0] ? p->honeynet : NULL,
        .src_ip = p->src_ip[0] ? p->src_ip : NULL,
    };
    json_t *page = NULL;
    char err[512] = "";
    int rc = query_events_page(&a->store, &f, p->limit, &page, err, sizeof(err));
    answer_read(out, rc, page, err);
}

static void hosts(const struct web_api *a, struct web_answer *out)
{
    struct docker *d = NULL;
    json_t *nets = NULL;
    char err[512] = "", warn[512] = "";
    if (docker_open(a->docker_host ? a->docker_host : "", &d, err, sizeof(err)) < 0) {
        answer_error(out, 503, err);
        return;
    }
    int rc = query_hosts(d, &a->store, a->plan_hosts, &nets, warn, sizeof(warn), err, sizeof(err));
    docker_close(d);
    if (rc < 0)
        answer_error(out, 503, err);
    else
        answer_json(out, 200, nets);
}

void web_api_answer(const struct web_api *a, enum web_route r, const char *id, web_param_fn get,
                    void *ud, struct web_answer *out)
{
    struct web_events_params p;
    json_t *body = NULL;
    char err[512] = "";
    int rc;

    switch (r) {
    case WEB_ROUTE_HEALTH:
        rc = query_health(&a->store, a->sensor, &body, err, sizeof(err));
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_EVENTS:
        if (web_events_params_parse(get, ud, util_now_us(), &p, err, sizeof(err)) < 0)
            answer_error(out, 400, err);
        else
            events_page(a, &p, out);
        return;
    case WEB_ROUTE_DOWNLOADS:
        if (web_page_params_parse(get, ud, &p, err, sizeof(err)) < 0) {
            answer_error(out, 400, err);
            return;
        }
        snprintf(p.type, sizeof(p.type), "%s", event_type_name(EVENT_FILE_DOWNLOAD));
        events_page(a, &p, out);
        return;
    case WEB_ROUTE_PORTS:
    case WEB_ROUTE_PAYLOADS:
        if (web_page_params_parse(get, ud, &p, err, sizeof(err)) < 0) {
            answer_error(out, 400, err);
            return;
        }
        rc = query_ports_page(&a->store, p.after_id, p.limit, r == WEB_ROUTE_PAYLOADS, &body, err,
                              sizeof(err));
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_INTRUSIONS:
        rc = query_intrusions(&a->store, &body, err, sizeof(err));
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_INTRUSION_GRAPH:
        rc = query_intrusion_graph(&a->store, id, &body, err, sizeof(err));
        if (rc == -ENOENT) {
            answer_error(out, 404, "no session from this source");
            return;
        }
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_SESSIONS:
        rc = query_sessions(&a->store, &body, err, sizeof(err));
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_SESSION:
        rc = query_session(&a->store, id, &body, err, sizeof(err));
        if (rc == 0 && json_array_size(body) == 0) {
            json_decref(body);
            answer_error(out, 404, "no such session");
            return;
        }
        answer_read(out, rc, body, err);
        return;
    case WEB_ROUTE_HOSTS:
        hosts(a, out);
        return;
    case WEB_ROUTE_OPENAPI:
        out->status = 200;
        out->len = web_openapi_json_len;
        out->body = xmalloc(out->len + 1);
        memcpy(out->body, web_openapi_json, out->len + 1);
        return;
    case WEB_ROUTE_NONE:
    default:
        answer_error(out, 404, "no such route (see /api/v1/openapi.json)");
        return;
    }
}
