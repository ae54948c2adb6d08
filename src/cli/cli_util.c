/* cli_util: small pieces shared by the subcommands. */
#include "cli/cli.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "store/store.h"

#include <jansson.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

bool cli_wants_help(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return true;
        }
    }
    return false;
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Field names and values may be the attacker's bytes: both escaped, so that
 * no control sequence reaches the operator's terminal. */
static void print_value(const char *key, json_t *val)
{
    char k[256], esc[4096];
    log_escape(key, strlen(key), k, sizeof(k));
    if (json_is_string(val)) {
        printf(" %s=%s", k,
               log_escape(json_string_value(val), json_string_length(val), esc, sizeof(esc)));
    } else {
        char *s = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
        printf(" %s=%s", k, s ? log_escape(s, strlen(s), esc, sizeof(esc)) : "?");
        free(s);
    }
}

static const char *escaped(json_t *ev, const char *key, char *out, size_t outlen)
{
    const char *s = json_string_value(json_object_get(ev, key));
    return s ? log_escape(s, strlen(s), out, outlen) : "-";
}

void cli_print_json(const char *line)
{
    const unsigned char *p = (const unsigned char *)line;
    /* In valid JSON these bytes are inside strings, where \u00XX means the
     * same character. */
    for (; *p; p++) {
        if (*p == 0x7f) {
            fputs("\\u007f", stdout);
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            printf("\\u00%02x", p[1]);
            p++;
        } else {
            putchar(*p);
        }
    }
    putchar('\n');
}

void cli_print_event(const char *line)
{
    json_t *ev = json_loads(line, 0, NULL);
    const char *key;
    json_t *val;
    char esc[256], ts[64], type[64];

    if (!json_is_object(ev)) {
        printf("%s\n", log_escape(line, strlen(line), esc, sizeof(esc)));
        json_decref(ev);
        return;
    }
    printf("%s %-18s", escaped(ev, "ts", ts, sizeof(ts)), escaped(ev, "type", type, sizeof(type)));
    json_object_foreach(ev, key, val)
    {
        if (strcmp(key, "ts") != 0 && strcmp(key, "type") != 0)
            print_value(key, val);
    }
    putchar('\n');
    json_decref(ev);
}

void cli_store_options(const struct config *cfg, struct store_options *so)
{
    *so = (struct store_options){
        .dir = cfg->store.dir,
        .url = cfg->store.url,
        .jsonl = cfg->store.jsonl,
        .queue_events = cfg->store.queue_events,
        .batch_events = cfg->store.batch_events,
        .sensor = cfg->general.sensor,
    };
}
