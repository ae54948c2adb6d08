/* honeynet acquire: a login's honeynet made ready on a worker (see
 * honeynet.h): found or made within [honeynet] max (past it the source is
 * refused or sent to the shared honeynet), its executions watched, the user
 * created, its LAN answered, and a connection to its gateway's sshd opened
 * for the session process (which has no network of its own). */
#include "honeynet/honeynet_int.h"

#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/account.h"
#include "lan/honeynet.h"
#include "lan/responder.h"
#include "monitor/exec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void cap_hit(struct honeynet_service *h, const struct job *j, unsigned value,
                    const char *action)
{
    json_t *ev = event_new(EVENT_CONTAIN_CAP_HIT);
    json_object_set_new(ev, "cap", json_string("honeynets"));
    json_object_set_new(ev, "value", json_integer(value));
    json_object_set_new(ev, "action", json_string(action));
    honeynet_emit(h, &j->who, ev);
}

/* Which honeynet the login gets: its own, or past [honeynet] max the
 * shared one (then locked for this job too) or none. On success create_mu
 * is held when the honeynet is still to be made (released by the caller
 * after making it), else not. */
static int choose(struct worker *w, struct job *j, char *name, size_t nlen, bool *holding,
                  char *why, size_t whylen)
{
    struct honeynet_service *h = w->h;
    bool shared = h->cfg->honeynet.mode == CONFIG_MODE_SHARED;
    unsigned n = 0;
    bool exists = false;
    char err[512];

    snprintf(name, nlen, "%s", j->key);
    pthread_mutex_lock(&h->create_mu);
    if (lan_honeynet_count(w->d, name, &n, &exists, err, sizeof(err)) < 0)
        goto unavailable;
    if (!exists && !shared && n >= h->cfg->honeynet.max) {
        bool share = h->cfg->honeynet.full_share;
        cap_hit(h, j, h->cfg->honeynet.max, share ? "share" : "refuse");
        pthread_mutex_unlock(&h->create_mu);
        if (!share) {
            snprintf(why, whylen, "max_honeynets");
            return -ENOSPC;
        }
        /* Keys before create_mu, as everywhere: the shared honeynet's
         * holder may be making it. */
        snprintf(name, nlen, "shared");
        snprintf(j->shared_key, sizeof(j->shared_key), "shared");
        pthread_mutex_lock(&h->mu);
        honeynet_key_lock(h, "shared");
        pthread_mutex_unlock(&h->mu);
        pthread_mutex_lock(&h->create_mu);
        if (lan_honeynet_count(w->d, name, &n, &exists, err, sizeof(err)) < 0)
            goto unavailable;
    }
    *holding = !exists;
    if (exists)
        pthread_mutex_unlock(&h->create_mu);
    return 0;
unavailable:
    pthread_mutex_unlock(&h->create_mu);
    snprintf(why, whylen, "honeynet unavailable: %s", err);
    return -EIO;
}

/* The honeynet's gateway, found or made, its executions watched. */
static int ensure(struct worker *w, struct job *j, const char *name, struct lan_gateway *gw,
                  char *why, size_t whylen)
{
    struct honeynet_service *h = w->h;
    bool own = strncmp(name, "src-", 4) == 0;
    char *keys = honeynet_hostkey_dir(h->cfg, own ? j->who.ip : "shared");
    char err[512] = "";
    int rc = 0;
    /* A source's own keys are kept by the front end before it asks (the
     * ones it was shown); the shared honeynet's are made here if no
     * session made them. */
    if (!own && h->hooks.keys_make && (rc = h->hooks.keys_make(keys, err, sizeof(err))) < 0)
        snprintf(why, whylen, "honeynet unavailable: %s", err);
    if (rc == 0 && (rc = lan_honeynet_ensure(w->d, h->cfg, name, keys, gw, err, sizeof(err))) < 0)
        snprintf(why, whylen, "honeynet unavailable: %s", err);
    free(keys);
    if (rc < 0)
        return rc;
    struct monitor_exec_target t = {gw->container, gw->honeynet, gw->ip, gw->hostname};
    int wrc = monitor_exec_watch(h->mon, gw->pid, &t);
    if (wrc < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: executions in %s not watched: %s", gw->honeynet,
                        util_strerror(-wrc, err, sizeof(err)));
    if (gw->created) {
        json_t *ev = event_new(EVENT_LAN_HONEYNET_CREATED);
        json_object_set_new(ev, "honeynet", json_string(gw->honeynet));
        json_object_set_new(ev, "subnet", json_string(gw->subnet));
        json_object_set_new(ev, "gateway_ip", json_string(gw->ip));
        json_object_set_new(ev, "hostname", json_string(gw->hostname));
        honeynet_emit(h, &j->who, ev);
    }
    return 0;
}

/* The gateway the last login of honeynet key found, if its init still
 * runs (the container was not stopped, restarted or removed since): the
 * honeynet is then made, watched and routed, and nothing is asked of Docker. */
static bool known_gateway(struct honeynet_service *h, const char *key, struct lan_gateway *gw)
{
    struct proc_ref init;
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_find(&h->reg, key);
    bool known = e && e->gw_known;
    if (known)
        *gw = e->gw;
    pthread_mutex_unlock(&h->mu);
    if (!known || proc_ref_open(gw->pid, gw->container, &init) < 0)
        return false;
    proc_ref_close(&init);
    gw->created = false;
    return true;
}

static void remember_gateway(struct honeynet_service *h, const char *key,
                             const struct lan_gateway *gw)
{
    /* Only a source's own honeynet, or the shared one by its own key: one
     * sent to the shared honeynet past [honeynet] max asks each time. */
    if (strcmp(key, gw->honeynet) != 0)
        return;
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_get(&h->reg, key);
    e->gw = *gw;
    e->gw.created = false;
    e->gw_known = true;
    pthread_mutex_unlock(&h->mu);
}

/* What the gateway's account user says of the login's password now
 * (lan/account.h). A password a login of this honeynet found to be the
 * account's hash's is known by its digest (no crypt); a newly found one is
 * remembered so. Checked each time, not assumed from what a login set:
 * the intruder's passwd may have come in between. */
static enum lan_account_verdict account_judge(struct honeynet_service *h, const struct job *j,
                                              const struct lan_gateway *gw)
{
    char hash[LAN_ACCOUNT_HASH_MAX];
    unsigned char dg[LAN_ACCOUNT_DIGEST_LEN];
    bool known = false;
    int rc = lan_account_hash(gw->pid, gw->container, j->user, hash, sizeof(hash));
    if (rc == 0)
        lan_account_digest(j->user, hash, j->password, dg);
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_find(&h->reg, gw->honeynet);
    for (unsigned i = 0; rc == 0 && e && i < e->nusers && !known; i++)
        known = memcmp(e->users[i], dg, sizeof(dg)) == 0;
    pthread_mutex_unlock(&h->mu);
    enum lan_account_verdict v =
        known ? LAN_ACCOUNT_MATCH : lan_account_judge(rc, hash, j->password);
    explicit_bzero(hash, sizeof(hash));
    if (v != LAN_ACCOUNT_MATCH || known)
        return v;
    pthread_mutex_lock(&h->mu);
    e = honeynet_registry_get(&h->reg, gw->honeynet);
    memcpy(e->users[e->next_user], dg, sizeof(dg));
    e->next_user = (e->next_user + 1) % HONEYNET_USERS_MAX;
    if (e->nusers < HONEYNET_USERS_MAX)
        e->nusers++;
    pthread_mutex_unlock(&h->mu);
    return v;
}

/* The user in the gateway (unless it has a password there), and on the
 * LAN's decoys. An account with a password takes only that one: another
 * is refused as a wrong password (*wrong set), as the server would. */
static int add_user(struct worker *w, struct job *j, const struct lan_gateway *gw, bool *wrong,
                    char *why, size_t whylen)
{
    struct honeynet_service *h = w->h;
    char err[512] = "";
    bool created = false;
    /* Back with the password it has (known, or checked now): neither
     * useradd nor chpasswd runs, and there is no login.user_created. */
    enum lan_account_verdict v = account_judge(h, j, gw);
    if (v == LAN_ACCOUNT_WRONG || v == LAN_ACCOUNT_UNREADABLE) {
        *wrong = v == LAN_ACCOUNT_WRONG;
        snprintf(why, whylen, "%s", *wrong ? "account" : "account not checkable");
        return -EACCES;
    }
    if (v == LAN_ACCOUNT_SET) {
        if (lan_gateway_user(w->d, gw, j->user, j->password, &created, err, sizeof(err)) < 0) {
            snprintf(why, whylen, "user not created: %s", err);
            return -EINVAL;
        }
        /* not MATCH (a passwd in between): the next login judges it */
        (void)account_judge(h, j, gw);
    }
    if (created) {
        json_t *ev = event_new(EVENT_LOGIN_USER_CREATED);
        event_set_str(ev, "username", j->user, strlen(j->user));
        json_object_set_new(ev, "honeynet", json_string(gw->honeynet));
        honeynet_emit(h, &j->who, ev);
    }
    /* The LAN is answered from the first login on; a responder failure costs
     * the LAN, not the login. */
    if (h->lan &&
        lan_responder_attach(h->lan, w->d, gw, j->user, j->password, err, sizeof(err)) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: LAN of %s not answered: %s", gw->honeynet, err);
    return 0;
}

/* A connection to ip:22, its first bytes waited for until deadline_us
 * (monotonic); 0 with *fd set, -EAGAIN when the peer closed it before
 * saying anything, another -errno otherwise. */
static int try_gateway(const struct sockaddr_in *a, long long deadline_us, int *fd)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), e = 0;
    if (s < 0)
        return -errno;
    if (connect(s, (const struct sockaddr *)a, sizeof(*a)) < 0 && errno != EINPROGRESS) {
        e = errno;
        goto out;
    }
    struct pollfd p = {.fd = s, .events = POLLOUT};
    socklen_t el = sizeof(e);
    long long left_ms = (deadline_us - util_mono_us()) / 1000;
    if (left_ms <= 0 || poll(&p, 1, (int)left_ms) <= 0) {
        e = ETIMEDOUT;
        goto out;
    }
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
        e = errno;
    if (e)
        goto out;
    /* sshd past MaxStartups closes a connection before its banner: seen
     * here, another one is tried, not a login refused. */
    p = (struct pollfd){.fd = s, .events = POLLIN};
    left_ms = (deadline_us - util_mono_us()) / 1000;
    char b[4];
    ssize_t n;
    if (left_ms <= 0 || poll(&p, 1, (int)left_ms) <= 0)
        e = ETIMEDOUT;
    else if ((n = recv(s, b, sizeof(b), MSG_PEEK)) <= 0)
        e = n == 0 || errno == ECONNRESET ? EAGAIN : errno;
out:
    if (e) {
        close(s);
        return -e;
    }
    *fd = s;
    return 0;
}

/* A connection to the gateway's sshd, its banner on the way, for the
 * session process to log into; -1 with why set if none within 10 s. */
int honeynet_connect_sshd(const char *ip, char *why, size_t whylen)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(22)};
    long long deadline_us = util_mono_us() + 10000000LL;
    char ebuf[128];
    int fd = -1, rc = -EINVAL, one = 1;
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
        goto out;
    for (unsigned i = 0; (rc = try_gateway(&a, deadline_us, &fd)) == -EAGAIN && i < 50; i++) {
        struct timespec ts = {0, 20000000L * (i < 5 ? i + 1 : 5)};
        nanosleep(&ts, NULL);
    }
    /* libssh wants it blocking, and takes the socket as it is: without
     * TCP_NODELAY each step of its key exchange and login waited for a
     * delayed ACK. */
    if (rc == 0 && (fcntl(fd, F_SETFL, 0) < 0 ||
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0))
        rc = -errno;
out:
    if (rc == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    snprintf(why, whylen, "honeynet unavailable: gateway sshd %s:22: %s", ip,
             util_strerror(-rc, ebuf, sizeof(ebuf)));
    return -1;
}

void honeynet_run_acquire(struct worker *w, struct job *j)
{
    struct honeynet_done *d = &j->done;
    struct lan_gateway gw = {0};
    char name[64], err[512];
    bool holding = false;
    int rc;

    d->kind = HONEYNET_ACQUIRED;
    d->who = j->who;
    d->up = -1;
    if ((rc = honeynet_docker(w, err, sizeof(err))) < 0)
        snprintf(d->why, sizeof(d->why), "honeynet unavailable: %s", err);
    else if (!known_gateway(w->h, j->key, &gw) &&
             (rc = choose(w, j, name, sizeof(name), &holding, d->why, sizeof(d->why))) == 0) {
        rc = ensure(w, j, name, &gw, d->why, sizeof(d->why));
        if (holding)
            pthread_mutex_unlock(&w->h->create_mu);
        if (rc == 0)
            remember_gateway(w->h, j->key, &gw);
    }
    /* The connection is the login's own: the honeynet's next login need
     * not wait for sshd's banner (the honeynet stays counted busy). */
    if (rc == 0 && (rc = add_user(w, j, &gw, &d->wrong_password, d->why, sizeof(d->why))) == 0 &&
        !j->shared_key[0])
        honeynet_job_unlock(w->h, j);
    if (rc == 0)
        rc = (d->up = honeynet_connect_sshd(gw.ip, d->why, sizeof(d->why))) < 0 ? -EIO : 0;
    if (rc == 0) {
        d->ok = true;
        snprintf(d->honeynet, sizeof(d->honeynet), "%s", gw.honeynet);
        snprintf(d->container, sizeof(d->container), "%s", gw.container);
        snprintf(d->gateway_ip, sizeof(d->gateway_ip), "%s", gw.ip);
        /* Counted before the answer goes: a release may follow at once. */
        pthread_mutex_lock(&w->h->mu);
        honeynet_registry_get(&w->h->reg, gw.honeynet)->open++;
        pthread_mutex_unlock(&w->h->mu);
    }
    honeynet_post(w->h, d);
}
