/* karakuri export --format cowrie: the recorded events as JSON lines in
 * Cowrie's schema, so that pipelines built for Cowrie (ELK, T-Pot, DShield)
 * take karakuri's sessions as they are. Events with no Cowrie counterpart are
 * left out. */
#include "cli/cli.h"
#include "common/util.h"
#include "config/config.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: karakuri [-c FILE] export --format cowrie [--since T]\n"
    "\n"
    "Prints every recorded SSH event as a JSON line in Cowrie's event schema\n"
    "(cowrie.session.connect, cowrie.login.success, cowrie.command.input,\n"
    "cowrie.session.closed, ...). --since takes an RFC 3339 time.\n";

/* karakuri type → Cowrie eventid, and the fields carried over (ours:theirs). */
struct mapping {
    const char *type, *eventid;
    const char *fields[6];
};

static const struct mapping map[] = {
    {"session.connect", "cowrie.session.connect", {"dst_port:dst_port", "dst_ip:dst_ip"}},
    {"session.version", "cowrie.client.version", {"version:version"}},
    {"session.kex",
     "cowrie.client.kex",
     {"hassh:hassh", "kex:kexAlgs", "ciphers:encCS", "macs:macCS", "compression:compCS"}},
    {"login.success", "cowrie.login.success", {"username:username", "password:password"}},
    {"login.failed", "cowrie.login.failed", {"username:username", "password:password"}},
    {"login.publickey",
     "cowrie.client.fingerprint",
     {"username:username", "fingerprint:fingerprint", "key_type:type"}},
    {"command.input", "cowrie.command.input", {"input:input"}},
    {"command.exec", "cowrie.command.input", {"command:input"}},
    {"session.pty", "cowrie.client.size", {"width:width", "height:height"}},
    {"session.env", "cowrie.client.var", {"name:name", "value:value"}},
    {"tty.log", "cowrie.log.closed", {"artifact:ttylog", "size:size"}},
    {"file.upload",
     "cowrie.session.file_upload",
     {"path:filename", "artifact:shasum", "size:size"}},
    {"tcpip.forward", "cowrie.direct-tcpip.request", {"dst_ip:dst_ip", "dst_port:dst_port"}},
    {"session.closed", "cowrie.session.closed", {"reason:reason"}},
};

static const struct mapping *find(const char *type)
{
    for (size_t i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].type, type) == 0)
            return &map[i];
    return NULL;
}

static int export_event(long long id, const char *line, void *ud)
{
    json_t *ev = json_loads(line, 0, NULL);
    const struct mapping *m = find(json_string_value(json_object_get(ev, "type")));
    (void)id;
    (void)ud;
    if (!m || !json_object_get(ev, "session")) {
        json_decref(ev);
        return 0;
    }
    json_t *out = json_pack("{s:s, s:O, s:O, s:O, s:O, s:s}", "eventid", m->eventid, "timestamp",
                            json_object_get(ev, "ts"), "session", json_object_get(ev, "session"),
                            "src_ip", json_object_get(ev, "src_ip") ?: json_null(), "sensor",
                            json_object_get(ev, "sensor"), "protocol", "ssh");
    if (json_object_get(ev, "src_port"))
        json_object_set(out, "src_port", json_object_get(ev, "src_port"));
    for (size_t i = 0; i < 6 && m->fields[i]; i++) {
        const char *colon = strchr(m->fields[i], ':');
        char ours[32];
        snprintf(ours, sizeof(ours), "%.*s", (int)(colon - m->fields[i]), m->fields[i]);
        json_t *v = json_object_get(ev, ours);
        if (v)
            json_object_set(out, colon + 1, v);
    }
    /* Cowrie gives a session's duration in seconds. */
    if (strcmp(m->type, "session.closed") == 0)
        json_object_set_new(
            out, "duration",
            json_real((double)json_integer_value(json_object_get(ev, "duration_ms")) / 1000.0));
    char *text = json_dumps(out, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(out);
    json_decref(ev);
    return 0;
}

int cli_export(const struct config *cfg, int argc, char **argv)
{
    struct store_event_filter f = {0};
    const char *format = NULL;
    char err[512];

    if (cli_wants_help(argc, argv, help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--format") == 0 && a + 1 < argc) {
            format = argv[++a];
        } else if (strcmp(argv[a], "--since") == 0 && a + 1 < argc) {
            if (util_rfc3339_parse(argv[++a], &f.since_us) < 0) {
                fprintf(stderr, "karakuri export: --since wants an RFC 3339 time\n");
                return 2;
            }
        } else {
            fprintf(stderr, "karakuri export: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (!format || strcmp(format, "cowrie") != 0) {
        fprintf(stderr, "karakuri export: --format cowrie is the format there is\n");
        return 2;
    }
    int rc = store_events_query(cfg->store.dir, &f, export_event, NULL, err, sizeof(err));
    if (rc < 0 && rc != -ENOENT) {
        fprintf(stderr, "karakuri export: %s\n", err);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
