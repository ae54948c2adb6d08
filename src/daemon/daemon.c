/* daemon: karakuri run's services, in the order they start.
 *
 * First the SSH zygote (the process sessions are forked from must hold
 * nothing of the daemon's, so it goes while nothing but the config exists),
 * then the store, then what must hold before a honeynet can exist
 * (reconciling the Docker engine, the firewall), then the watchers and the
 * front end. service.c stops them in reverse, on a failed start and at the
 * end of a run alike, so the store is the last thing open and records every
 * stop.
 *
 * A new service is one entry in the table and, when it holds something, one
 * field in struct daemon: its start takes what it needs from the fields of
 * the services above it (NULL for an optional one that failed). */
#include "daemon/daemon.h"

#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "contain/limits.h"
#include "contain/watch.h"
#include "daemon/service.h"
#include "dns/server.h"
#include "docker/docker.h"
#include "fetch/server.h"
#include "event/event.h"
#include "honeynet/honeynet.h"
#include "lan/responder.h"
#include "monitor/exec.h"
#include "sensor/sensor.h"
#include "ssh/server.h"
#include "ssh/zygote.h"
#include "store/store.h"
#include "web/web.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* What the services hold, each owned by its service (freed by its stop). */
struct daemon {
    const struct config *cfg;
    struct honeynet_service *hn;
    struct kssh_zygote *zygote;
    struct event_pipeline *pipeline;
    struct monitor_exec *mon;
    struct lan_responder *lan;
    struct contain_watch *watch;
    struct contain_limits *limits;
    struct fetch_server *fetch;
    struct dns_server *dns;
    struct web_server *web;
    struct sensor *sensor;
    struct kssh_server *ssh;
    int stop_signal; /* 0 when stopping because a start failed */
    int stop_rc;     /* the store's at stop */
    char err[512];
};

/* ---- the SSH zygote ---- */

static int zygote_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = kssh_zygote_start(d->cfg, &d->zygote, d->err, sizeof(d->err));
    if (rc < 0)
        LOG_ERROR("SSH front end: %s", d->err);
    return rc;
}

static void zygote_stop(void *ctx)
{
    struct daemon *d = ctx;
    kssh_zygote_stop(d->zygote);
    d->zygote = NULL;
}

/* ---- the store: opened early, closed last ---- */

static void emit_start(struct event_pipeline *p, const struct config *cfg)
{
    json_t *ev = event_new(EVENT_SENSOR_START);
    json_object_set_new(ev, "version", json_string(KARAKURI_VERSION));
    json_object_set_new(ev, "pid", json_integer(getpid()));
    json_object_set_new(ev, "config", cfg->path ? json_string(cfg->path) : json_null());
    if (event_emit(p, ev) < 0)
        LOG_WARN("could not record sensor.start");
}

static int store_start(void *ctx)
{
    struct daemon *d = ctx;
    const struct config *cfg = d->cfg;
    struct store_options so = {
        .dir = cfg->store.dir,
        .url = cfg->store.url,
        .jsonl = cfg->store.jsonl,
        .queue_events = cfg->store.queue_events,
        .batch_events = cfg->store.batch_events,
        .sensor = cfg->general.sensor,
    };
    int rc = event_pipeline_start(&so, &d->pipeline, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("cannot open the store in %s: %s", cfg->store.dir, d->err);
        return rc;
    }
    LOG_INFO("karakuri %s running (sensor %s, state in %s)", KARAKURI_VERSION, cfg->general.sensor,
             cfg->store.dir);
    emit_start(d->pipeline, cfg);
    return 0;
}

/* At the end of a run: sensor.stop, then everything queued is written. */
static void store_stop_after_signal(struct daemon *d)
{
    const char *name = d->stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
    LOG_INFO("stopping on %s", name);
    json_t *ev = event_new(EVENT_SENSOR_STOP);
    json_object_set_new(ev, "signal", json_string(name));
    if (event_emit(d->pipeline, ev) < 0)
        LOG_WARN("could not record sensor.stop");
    struct event_pipeline_stats st;
    event_pipeline_stats(d->pipeline, &st);
    d->stop_rc = event_pipeline_stop(d->pipeline);
    if (d->stop_rc < 0 || st.dropped || st.failed_writes)
        LOG_WARN("store: %llu events dropped, %llu failed writes%s%s",
                 (unsigned long long)st.dropped, (unsigned long long)st.failed_writes,
                 st.last_error[0] ? ", last error: " : "", st.last_error);
}

static void store_stop(void *ctx)
{
    struct daemon *d = ctx;
    if (d->stop_signal) {
        store_stop_after_signal(d);
    } else {
        d->stop_rc = event_pipeline_stop(d->pipeline);
        if (d->stop_rc < 0)
            LOG_WARN("store: events were lost at stop");
    }
    d->pipeline = NULL;
}

/* ---- what a killed run left: terminal recordings, containers ---- */

static int recover_start(void *ctx)
{
    struct daemon *d = ctx;
    int recovered = store_tty_recover(d->cfg->store.dir, d->pipeline);
    if (recovered != 0)
        LOG_WARN("tty logs left by the last run: %d stored%s", recovered > 0 ? recovered : 0,
                 recovered < 0 ? ", some could not be" : "");
    return 0;
}

/* What an earlier run left behind is removed before anything new is made,
 * but the honeynets a returning source should find again. */
static int reconcile_start(void *ctx)
{
    struct daemon *d = ctx;
    const struct config *cfg = d->cfg;
    struct cli_cleanup_counts c = {0};
    struct docker *dk = NULL;

    if (docker_open(cfg->docker.host, &dk, d->err, sizeof(d->err)) < 0) {
        LOG_ERROR("Docker engine unavailable: %s; honeynets cannot start until it is back", d->err);
        return 0;
    }
    /* Honeynets within retention stay, for their sources to come back to. */
    long long keep_since = util_now_us() / 1000000 - cfg->honeynet.retention_s;
    if (cli_cleanup_docker(dk, keep_since, &c) < 0)
        LOG_WARN("start-up cleanup incomplete: %s", docker_last_error(dk));
    if (c.containers || c.networks || c.failed || c.kept) {
        LOG_INFO("start-up cleanup: removed %u containers, %u networks (%u failed); kept %u "
                 "honeynet containers within retention",
                 c.containers, c.networks, c.failed, c.kept);
        json_t *ev = event_new(EVENT_CONTAIN_CLEANUP);
        json_object_set_new(ev, "containers", json_integer(c.containers));
        json_object_set_new(ev, "networks", json_integer(c.networks));
        json_object_set_new(ev, "failed", json_integer(c.failed));
        json_object_set_new(ev, "kept", json_integer(c.kept));
        if (event_emit(d->pipeline, ev) < 0)
            LOG_WARN("could not record the start-up cleanup");
    }
    docker_close(dk);
    return 0;
}

/* Without its firewall a honeynet is a way into this machine and out of it:
 * better no honeypot at all. */
static int firewall_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = contain_fw_install(d->cfg, d->err, sizeof(d->err));
    if (rc < 0)
        LOG_ERROR("firewall: %s; refusing to run honeynets without containment", d->err);
    return rc;
}

/* ---- the watchers: each optional, the daemon runs on without it ---- */

static int monitor_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = monitor_exec_start(d->pipeline, &d->mon, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("exec monitor: %s; no proc.exec events", d->err);
        d->mon = NULL;
    }
    return rc;
}

static void monitor_stop(void *ctx)
{
    struct daemon *d = ctx;
    monitor_exec_stop(d->mon);
    d->mon = NULL;
}

static int responder_start(void *ctx)
{
    struct daemon *d = ctx;
    if (!d->cfg->honeynet.responder)
        return 0;
    int rc = lan_responder_start(d->cfg, d->pipeline, d->mon, &d->lan, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("LAN responder: %s; honeynet LANs will look empty", d->err);
        d->lan = NULL;
    }
    return rc;
}

static void responder_stop(void *ctx)
{
    struct daemon *d = ctx;
    lan_responder_stop(d->lan);
    d->lan = NULL;
}

static int watch_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = contain_watch_start(d->cfg, d->pipeline, d->lan ? lan_responder_owner : NULL, d->lan,
                                 &d->watch, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("firewall log: %s; what it blocks is not recorded", d->err);
        d->watch = NULL;
    }
    return rc;
}

static void watch_stop(void *ctx)
{
    struct daemon *d = ctx;
    contain_watch_stop(d->watch);
    d->watch = NULL;
}

static int limits_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = contain_limits_start(d->cfg, d->pipeline, d->lan ? lan_responder_container : NULL,
                                  d->lan, &d->limits, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("limits watcher: %s; limits that bite are not recorded", d->err);
        d->limits = NULL;
    }
    return rc;
}

static void limits_stop(void *ctx)
{
    struct daemon *d = ctx;
    contain_limits_stop(d->limits);
    d->limits = NULL;
}

/* Downloads the firewall redirects (KARAKURI-FETCH): answered and
 * recorded; without it they are refused (nothing listens on the port). */
static int fetch_start(void *ctx)
{
    struct daemon *d = ctx;
    if (d->cfg->capture.fetch)
        LOG_WARN(
            "fetcher: [capture] fetch = yes: HTTP, FTP and TFTP downloads are fetched from this "
            "host and handed to the honeynet hosts");
    int rc = fetch_server_start(d->cfg, d->pipeline, CONTAIN_FETCH_PORT,
                                d->lan ? lan_responder_owner : NULL, d->lan, &d->fetch, d->err,
                                sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("fetcher: %s; downloads are refused and not recorded", d->err);
        d->fetch = NULL;
    }
    return rc;
}

static void fetch_stop(void *ctx)
{
    struct daemon *d = ctx;
    fetch_server_stop(d->fetch);
    d->fetch = NULL;
}

/* Names the firewall redirects (udp and tcp 53): answered and recorded;
 * without it lookups get no answer (nothing listens on the port). */
static int dns_start(void *ctx)
{
    struct daemon *d = ctx;
    if (d->cfg->capture.fetch)
        LOG_INFO("resolver: [capture] fetch = yes: A and AAAA lookups of ordinary names are "
                 "asked for real, from this host, of %s (no answer: a made-up address); "
                 "names the intruder picks are looked up from here",
                 d->cfg->capture.resolver[0] ? d->cfg->capture.resolver
                                             : "this host's /etc/resolv.conf nameserver");
    int rc =
        dns_server_start(d->cfg, d->pipeline, CONTAIN_DNS_PORT, d->lan ? lan_responder_owner : NULL,
                         d->lan, &d->dns, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("resolver: %s; names are not answered and lookups not recorded", d->err);
        d->dns = NULL;
    }
    return rc;
}

static void dns_stop(void *ctx)
{
    struct daemon *d = ctx;
    dns_server_stop(d->dns);
    d->dns = NULL;
}

/* ---- the JSON API, with [web] listen ---- */

/* Optional: without it the store is still read by the CLI (and karakuri
 * web). */
static int web_start(void *ctx)
{
    struct daemon *d = ctx;
    const struct config *cfg = d->cfg;
    char host[CONFIG_HOST_LEN];
    uint16_t port;
    if (!cfg->web.listen || !*cfg->web.listen)
        return 0;
    if (config_parse_hostport(cfg->web.listen, true, host, &port, d->err, sizeof(d->err)) < 0) {
        LOG_ERROR("web API: [web] listen %s: %s", cfg->web.listen, d->err);
        return -EINVAL;
    }
    struct store_options so;
    cli_store_options(cfg, &so);
    int rc = web_server_start(cfg, &so, host, port, NULL, &d->web, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("web API: %s; not served", d->err);
        d->web = NULL;
        return rc;
    }
    LOG_INFO("web API on http://%s%s%s:%u/api/v1/ (token in %s/web.token)",
             strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
             (unsigned)web_server_port(d->web), cfg->store.dir);
    return 0;
}

static void web_stop(void *ctx)
{
    struct daemon *d = ctx;
    web_server_stop(d->web);
    d->web = NULL;
}

/* The port sensor, with [sensor] interfaces only: probes of ports with no
 * socket held, recorded and by policy answered (src/sensor/sensor.h). */
static int sensor_svc_start(void *ctx)
{
    struct daemon *d = ctx;
    if (!*d->cfg->sensor.interfaces)
        return 0;
    int rc = sensor_start(d->cfg, d->pipeline, &d->sensor, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("port sensor: %s; no port is held or opened", d->err);
        d->sensor = NULL;
        return rc;
    }
    LOG_INFO("port sensor on %s", d->cfg->sensor.interfaces);
    return 0;
}

static void sensor_svc_stop(void *ctx)
{
    struct daemon *d = ctx;
    sensor_stop(d->sensor);
    d->sensor = NULL;
}

/* ---- the SSH front end: last up, first down ---- */

/* Honeynets for the SSH front end: made, used and removed on its workers. */
static int honeynet_svc_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc = honeynet_start(d->cfg, d->pipeline, d->lan, d->mon, &d->hn, d->err, sizeof(d->err));
    if (rc < 0)
        LOG_ERROR("SSH front end: %s", d->err);
    return rc;
}

/* After the SSH server: the files its sessions left, extracted or counted. */
static void honeynet_svc_stop(void *ctx)
{
    struct daemon *d = ctx;
    honeynet_stop(d->hn);
    d->hn = NULL;
}

static int ssh_start(void *ctx)
{
    struct daemon *d = ctx;
    int rc =
        kssh_server_start(d->cfg, d->pipeline, d->hn, d->zygote, &d->ssh, d->err, sizeof(d->err));
    if (rc < 0) {
        LOG_ERROR("SSH front end: %s", d->err);
        return rc;
    }
    LOG_INFO("SSH front end listening on %s:%u", d->cfg->ssh.listen_host, kssh_server_port(d->ssh));
    return 0;
}

static void ssh_stop(void *ctx)
{
    struct daemon *d = ctx;
    kssh_server_stop(d->ssh);
    d->ssh = NULL;
}

/* The daemon, in start order; stopped bottom up. */
static const struct service services[] = {
    {"zygote", zygote_start, zygote_stop, true},
    {"store", store_start, store_stop, true},
    {"recover", recover_start, NULL, false},
    {"reconcile", reconcile_start, NULL, false},
    {"firewall", firewall_start, NULL, true},
    {"monitor", monitor_start, monitor_stop, false},
    {"responder", responder_start, responder_stop, false},
    {"watch", watch_start, watch_stop, false},
    {"limits", limits_start, limits_stop, false},
    {"fetch", fetch_start, fetch_stop, false},
    {"dns", dns_start, dns_stop, false},
    {"web", web_start, web_stop, false},
    {"sensor", sensor_svc_start, sensor_svc_stop, false},
    {"honeynet", honeynet_svc_start, honeynet_svc_stop, true},
    {"ssh", ssh_start, ssh_stop, true},
};

/* Blocks until a signal of set arrives; returns its number. */
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

int daemon_run(const struct config *cfg, const sigset_t *stop_set)
{
    struct daemon d = {.cfg = cfg};
    struct service_run run = {0};

    if (service_start_all(&run, services, sizeof(services) / sizeof(services[0]), &d) < 0)
        return 1;
    d.stop_signal = wait_for_stop(stop_set);
    service_stop_all(&run, &d);
    return d.stop_rc < 0 ? 1 : 0;
}
