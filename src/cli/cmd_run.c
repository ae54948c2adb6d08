/* karakuri run: the daemon in the foreground. For now it brings up the event
 * pipeline, reconciles what an earlier run left in the Docker engine (keeping
 * the honeynets within retention), records
 * its own start and stop, runs the LAN responder and the SSH front end, and
 * waits for SIGINT/SIGTERM. */
#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "contain/limits.h"
#include "contain/watch.h"
#include "docker/docker.h"
#include "event/event.h"
#include "honeynet/honeynet.h"
#include "lan/responder.h"
#include "monitor/exec.h"
#include "ssh/server.h"
#include "ssh/zygote.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char help[] =
    "usage: karakuri [-c FILE] run\n"
    "\n"
    "Runs the daemon in the foreground, logging to stderr. State goes under\n"
    "[store] dir (default ./var): karakuri.db, karakuri.json, artifacts/.\n"
    "At start-up it removes what an earlier run left in the Docker engine, but\n"
    "the honeynets within [honeynet] retention, kept for their sources.\n"
    "SIGINT or SIGTERM stop it cleanly.\n";

static void emit_start(struct event_pipeline *p, const struct config *cfg)
{
    json_t *ev = event_new(EVENT_SENSOR_START);
    json_object_set_new(ev, "version", json_string(KARAKURI_VERSION));
    json_object_set_new(ev, "pid", json_integer(getpid()));
    json_object_set_new(ev, "config", cfg->path ? json_string(cfg->path) : json_null());
    if (event_emit(p, ev) < 0)
        LOG_WARN("could not record sensor.start");
}

/* What an earlier run left behind is removed before anything new is made,
 * but the honeynets a returning source should find again. */
static void reconcile(struct event_pipeline *p, const struct config *cfg)
{
    struct cli_cleanup_counts c = {0};
    struct docker *d = NULL;
    char err[512];

    if (docker_open(cfg->docker.host, &d, err, sizeof(err)) < 0) {
        LOG_ERROR("Docker engine unavailable: %s; honeynets cannot start until it is back", err);
        return;
    }
    /* Honeynets within retention stay, for their sources to come back to. */
    long long keep_since = util_now_us() / 1000000 - cfg->honeynet.retention_s;
    if (cli_cleanup_docker(d, keep_since, &c) < 0)
        LOG_WARN("start-up cleanup incomplete: %s", docker_last_error(d));
    if (c.containers || c.networks || c.failed || c.kept) {
        LOG_INFO("start-up cleanup: removed %u containers, %u networks (%u failed); kept %u "
                 "honeynet containers within retention",
                 c.containers, c.networks, c.failed, c.kept);
        json_t *ev = event_new(EVENT_CONTAIN_CLEANUP);
        json_object_set_new(ev, "containers", json_integer(c.containers));
        json_object_set_new(ev, "networks", json_integer(c.networks));
        json_object_set_new(ev, "failed", json_integer(c.failed));
        json_object_set_new(ev, "kept", json_integer(c.kept));
        if (event_emit(p, ev) < 0)
            LOG_WARN("could not record the start-up cleanup");
    }
    docker_close(d);
}

/* Blocks until SIGINT or SIGTERM; returns the signal's number. */
static int wait_for_stop(const sigset_t *set)
{
    int fd = signalfd(-1, set, SFD_CLOEXEC);
    struct signalfd_siginfo si;

    if (fd < 0) {
        int sig = 0;
        sigwait(set, &sig);
        return sig;
    }
    for (;;) {
        ssize_t n = read(fd, &si, sizeof(si));
        if (n == (ssize_t)sizeof(si))
            break;
        if (n < 0 && errno != EINTR) {
            si.ssi_signo = SIGTERM;
            break;
        }
    }
    close(fd);
    return (int)si.ssi_signo;
}

int cli_run(const struct config *cfg, int argc, char **argv)
{
    struct store_options so = {
        .dir = cfg->store.dir,
        .jsonl = cfg->store.jsonl,
        .queue_events = cfg->store.queue_events,
        .batch_events = cfg->store.batch_events,
        .sensor = cfg->general.sensor,
    };
    struct event_pipeline *p = NULL;
    char err[512] = "";
    sigset_t set;

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc > 1) {
        fprintf(stderr, "karakuri run: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    /* Blocked before any thread starts, so every thread inherits the mask and
     * only the signalfd sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* First, while nothing but the config exists: the process the SSH
     * sessions are forked from must hold nothing of the daemon's. */
    struct kssh_zygote *zygote = NULL;
    if (kssh_zygote_start(cfg, &zygote, err, sizeof(err)) < 0) {
        LOG_ERROR("SSH front end: %s", err);
        return 1;
    }
    if (event_pipeline_start(&so, &p, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot open the store in %s: %s", cfg->store.dir, err);
        kssh_zygote_stop(zygote);
        return 1;
    }
    LOG_INFO("karakuri %s running (sensor %s, state in %s)", KARAKURI_VERSION, cfg->general.sensor,
             cfg->store.dir);
    emit_start(p, cfg);
    int recovered = store_tty_recover(cfg->store.dir, p);
    if (recovered != 0)
        LOG_WARN("tty logs left by the last run: %d stored%s", recovered > 0 ? recovered : 0,
                 recovered < 0 ? ", some could not be" : "");
    reconcile(p, cfg);
    /* Without its firewall a honeynet is a way into this machine and out
     * of it: better no honeypot at all. */
    if (contain_fw_install(cfg, err, sizeof(err)) < 0) {
        LOG_ERROR("firewall: %s; refusing to run honeynets without containment", err);
        if (event_pipeline_stop(p) < 0)
            LOG_WARN("store: events were lost at stop");
        kssh_zygote_stop(zygote);
        return 1;
    }
    struct monitor_exec *mon = NULL;
    if (monitor_exec_start(p, &mon, err, sizeof(err)) < 0)
        LOG_ERROR("exec monitor: %s; no proc.exec events", err);
    struct lan_responder *lan = NULL;
    if (cfg->honeynet.responder && lan_responder_start(cfg, p, mon, &lan, err, sizeof(err)) < 0)
        LOG_ERROR("LAN responder: %s; honeynet LANs will look empty", err);
    struct contain_watch *watch = NULL;
    if (contain_watch_start(cfg, p, lan ? lan_responder_owner : NULL, lan, &watch, err,
                            sizeof(err)) < 0)
        LOG_ERROR("firewall log: %s; what it blocks is not recorded", err);
    struct contain_limits *limits = NULL;
    if (contain_limits_start(cfg, p, lan ? lan_responder_container : NULL, lan, &limits, err,
                             sizeof(err)) < 0)
        LOG_ERROR("limits watcher: %s; limits that bite are not recorded", err);
    /* Honeynets for the SSH front end: made, used and removed on its workers. */
    struct honeynet_service *hn = NULL;
    struct kssh_server *ssh = NULL;
    int hrc = honeynet_start(cfg, p, lan, mon, &hn, err, sizeof(err));
    if (hrc < 0 || kssh_server_start(cfg, p, hn, zygote, &ssh, err, sizeof(err)) < 0) {
        LOG_ERROR("SSH front end: %s", err);
        honeynet_stop(hn);
        contain_limits_stop(limits);
        contain_watch_stop(watch);
        lan_responder_stop(lan);
        monitor_exec_stop(mon);
        if (event_pipeline_stop(p) < 0)
            LOG_WARN("store: events were lost at stop");
        kssh_zygote_stop(zygote);
        return 1;
    }
    LOG_INFO("SSH front end listening on %s:%u", cfg->ssh.listen_host, kssh_server_port(ssh));

    int sig = wait_for_stop(&set);
    kssh_server_stop(ssh);
    honeynet_stop(hn); /* the files sessions left, extracted or counted */
    kssh_zygote_stop(zygote);
    contain_limits_stop(limits);
    contain_watch_stop(watch);
    lan_responder_stop(lan);
    monitor_exec_stop(mon);
    LOG_INFO("stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    json_t *ev = event_new(EVENT_SENSOR_STOP);
    json_object_set_new(ev, "signal", json_string(sig == SIGINT ? "SIGINT" : "SIGTERM"));
    if (event_emit(p, ev) < 0)
        LOG_WARN("could not record sensor.stop");
    struct event_pipeline_stats st;
    event_pipeline_stats(p, &st);
    int rc = event_pipeline_stop(p);
    if (rc < 0 || st.dropped || st.failed_writes)
        LOG_WARN("store: %llu events dropped, %llu failed writes%s%s",
                 (unsigned long long)st.dropped, (unsigned long long)st.failed_writes,
                 st.last_error[0] ? ", last error: " : "", st.last_error);
    return rc < 0 ? 1 : 0;
}
