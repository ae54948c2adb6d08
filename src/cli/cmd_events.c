/* karakuri events: the event stream from the store, one line per event or as
 * raw JSON lines; --follow keeps polling for new ones. Reads the database
 * read-only, so it works while the daemon runs. */
#include "cli/cli.h"
#include "common/util.h"
#include "config/config.h"
#include "event/event.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char help[] =
    "usage: karakuri [-c FILE] events [--json] [--follow] [--since T] [--type T]\n"
    "       karakuri events --list-types\n"
    "\n"
    "  --json         print each event as its JSON line\n"
    "  --follow, -f   keep printing new events as they are recorded (Ctrl-C ends)\n"
    "  --since T      only events at or after T: RFC 3339 ('2026-11-24T10:00:00Z'),\n"
    "                 a date ('2026-11-24'), or an age ('30s', '15m', '2h', '7d')\n"
    "  --type T       only events of type T ('login.failed') or group T ('login')\n"
    "  --list-types   print every event type with its meaning\n";

struct events_opts {
    bool json;
    bool follow;
    struct store_event_filter filter;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int print_event(long long id, const char *json_line, void *ud)
{
    struct events_opts *o = ud;
    if (o->json)
        cli_print_json(json_line);
    else
        cli_print_event(json_line);
    o->filter.after_id = id;
    return 0;
}

static int parse_since(const char *s, long long *us_out)
{
    long long secs;
    if (util_rfc3339_parse(s, us_out) == 0)
        return 0;
    if (config_parse_duration(s, &secs) == 0) {
        *us_out = util_now_us() - secs * 1000000LL;
        return 0;
    }
    return -EINVAL;
}

static int parse_args(int argc, char **argv, struct events_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--follow") == 0 || strcmp(a, "-f") == 0) {
            o->follow = true;
        } else if (strcmp(a, "--since") == 0 && i + 1 < argc) {
            if (parse_since(argv[++i], &o->filter.since_us) < 0) {
                fprintf(stderr,
                        "karakuri events: --since '%s' is neither RFC 3339 nor an age "
                        "like 15m\n",
                        argv[i]);
                return -EINVAL;
            }
        } else if (strcmp(a, "--type") == 0 && i + 1 < argc) {
            o->filter.type = argv[++i];
            if (!event_type_matches_any(o->filter.type)) {
                fprintf(stderr,
                        "karakuri events: no event type or group '%s' "
                        "(karakuri events --list-types)\n",
                        o->filter.type);
                return -EINVAL;
            }
        } else {
            fprintf(stderr, "karakuri events: unexpected argument '%s' (try --help)\n", a);
            return -EINVAL;
        }
    }
    return 0;
}

static void list_types(void)
{
    for (int t = 0; t < EVENT_TYPE_COUNT; t++)
        printf("%-22s %s\n", event_type_name((enum event_type)t),
               event_type_description((enum event_type)t));
}

int cli_events(const struct config *cfg, int argc, char **argv)
{
    struct events_opts o = {0};
    char err[512] = "";

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc == 2 && strcmp(argv[1], "--list-types") == 0) {
        list_types();
        return 0;
    }
    if (parse_args(argc, argv, &o) < 0)
        return 2;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, on_signal);
    struct store_options so;
    cli_store_options(cfg, &so);
    for (;;) {
        int rc = store_events_query(&so, &o.filter, print_event, &o, err, sizeof(err));
        /* A follower may start before the daemon has made the database. */
        if (rc < 0 && !(o.follow && rc == -ENOENT)) {
            fprintf(stderr, "karakuri events: %s\n", err);
            return 1;
        }
        if (fflush(stdout) != 0 || !o.follow || stop_requested)
            break;
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
        if (stop_requested)
            break;
    }
    return 0;
}
