/* karakuri sessions | session ID | replay ID: SSH sessions as the events
 * recorded them. The read models are query/sessions.c; this parses the
 * arguments and prints. */
#include "cli/cli.h"
#include "cli/replay.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "event/event.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char sessions_help[] =
    "usage: karakuri [-c FILE] sessions [--json]\n"
    "\n"
    "Lists SSH sessions, oldest first: id, start, source, the login that worked\n"
    "(or how many failed), commands, duration and how it ended. --json prints one\n"
    "object per session.\n";
static const char session_help[] =
    "usage: karakuri [-c FILE] session ID [--json]\n"
    "\n"
    "Everything recorded of one SSH session: credentials tried, terminal, commands\n"
    "and their exit, tty logs, how it ended, then what happened on its honeynet while\n"
    "it was open: the decoys started (lan.decoy_started: the hosts it reached) and\n"
    "every process executed on the gateway and the decoys (proc.exec, seen from the\n"
    "host). --json prints the events as JSON lines.\n";
static const char replay_help[] =
    "usage: karakuri [-c FILE] replay ID [--speed X] [--channel N]\n"
    "\n"
    "Plays a session's terminal (its asciicast v2 tty log) in this terminal at its\n"
    "own pace, or X times faster (--speed 0: at once). --channel picks one of\n"
    "several terminals of the session (default: the first).\n";

/* Prints the store's error as the commands always have. */
static int read_failed(const char *err)
{
    fprintf(stderr, "karakuri: %s\n", err);
    return 1;
}

/* ---- sessions ---- */

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

static void print_summary(json_t *sum, bool json)
{
    char user[64], why[96], id[32], start[40], src[48];
    if (json) {
        char *line = json_dumps(sum, JSON_COMPACT);
        cli_print_json(line ? line : "{}");
        free(line);
        return;
    }
    const char *u = json_string_value(json_object_get(sum, "username"));
    log_escape(u ? u : "-", strlen(u ? u : "-"), user, sizeof(user));
    const char *r = str_or(sum, "reason", "open");
    log_escape(r, strlen(r), why, sizeof(why));
    /* the store's own fields, escaped too: a forged event could have set them */
    const char *v = str_or(sum, "session", "?");
    log_escape(v, strlen(v), id, sizeof(id));
    v = str_or(sum, "start", "-");
    log_escape(v, strlen(v), start, sizeof(start));
    v = str_or(sum, "src_ip", "-");
    log_escape(v, strlen(v), src, sizeof(src));
    printf("%-24s %-27s %-15s %-16s %4lld %4lld %8.1fs %s\n", id, start, src, user,
           (long long)json_integer_value(json_object_get(sum, "failed_logins")),
           (long long)json_integer_value(json_object_get(sum, "commands")),
           (double)json_integer_value(json_object_get(sum, "duration_ms")) / 1000.0, why);
}

int cli_sessions(const struct config *cfg, int argc, char **argv)
{
    bool json = false;
    json_t *sums = NULL, *sum;
    size_t i;

    if (cli_wants_help(argc, argv, sessions_help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") != 0) {
            fprintf(stderr, "karakuri sessions: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
        json = true;
    }
    char err[512];
    struct store_options so;
    cli_store_options(cfg, &so);
    if (query_sessions(&so, &sums, err, sizeof(err)) < 0)
        return read_failed(err);
    if (!json)
        printf("%-24s %-27s %-15s %-16s %4s %4s %9s %s\n", "SESSION", "START", "SOURCE", "USER",
               "FAIL", "CMDS", "DURATION", "END");
    json_array_foreach(sums, i, sum)
    {
        print_summary(sum, json);
    }
    json_decref(sums);
    return 0;
}

/* ---- session ID ---- */

int cli_session(const struct config *cfg, int argc, char **argv)
{
    bool json = false;
    const char *id = NULL;
    json_t *events = NULL, *ev;
    size_t i;

    if (cli_wants_help(argc, argv, session_help))
        return 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") == 0)
            json = true;
        else if (!id)
            id = argv[a];
        else {
            fprintf(stderr, "karakuri session: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (!id) {
        fputs(session_help, stderr);
        return 2;
    }
    char err[512];
    struct store_options so;
    cli_store_options(cfg, &so);
    if (query_session(&so, id, &events, err, sizeof(err)) < 0)
        return read_failed(err);
    if (json_array_size(events) == 0) {
        fprintf(stderr, "karakuri session: no session %s\n", id);
        json_decref(events);
        return 1;
    }
    json_array_foreach(events, i, ev)
    {
        char *line = json_dumps(ev, JSON_COMPACT);
        if (json)
            cli_print_json(line ? line : "{}");
        else if (line)
            cli_print_event(line);
        free(line);
    }
    json_decref(events);
    return 0;
}

/* ---- replay ID ---- */

static void pause_for(double secs)
{
    if (secs <= 0)
        return;
    if (secs > 5)
        secs = 5; /* idle stretches are shortened, as asciinema does with -i */
    struct timespec ts = {.tv_sec = (time_t)secs,
                          .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Plays the asciicast file: each output event written when its time comes,
 * through the filter that keeps the attacker off the operator's terminal. */
static int play(const char *path, double speed)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    double prev = 0;
    bool header = true;
    struct cli_term_filter tf;
    struct buf out;

    if (!f) {
        fprintf(stderr, "karakuri replay: cannot open %s\n", path);
        return 1;
    }
    cli_term_filter_init(&tf);
    buf_init(&out, (size_t)256 << 20);
    while ((n = getline(&line, &cap, f)) > 0) {
        double t = 0;
        char *data = NULL;
        size_t len = 0;
        if (header) {
            header = false;
            continue;
        }
        if (cli_replay_parse(line, (size_t)n, &t, &data, &len) != 1)
            continue;
        if (speed > 0)
            pause_for((t - prev) / speed);
        prev = t;
        buf_reset(&out);
        if (cli_term_filter(&tf, data, len, &out) == 0 && out.len)
            fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
        free(data);
    }
    /* What the session left set that would outlast it: colours, a hidden
     * cursor. */
    if (isatty(STDOUT_FILENO))
        fputs("\x1b[0m\x1b[?25h", stdout);
    buf_free(&out);
    free(line);
    fclose(f);
    return 0;
}

int cli_replay(const struct config *cfg, int argc, char **argv)
{
    const char *id = NULL;
    double speed = 1;
    long long channel = -1;
    json_t *logs = NULL;

    if (cli_wants_help(argc, argv, replay_help))
        return 0;
    for (int a = 1; a < argc; a++) {
        char *end = NULL;
        if (strcmp(argv[a], "--speed") == 0 && a + 1 < argc) {
            speed = strtod(argv[++a], &end);
            if (*end || speed < 0) {
                fprintf(stderr, "karakuri replay: --speed wants a number >= 0\n");
                return 2;
            }
        } else if (strcmp(argv[a], "--channel") == 0 && a + 1 < argc) {
            channel = strtoll(argv[++a], &end, 10);
            if (*end || channel < 0) {
                fprintf(stderr, "karakuri replay: --channel wants a number >= 0\n");
                return 2;
            }
        } else if (!id && argv[a][0] != '-') {
            id = argv[a];
        } else {
            fprintf(stderr, "karakuri replay: unexpected argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (!id) {
        fputs(replay_help, stderr);
        return 2;
    }
    char err[512];
    struct store_options so;
    cli_store_options(cfg, &so);
    if (query_session_events(&so, id, event_type_name(EVENT_TTY_LOG), &logs, err, sizeof(err)) < 0)
        return read_failed(err);
    json_t *pick = NULL, *ev;
    size_t i;
    json_array_foreach(logs, i, ev)
    {
        if (!pick && (channel < 0 || json_integer_value(json_object_get(ev, "channel")) == channel))
            pick = ev;
    }
    int rc = 1;
    const char *sha = json_string_value(json_object_get(pick, "artifact"));
    if (!sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
        fprintf(stderr, "karakuri replay: session %s has no terminal recorded\n", id);
    } else {
        char *path = store_artifact_path(cfg->store.dir, sha);
        rc = play(path, speed);
        free(path);
    }
    json_decref(logs);
    return rc;
}
