/* honeynet hop: SSH from one LAN host to another, taken by the front end
 * (contain/firewall.h KARAKURI-HOP) and made ready on a worker: the host
 * reached is claimed and waited for (lan_responder_reach), its sshd
 * connected to, its identification and derived host key read, so that the
 * front end can answer as that host; then each login on the hop is judged
 * as that host's sshd would: a password against its own account, a key
 * when it is one its authorized_keys hold (the honeynet's admin key). */
#include "honeynet/honeynet_int.h"

#include "common/util.h"
#include "config/config.h"
#include "lan/account.h"
#include "lan/responder.h"
#include "lan/trail.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* sshd's identification line, peeked (libssh reads it again): what follows
 * "SSH-2.0-", printable, or -1. */
static int peek_version(int fd, char *out, size_t outlen)
{
    char b[256];
    long long deadline = util_mono_us() + 5000000LL;
    for (;;) {
        ssize_t n = recv(fd, b, sizeof(b) - 1, MSG_PEEK);
        if (n <= 0)
            return -1;
        b[n] = '\0';
        char *nl = strchr(b, '\n');
        if (nl) {
            *nl = '\0';
            if (nl > b && nl[-1] == '\r')
                nl[-1] = '\0';
            if (strncmp(b, "SSH-2.0-", 8) != 0 || !b[8])
                return -1;
            for (const char *p = b + 8; *p; p++)
                if (*p < 0x20 || *p > 0x7e)
                    return -1;
            snprintf(out, outlen, "%s", b + 8);
            return 0;
        }
        long long left = (deadline - util_mono_us()) / 1000;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if ((size_t)n == sizeof(b) - 1 || left <= 0)
            return -1;
        /* More of the line to come: wait for it (peeked bytes keep POLLIN
         * up, so pause a little between looks). */
        (void)poll(NULL, 0, 5);
        if (poll(&p, 1, (int)left) <= 0)
            return -1;
    }
}

void honeynet_run_hop_reach(struct worker *w, struct job *j)
{
    struct honeynet_service *h = w->h;
    struct honeynet_done *d = &j->done;
    struct lan_reached at = {0};
    uint32_t src = 0, dst = 0;
    int rc = -EINVAL;

    d->kind = HONEYNET_HOP_READY;
    d->who = j->who;
    d->up = -1;
    if (!h->lan || util_ipv4_parse(j->who.ip, &src) < 0 || util_ipv4_parse(j->dst, &dst) < 0)
        snprintf(d->why, sizeof(d->why), "not a LAN host");
    else if ((rc = lan_responder_reach(h->lan, src, (uint16_t)j->who.port, dst, 10000, &at)) < 0)
        snprintf(d->why, sizeof(d->why), "%s",
                 rc == -ETIMEDOUT ? "its decoy was not up in time" : "no such host");
    if (rc == 0 && (d->up = honeynet_connect_sshd(j->dst, d->why, sizeof(d->why))) < 0)
        rc = -EIO;
    if (rc == 0 && peek_version(d->up, d->version, sizeof(d->version)) < 0) {
        snprintf(d->why, sizeof(d->why), "no SSH identification from %s", j->dst);
        rc = -EPROTO;
    }
    unsigned char secret[LAN_TRAIL_SECRET_LEN];
    struct lan_trail_key k = {0};
    char comment[48];
    snprintf(comment, sizeof(comment), "root@%s", at.hostname);
    if (rc == 0 && ((rc = lan_trail_secret(h->cfg->store.dir, secret)) < 0 ||
                    (rc = lan_trail_hostkey(secret, at.honeynet, j->dst, comment, &k)) < 0 ||
                    strlen(k.priv) >= sizeof(d->key_pem)))
        snprintf(d->why, sizeof(d->why), "no host key for %s", j->dst);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (rc == 0 && k.priv && strlen(k.priv) < sizeof(d->key_pem)) {
        d->ok = true;
        snprintf(d->key_pem, sizeof(d->key_pem), "%s", k.priv);
        snprintf(d->honeynet, sizeof(d->honeynet), "%s", at.honeynet);
        snprintf(d->container, sizeof(d->container), "%s", at.container);
        snprintf(d->hostname, sizeof(d->hostname), "%s", at.hostname);
        snprintf(d->gateway_ip, sizeof(d->gateway_ip), "%s", j->dst);
        d->pid = at.pid;
        d->depth = at.depth;
    } else if (d->up >= 0) {
        close(d->up);
        d->up = -1;
    }
    lan_trail_key_free(&k);
    honeynet_post(h, d);
}

void honeynet_run_hop_auth(struct worker *w, struct job *j)
{
    struct honeynet_service *h = w->h;
    struct honeynet_done *d = &j->done;
    d->kind = HONEYNET_HOP_AUTHED;
    d->who = j->who;
    d->up = -1;
    if (j->pubkey) {
        /* The decoys' authorized_keys hold the honeynet's admin key for
         * admin (trail.h); the front end logs in upstream with it. */
        struct lan_trail_key k = {0};
        d->ok = strcmp(j->user, LAN_TRAIL_ADMIN) == 0 &&
                lan_trail_userkey(h->cfg->store.dir, j->key, &k) == 0 &&
                strcmp(k.pub, j->pubkey) == 0 && strlen(k.priv) < sizeof(d->key_pem);
        if (d->ok)
            snprintf(d->key_pem, sizeof(d->key_pem), "%s", k.priv);
        lan_trail_key_free(&k);
    } else {
        char hash[LAN_ACCOUNT_HASH_MAX];
        int rc = lan_account_hash(j->pid, j->container, j->user, hash, sizeof(hash));
        /* No account, or none with a password: that host's sshd refuses. */
        d->ok = lan_account_judge(rc, hash, j->password) == LAN_ACCOUNT_MATCH;
        explicit_bzero(hash, sizeof(hash));
    }
    if (!d->ok) {
        d->wrong_password = true;
        snprintf(d->why, sizeof(d->why), "account");
    } else {
        snprintf(d->honeynet, sizeof(d->honeynet), "%s", j->key);
        snprintf(d->container, sizeof(d->container), "%s", j->container);
        /* Counted before the answer goes: a release may follow at once. */
        pthread_mutex_lock(&h->mu);
        honeynet_registry_get(&h->reg, j->key)->open++;
        pthread_mutex_unlock(&h->mu);
    }
    honeynet_post(h, d);
}
