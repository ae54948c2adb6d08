/* ssh server: the supervisor (see server.h). Its one thread polls the
 * listener (accept.c), the zygote, the honeynet service and every session's
 * monitor socket; it answers monitor messages (events, logins, tty logs:
 * ttylog.c), records how sessions end and ends them at their lifetime.
 * The state it shares with accept.c and ttylog.c: server_int.h.
 *
 * Everything a session process says is treated as hostile: messages are
 * size-capped, only a few event types are taken from it, the fields the
 * daemon vouches for (session, source, time) are set here, and a session
 * that crashes or lies ends alone. */
#include "ssh/server.h"
#include "ssh/server_int.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "event/event.h"
#include "honeynet/honeynet.h"
#include "ssh/fdpass.h"
#include "ssh/hostkeys.h"
#include "ssh/intake.h"
#include "ssh/keypool.h"
#include "ssh/monitor.h"
#include "ssh/policy.h"
#include "ssh/zygote.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Host key sets made ahead for sources with none of their own. */
#define KEYPOOL_SETS 4

void kssh_srv_emit(struct kssh_server *s, const struct conn *c, json_t *ev)
{
    json_object_set_new(ev, "session", json_string(c->session));
    json_object_set_new(ev, "src_ip", json_string(c->ip));
    json_object_set_new(ev, "src_port", json_integer(c->port));
    if (event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: an event could not be queued");
}

static struct honeynet_who who_of(const struct conn *c)
{
    struct honeynet_who w = {.port = c->port};
    snprintf(w.session, sizeof(w.session), "%s", c->session);
    snprintf(w.ip, sizeof(w.ip), "%s", c->ip);
    return w;
}

static struct source *source_of(struct kssh_server *s, const char *ip)
{
    size_t oldest = 0;
    for (size_t i = 0; i < s->nsources; i++) {
        if (strcmp(s->sources[i].ip, ip) == 0)
            return &s->sources[i];
        if (s->sources[i].last_us < s->sources[oldest].last_us)
            oldest = i;
    }
    size_t i = s->nsources < MAX_SOURCES ? s->nsources++ : oldest;
    memset(&s->sources[i], 0, sizeof(s->sources[i]));
    snprintf(s->sources[i].ip, sizeof(s->sources[i].ip), "%s", ip);
    s->sources[i].last_us = util_now_us();
    return &s->sources[i];
}

unsigned kssh_srv_conn_count(const struct kssh_server *s, const char *ip, bool authed)
{
    unsigned n = 0;
    for (size_t i = 0; i < s->nconns; i++)
        if ((s->conns[i].authed || (authed && s->conns[i].authing)) == authed &&
            (!ip || strcmp(s->conns[i].ip, ip) == 0))
            n++;
    return n;
}

static void cap_hit(struct kssh_server *s, const struct conn *c, const char *cap, unsigned value,
                    const char *action)
{
    json_t *ev = event_new(EVENT_CONTAIN_CAP_HIT);
    json_object_set_new(ev, "cap", json_string(cap));
    json_object_set_new(ev, "value", json_integer(value));
    json_object_set_new(ev, "action", json_string(action));
    kssh_srv_emit(s, c, ev);
}

/* ---- monitor requests ---- */

static void add_client(const struct conn *c, json_t *ev)
{
    if (c->client_version[0])
        json_object_set_new(ev, "client_version", json_string(c->client_version));
    if (c->hassh[0])
        json_object_set_new(ev, "hassh", json_string(c->hassh));
}

/* What later events of the session carry: the client's version and HASSH. */
static void remember_client(struct conn *c, enum event_type t, json_t *ev)
{
    const char *v;
    if (t == EVENT_SESSION_VERSION && (v = json_string_value(json_object_get(ev, "version"))))
        snprintf(c->client_version, sizeof(c->client_version), "%s", v);
    if (t == EVENT_SESSION_KEX && (v = json_string_value(json_object_get(ev, "hassh"))) &&
        strlen(v) == 32 && strspn(v, "0123456789abcdef") == 32)
        snprintf(c->hassh, sizeof(c->hassh), "%s", v);
    if (t == EVENT_LOGIN_PUBLICKEY)
        add_client(c, ev);
}

/* An event from the session (checked by kssh_intake_parse), recorded with
 * the fields the daemon vouches for. Takes ev. */
static void take_event(struct kssh_server *s, struct conn *c, enum event_type t, json_t *ev)
{
    remember_client(c, t, ev);
    kssh_srv_emit(s, c, ev);
}

/* The login event of c and the answer to its session process: accepted
 * with a connection to the gateway's sshd (up, taken), or refused for
 * reason. */
static void answer_auth(struct kssh_server *s, struct conn *c, const char *user, size_t ul,
                        const char *pass, size_t pl, const struct honeynet_done *d,
                        const char *reason, int up)
{
    bool ok = d && d->ok;
    /* A hop's key login: pass is the key (its authorized_keys line). */
    bool key = c->hop && c->auth_key;
    json_t *ev = event_new(ok ? EVENT_LOGIN_SUCCESS : EVENT_LOGIN_FAILED);
    event_set_str(ev, "username", user ? user : "", user ? ul : 0);
    event_set_str(ev, key ? "key" : "password", pass ? pass : "", pass ? pl : 0);
    json_object_set_new(ev, "method", json_string(key ? "publickey" : "password"));
    if (c->hop) {
        json_object_set_new(ev, "hop", json_true());
        json_object_set_new(ev, "dst_ip", json_string(c->hop_dst));
    }
    add_client(c, ev);
    if (!ok) {
        /* reason may quote useradd on the attacker's user name: any bytes */
        event_set_str(ev, "reason", reason, strlen(reason));
    } else {
        c->authed = true;
        json_object_set_new(ev, "honeynet", json_string(d->honeynet));
        snprintf(c->container, sizeof(c->container), "%s", d->container);
        snprintf(c->honeynet, sizeof(c->honeynet), "%s", d->honeynet);
        snprintf(c->host_ip, sizeof(c->host_ip), "%s", c->hop ? c->hop_dst : d->gateway_ip);
    }
    kssh_srv_emit(s, c, ev);
    json_t *reply = json_pack("{s:b}", "accept", ok);
    if (ok)
        json_object_set_new(reply, "gateway", json_string(c->host_ip));
    if (ok && key)
        json_object_set_new(reply, "key_pem", json_string(d->key_pem));
    /* The session process has no network: its connection to the gateway's
     * sshd goes with the answer. */
    if (kssh_fds_send(c->mon, reply, &up, up >= 0 ? 1 : 0) < 0)
        LOG_DEBUG("ssh: session %s went away during authentication", c->session);
    if (up >= 0)
        close(up);
}

/* Accepted credentials past a cap fail as on a busy server; *reason says
 * which. */
static bool session_room(struct kssh_server *s, const struct conn *c, const char **reason)
{
    if (kssh_srv_conn_count(s, NULL, true) >= s->cfg->ssh.max_sessions) {
        cap_hit(s, c, "max_sessions", s->cfg->ssh.max_sessions, "refuse");
        *reason = "max_sessions";
        return false;
    }
    if (kssh_srv_conn_count(s, c->ip, true) >= s->cfg->ssh.max_sessions_per_source) {
        cap_hit(s, c, "max_sessions_per_source", s->cfg->ssh.max_sessions_per_source, "refuse");
        *reason = "max_sessions_per_source";
        return false;
    }
    return true;
}

/* The keys a source was shown become its own (unless it has some): its
 * gateway's sshd gets them. */
static int keep_keys(struct kssh_server *s, struct conn *c, char *why, size_t whylen)
{
    char err[512];
    if (s->cfg->honeynet.mode == CONFIG_MODE_SHARED)
        return 0;
    char *dir = honeynet_hostkey_dir(s->cfg, c->ip);
    int rc = kssh_keyset_keep(dir, &c->keys, err, sizeof(err));
    free(dir);
    if (rc < 0) {
        snprintf(why, whylen, "honeynet unavailable: %s", err);
        return rc;
    }
    kssh_keypool_retire(s->keypool, &c->keys);
    return 0;
}

/* Credentials judged here; accepted ones have their honeynet prepared on
 * the honeynet service's workers (on_acquired answers), so this thread
 * goes on serving everyone else meanwhile. */
static void take_hop_auth(struct kssh_server *s, struct conn *c, json_t *req);

static void take_auth(struct kssh_server *s, struct conn *c, json_t *req)
{
    if (c->hop)
        return take_hop_auth(s, c, req);
    size_t ul = 0, pl = 0;
    char *user = kssh_get_b64(req, "username_b64", &ul);
    char *pass = kssh_get_b64(req, "password_b64", &pl);
    const char *reason = "malformed";
    char why[600] = "";
    bool ok = false;

    struct source *src = source_of(s, c->ip);
    src->last_us = util_now_us();
    if (user && pass && strlen(user) == ul && strlen(pass) == pl)
        ok = kssh_policy_accepts(&s->policy, user, pass, src->failures, &reason);
    bool capped = ok && !session_room(s, c, &reason);
    ok = ok && !capped;
    if (ok && keep_keys(s, c, why, sizeof(why)) < 0) {
        ok = false;
        reason = why;
        LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: login refused: %s", why);
    }
    if (!ok) {
        if (!capped) /* not a wrong guess: after:N counts guesses */
            src->failures++;
        answer_auth(s, c, user, ul, pass, pl, NULL, reason, -1);
        free(user);
        free(pass);
        return;
    }
    c->authing = true;
    c->auth_user = user;
    c->auth_pass = pass;
    c->auth_ul = ul;
    c->auth_pl = pl;
    struct honeynet_login l = {.who = who_of(c), .user = xstrdup(user), .password = xstrdup(pass)};
    honeynet_acquire(s->hn, &l);
}

static void forget_auth(struct conn *c)
{
    free(c->auth_user);
    free(c->auth_pass);
    c->auth_user = c->auth_pass = NULL;
    c->authing = false;
    c->auth_key = c->auth_probe = false;
}

/* A hop's credentials are that host's to judge (honeynet_hop_auth): no
 * policy, no honeynet to make; a key is asked about first unsigned (the
 * client's probe: accepted or not, nothing logged in), then signed. */
static void take_hop_auth(struct kssh_server *s, struct conn *c, json_t *req)
{
    size_t ul = 0, pl = 0;
    const char *method = json_string_value(json_object_get(req, "method"));
    bool key = method && strcmp(method, "publickey") == 0;
    char *user = kssh_get_b64(req, "username_b64", &ul);
    char *pass = kssh_get_b64(req, key ? "key_b64" : "password_b64", &pl);
    const char *reason = NULL;
    if (!user || !pass || strlen(user) != ul || strlen(pass) != pl || c->hop_up < 0)
        reason = "malformed";
    else if (!json_is_true(json_object_get(req, "signed")) && key)
        c->auth_probe = true;
    else
        (void)session_room(s, c, &reason); /* sets reason when full */
    if (reason) {
        c->auth_key = key;
        answer_auth(s, c, user, ul, pass, pl, NULL, reason, -1);
        c->auth_key = false;
        free(user);
        free(pass);
        return;
    }
    c->authing = true;
    c->auth_key = key;
    c->auth_user = user;
    c->auth_pass = pass;
    c->auth_ul = ul;
    c->auth_pl = pl;
    struct honeynet_who w = who_of(c);
    honeynet_hop_auth(s->hn, &w, c->honeynet, c->container, c->hop_pid, xstrdup(user),
                      key ? NULL : xstrdup(pass), key ? xstrdup(pass) : NULL);
}

static struct conn *conn_of(struct kssh_server *s, const char *session)
{
    for (size_t i = 0; i < s->nconns; i++)
        if (strcmp(s->conns[i].session, session) == 0)
            return &s->conns[i];
    return NULL;
}

/* A login's honeynet is ready, or could not be made. A session gone by now
 * was recorded when it ended; the honeynet counts it as ended too. */
static void on_acquired(struct kssh_server *s, struct honeynet_done *d)
{
    struct conn *c = conn_of(s, d->who.session);
    if (!c || !c->authing) {
        if (d->ok)
            honeynet_release(s->hn, &d->who, d->honeynet, d->container, false);
        if (d->up >= 0)
            close(d->up);
        return;
    }
    if (!d->ok) {
        if (!d->wrong_password) /* a wrong guess is no failure of ours */
            LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: login refused: %s", d->why);
        source_of(s, c->ip)->failures++;
    }
    answer_auth(s, c, c->auth_user, c->auth_ul, c->auth_pass, c->auth_pl, d, d->why, d->up);
    forget_auth(c);
}

/* A hop's credentials judged. A key's probe is answered alone; a login
 * accepted takes the connection to that host's sshd. */
static void on_hop_authed(struct kssh_server *s, struct honeynet_done *d)
{
    struct conn *c = conn_of(s, d->who.session);
    if (!c || !c->authing) {
        if (d->ok)
            honeynet_release(s->hn, &d->who, d->honeynet, d->container, false);
        return;
    }
    if (c->auth_probe) {
        if (d->ok) /* nothing logged in yet */
            honeynet_release(s->hn, &d->who, d->honeynet, d->container, false);
        if (kssh_fds_send(c->mon, json_pack("{s:b}", "accept", d->ok), NULL, 0) < 0)
            LOG_DEBUG("ssh: session %s went away during authentication", c->session);
        forget_auth(c);
        return;
    }
    int up = d->ok ? c->hop_up : -1;
    if (d->ok)
        c->hop_up = -1; /* answer_auth passes it on and closes it */
    answer_auth(s, c, c->auth_user, c->auth_ul, c->auth_pass, c->auth_pl, d, d->why, up);
    forget_auth(c);
}

const char *kssh_srv_session_on(const struct kssh_server *s, const char *hn, const char *ip)
{
    const struct conn *best = NULL;
    for (size_t i = 0; i < s->nconns; i++) {
        const struct conn *c = &s->conns[i];
        if (c->authed && strcmp(c->honeynet, hn) == 0 && strcmp(c->host_ip, ip) == 0 &&
            (!best || c->start_us > best->start_us))
            best = c;
    }
    return best ? best->session : "";
}

static unsigned end_sessions(struct kssh_server *s, const char *hn, const char *why);

static void on_honeynet(struct kssh_server *s)
{
    struct honeynet_done d;
    while (honeynet_take(s->hn, &d)) {
        if (d.kind == HONEYNET_ACQUIRED)
            on_acquired(s, &d);
        else if (d.kind == HONEYNET_HOP_READY)
            kssh_srv_hop_ready(s, &d);
        else if (d.kind == HONEYNET_HOP_AUTHED)
            on_hop_authed(s, &d);
        else
            (void)end_sessions(s, d.honeynet, "honeynet lifetime reached");
    }
}

/* A message the session process would never send (kssh_intake_parse) ends
 * its session, as a protocol error does. */
static void on_monitor(struct kssh_server *s, struct conn *c)
{
    json_t *msg = NULL;
    struct kssh_intake in;
    int rc = kssh_msg_recv(c->mon, &msg);
    if (rc == 0 && msg)
        rc = kssh_intake_parse(msg, &in);
    if (rc < 0 || !msg) {
        if (rc < 0 && !*c->reason)
            snprintf(c->reason, sizeof(c->reason), "protocol error from the session process");
        json_decref(msg);
        close(c->mon);
        c->mon = -1;
        return;
    }
    switch (in.req) {
    case KSSH_REQ_EVENT:
        take_event(s, c, in.type, in.event);
        break;
    case KSSH_REQ_AUTH:
        if (!c->authed && !c->authing)
            take_auth(s, c, in.body);
        break;
    case KSSH_REQ_TTY:
        kssh_tty_append(s, c, in.body);
        break;
    case KSSH_REQ_TTY_OPEN:
        if (c->authed)
            kssh_tty_open(s, c, in.body);
        break;
    case KSSH_REQ_TTY_CLOSE:
        kssh_tty_close(s, c, in.body);
        break;
    case KSSH_REQ_BYTES:
        c->bytes_in = in.bytes_in;
        c->bytes_out = in.bytes_out;
        break;
    case KSSH_REQ_CLOSED:
        snprintf(c->reason, sizeof(c->reason), "%s", in.reason);
        break;
    case KSSH_REQ_UP_OPEN:
        if (c->authed)
            kssh_upfile_open(s, c, in.body);
        break;
    case KSSH_REQ_UP_DATA:
        kssh_upfile_write(s, c, in.body);
        break;
    case KSSH_REQ_UP_CLOSE:
        kssh_upfile_close(s, c, in.body);
        break;
    }
    json_decref(msg);
}

/* ---- sessions ---- */

static void closed_event(struct kssh_server *s, struct conn *c, int status)
{
    char why[160];
    if (*c->reason)
        snprintf(why, sizeof(why), "%s", c->reason);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, sizeof(why), "login grace time over");
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "session process killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof(why), "session process exited with status %d", WEXITSTATUS(status));
    json_t *ev = event_new(EVENT_SESSION_CLOSED);
    json_object_set_new(ev, "duration_ms", json_integer((util_now_us() - c->start_us) / 1000));
    json_object_set_new(ev, "reason", json_string(why));
    json_object_set_new(ev, "bytes_in", json_integer(c->bytes_in));
    json_object_set_new(ev, "bytes_out", json_integer(c->bytes_out));
    kssh_srv_emit(s, c, ev);
}

/* Records and forgets a session whose process has ended. */
static void session_ended(struct kssh_server *s, size_t i, int status)
{
    struct conn *c = &s->conns[i];
    /* Last words may still be queued on the socket. */
    while (c->mon >= 0) {
        struct pollfd p = {.fd = c->mon, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            break;
        on_monitor(s, c);
    }
    kssh_tty_finish_all(s, c);
    kssh_upfile_finish_all(s, c);
    /* What it left in the gateway is extracted on a worker, after this; a
     * hop's decoy has its files extracted when it stops (lan/). */
    if (c->authed) {
        struct honeynet_who w = who_of(c);
        honeynet_release(s->hn, &w, c->honeynet, c->container, !c->hop);
    }
    if (c->authing) {
        json_t *ev = event_new(EVENT_LOGIN_FAILED);
        event_set_str(ev, "username", c->auth_user, c->auth_ul);
        event_set_str(ev, "password", c->auth_pass, c->auth_pl);
        json_object_set_new(ev, "method", json_string("password"));
        json_object_set_new(ev, "reason", json_string("session ended while its honeynet was made"));
        add_client(c, ev);
        kssh_srv_emit(s, c, ev);
        forget_auth(c);
    }
    closed_event(s, c, status);
    kssh_keyset_free(&c->keys);
    if (c->hop_up >= 0)
        close(c->hop_up);
    if (c->mon >= 0)
        close(c->mon);
    s->conns[i] = s->conns[--s->nconns];
}

/* Records the session processes the zygote says have ended; block: until
 * every one has (or 15 s have passed). If the zygote is gone, so are its
 * sessions (they die with it). */
void kssh_srv_reap(struct kssh_server *s, bool block)
{
    long long deadline = util_now_us() + 15000000LL;
    while (!block || s->nconns) {
        pid_t pid;
        int status = 0;
        int rc = kssh_zygote_exited(s->z, block ? 200 : 0, &pid, &status);
        if (rc < 0) {
            if (!s->zygote_gone)
                LOG_ERROR("ssh: the session zygote died; no more SSH connections are accepted");
            s->zygote_gone = true;
            for (size_t i = 0; i < s->nconns; i++)
                if (!*s->conns[i].reason)
                    snprintf(s->conns[i].reason, sizeof(s->conns[i].reason), "session zygote died");
            while (s->nconns)
                session_ended(s, 0, 0);
            return;
        }
        if (rc == 0 && (!block || util_now_us() > deadline))
            return;
        for (size_t i = 0; rc == 1 && i < s->nconns; i++)
            if (s->conns[i].pid == pid) {
                session_ended(s, i, status);
                break;
            }
    }
}

/* Sessions past [containment] session_lifetime are ended, like any other
 * session the daemon ends (SIGTERM, then recorded when reaped). */
static void expire(struct kssh_server *s)
{
    long long now = util_now_us(), life_us = s->cfg->containment.session_lifetime_s * 1000000LL;
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = &s->conns[i];
        if (c->expired && c->pid > 0 && now - c->start_us > life_us + 10000000LL)
            kill(c->pid, SIGKILL); /* it did not end on SIGTERM */
        if (c->expired || now - c->start_us < life_us || c->pid <= 0)
            continue;
        c->expired = true;
        snprintf(c->reason, sizeof(c->reason), "session lifetime reached");
        json_t *ev = event_new(EVENT_CONTAIN_EXPIRED);
        json_object_set_new(ev, "what", json_string("session"));
        json_object_set_new(ev, "lifetime_s", json_integer(s->cfg->containment.session_lifetime_s));
        if (*c->honeynet)
            json_object_set_new(ev, "honeynet", json_string(c->honeynet));
        kssh_srv_emit(s, c, ev);
        kill(c->pid, SIGTERM);
    }
}

/* Ends the sessions open on honeynet hn (SIGTERM, recorded when reaped).
 * Returns how many there were. */
static unsigned end_sessions(struct kssh_server *s, const char *hn, const char *why)
{
    unsigned n = 0;
    for (size_t k = 0; k < s->nconns; k++) {
        struct conn *c = &s->conns[k];
        if (strcmp(c->honeynet, hn) != 0)
            continue;
        n++;
        if (!c->expired && c->pid > 0) {
            c->expired = true;
            snprintf(c->reason, sizeof(c->reason), "%s", why);
            kill(c->pid, SIGTERM);
        }
    }
    return n;
}

static void *server_main(void *arg)
{
    struct kssh_server *s = arg;
    pthread_setname_np(pthread_self(), "kk-ssh");
    struct pollfd *pfd = xcalloc(MAX_CONNS + 5, sizeof(*pfd));

    for (;;) {
        size_t n = 0;
        pfd[n++] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        bool paused = util_now_us() < s->paused_until;
        pfd[n++] = (struct pollfd){.fd = paused ? -1 : s->lfd, .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = kssh_zygote_fd(s->z), .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = honeynet_fd(s->hn), .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = paused ? -1 : s->hop_lfd, .events = POLLIN};
        for (size_t i = 0; i < s->nconns; i++)
            pfd[n++] = (struct pollfd){.fd = s->conns[i].mon, .events = POLLIN};
        int rc = poll(pfd, n, paused ? 100 : 1000);
        if (rc < 0 && errno != EINTR)
            break;
        if (pfd[0].revents)
            break;
        /* Monitor messages before accepts; indexes stay valid as conns only grow here. */
        size_t before = s->nconns;
        for (size_t i = 0; i < before; i++)
            if (pfd[5 + i].revents && s->conns[i].mon >= 0)
                on_monitor(s, &s->conns[i]);
        if (pfd[3].revents)
            on_honeynet(s);
        if (pfd[1].revents)
            kssh_srv_accept(s);
        if (pfd[4].revents)
            kssh_srv_hop_accept(s);
        kssh_srv_reap(s, false);
        expire(s);
    }
    free(pfd);
    return NULL;
}

/* ---- start and stop ---- */

/* The session processes are shut in an empty directory (zygote.h). */
static int prepare_jail(struct kssh_server *s, char *err, size_t errlen)
{
    s->empty_dir = xasprintf("%s/.empty", s->cfg->store.dir);
    if ((mkdir(s->empty_dir, 0755) < 0 && errno != EEXIST) || chmod(s->empty_dir, 0755) < 0) {
        snprintf(err, errlen, "cannot create %s", s->empty_dir);
        return -EIO;
    }
    return 0;
}

/* Host keys for the sessions: the shared honeynet's in shared mode (made
 * now if need be), else a pool. */
static int prepare_keys(struct kssh_server *s, char *err, size_t errlen)
{
    if (s->cfg->honeynet.mode != CONFIG_MODE_SHARED) {
        int rc = kssh_keypool_start(KEYPOOL_SETS, &s->keypool);
        if (rc < 0)
            snprintf(err, errlen, "cannot start the host key pool");
        return rc;
    }
    ssh_key k[KSSH_HOSTKEYS] = {0};
    char *dir = honeynet_hostkey_dir(s->cfg, "shared");
    int rc = kssh_hostkeys_load(dir, k, err, errlen);
    for (int i = 0; i < KSSH_HOSTKEYS; i++)
        ssh_key_free(k[i]);
    if (rc == 0 && (rc = kssh_keyset_read(dir, &s->shared_keys)) < 0)
        snprintf(err, errlen, "cannot read the host keys in %s", dir);
    free(dir);
    return rc;
}

/* Frees what start made; the thread, if any, has ended. */
static void server_free(struct kssh_server *s)
{
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->hop_lfd >= 0)
        close(s->hop_lfd);
    for (size_t i = 0; i < s->nhop_waits; i++)
        close(s->hop_waits[i].fd);
    free(s->hop_waits);
    if (s->reserve >= 0)
        close(s->reserve);
    if (s->wake[0] >= 0) {
        close(s->wake[0]);
        close(s->wake[1]);
    }
    kssh_policy_free(&s->policy);
    kssh_keypool_stop(s->keypool);
    kssh_keyset_free(&s->shared_keys);
    free(s->empty_dir);
    free(s->conns);
    free(s->sources);
    free(s);
}

/* The shared honeynet's keys, made on a worker if no session made them. */
static int make_keys(const char *dir, char *err, size_t errlen)
{
    ssh_key k[KSSH_HOSTKEYS] = {0};
    int rc = kssh_hostkeys_load(dir, k, err, errlen);
    for (int i = 0; i < KSSH_HOSTKEYS; i++)
        ssh_key_free(k[i]);
    return rc;
}

int kssh_server_start(const struct config *cfg, struct event_pipeline *p,
                      struct honeynet_service *hn, struct kssh_zygote *z, struct kssh_server **out,
                      char *err, size_t errlen)
{
    struct kssh_server *s = xcalloc(1, sizeof(*s));
    int rc;

    s->cfg = cfg;
    s->z = z;
    s->p = p;
    s->hn = hn;
    s->lfd = -1;
    s->hop_lfd = -1;
    s->hop_waits = xcalloc(MAX_HOP_WAITS, sizeof(*s->hop_waits));
    s->reserve = -1;
    s->wake[0] = s->wake[1] = -1;
    s->conns = xcalloc(MAX_CONNS, sizeof(*s->conns));
    s->sources = xcalloc(MAX_SOURCES, sizeof(*s->sources));
    char perr[256] = "";
    if ((rc = kssh_policy_init(&s->policy, cfg->ssh.auth, cfg->ssh.allow_root, perr,
                               sizeof(perr))) < 0) {
        snprintf(err, errlen, "[ssh] auth: %s", perr);
        goto fail;
    }
    if ((rc = prepare_jail(s, err, errlen)) < 0 || (rc = prepare_keys(s, err, errlen)) < 0 ||
        (rc = kssh_srv_listen(s, err, errlen)) < 0)
        goto fail;
    kssh_srv_hop_listen(s);
    /* Each connection costs the daemon a descriptor or more (monitor
     * socket, tty logs): as many as allowed, and one kept spare. An eighth
     * of them (16 to 256) is left to the rest of the daemon: connections
     * alone must not starve the firewall check, the store or Docker's
     * socket (the lowest free number is given out, so a descriptor's
     * number is about how many are open). */
    struct rlimit rl;
    s->fd_ceiling = INT_MAX;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                LOG_WARN("ssh: cannot raise the descriptor limit to %llu",
                         (unsigned long long)rl.rlim_max);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < (rlim_t)INT_MAX) {
            rlim_t spare = rl.rlim_cur / 8;
            spare = spare < 16 ? 16 : spare > 256 ? 256 : spare;
            s->fd_ceiling = rl.rlim_cur > spare ? (int)(rl.rlim_cur - spare) : 0;
        }
    }
    s->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct honeynet_hooks hooks = {.keys_make = make_keys, .keys_remove = kssh_hostkeys_remove};
    honeynet_set_hooks(hn, &hooks);
    if (pipe2(s->wake, O_CLOEXEC) < 0 || pthread_create(&s->th, NULL, server_main, s) != 0) {
        snprintf(err, errlen, "cannot start the SSH front end thread");
        rc = -EIO;
        goto fail;
    }
    *out = s;
    return 0;
fail:
    server_free(s);
    return rc;
}

uint16_t kssh_server_port(const struct kssh_server *s)
{
    return s->port;
}

void kssh_server_stop(struct kssh_server *s)
{
    if (!s)
        return;
    (void)!write(s->wake[1], "x", 1);
    pthread_join(s->th, NULL);
    for (size_t i = 0; i < s->nconns; i++) {
        kill(s->conns[i].pid, SIGTERM);
        if (!*s->conns[i].reason)
            snprintf(s->conns[i].reason, sizeof(s->conns[i].reason), "karakuri stopped");
    }
    kssh_srv_reap(s, true);
    server_free(s);
}
