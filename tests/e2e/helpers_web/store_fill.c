/* store_fill: writes events into a store directory through the SQLite back
 * end's own write path (the rows the daemon would leave), for e2e tests that
 * need a store with sessions but no intrusion: store_fill DIR < LINES, each
 * line a JSON object with "type" (a known event type), "ts" and the event's
 * fields. Exit status 0, or 1 on a bad line or a failed write. */
#include "event/event.h"
#include "store/backend.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct store_options o = {0};
    char err[512], *line = NULL;
    size_t cap = 0;
    void *ctx = NULL;
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: store_fill DIR < events.jsonl\n");
        return 2;
    }
    o.dir = argv[1];
    if (store_backend_sqlite.open(&o, &ctx, err, sizeof(err)) < 0) {
        fprintf(stderr, "store_fill: %s\n", err);
        return 1;
    }
    while (rc == 0 && getline(&line, &cap, stdin) > 0) {
        json_t *in = json_loads(line, 0, NULL);
        enum event_type t;
        struct event_record *r = NULL;
        long long id;
        if (!in || event_type_from_name(json_string_value(json_object_get(in, "type")), &t) < 0) {
            fprintf(stderr, "store_fill: not an event: %s", line);
            json_decref(in);
            rc = 1;
            break;
        }
        json_t *ev = event_new(t);
        json_object_del(in, "type");
        json_object_update(ev, in);
        json_decref(in);
        if (event_encode(ev, "web-e2e", 0, &r) < 0 ||
            store_backend_sqlite.append_batch(ctx, &r, 1, &id, err, sizeof(err)) < 0) {
            fprintf(stderr, "store_fill: cannot write: %s\n", err);
            rc = 1;
        }
        json_decref(ev);
        event_record_free(r);
    }
    free(line);
    store_backend_sqlite.close(ctx);
    return rc;
}
