/* ssh session: one SSH connection, in a process of its own (forked by the
 * zygote, zygote.h) that gives up root and installs its seccomp filter
 * (sandbox.c) before libssh reads a byte of the key exchange. It talks to
 * the daemon only through the monitor socket, which brings it its host keys
 * and, after login, its connection to the gateway.
 *
 * Before libssh: our identification line goes out, the client's is read and
 * judged as OpenSSH's sshd judges it. Then libssh gets one end of a socket
 * pair and a shim thread relays between it and the client: it hands libssh
 * the client's line, swallows libssh's own banner (ours is already out), and
 * reads the client's KEXINIT on the way for its name-lists and HASSH. */
#include "ssh/session.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "ssh/fdpass.h"
#include "ssh/hostkeys.h"
#include "ssh/monitor.h"
#include "ssh/preauth.h"
#include "ssh/relay.h"
#include "ssh/sandbox.h"

#include <errno.h>
#include <grp.h>
#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The lists of the gateway's sshd (OpenSSH 8.4p1), in its order. The umac
 * MACs are the one gap: libssh has none (README, "SSH front end"). libssh adds
 * kex-strict-s-v00@openssh.com itself, as that sshd does. */
#define KEX_LIST                                                                                   \
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"        \
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"       \
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
#define HOSTKEY_LIST "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519"
#define CIPHER_LIST                                                                                \
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"       \
    "aes256-gcm@openssh.com"
#define MAC_LIST                                                                                   \
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"       \
    "hmac-sha2-256,hmac-sha2-512,hmac-sha1"
#define COMP_LIST "none,zlib@openssh.com"
/* sshd's MaxAuthTries. */
#define MAX_AUTH_TRIES 6

static int mon_fd = -1;

static void send_event(json_t *ev)
{
    json_t *msg = json_pack("{s:o}", "event", ev);
    if (kssh_msg_send(mon_fd, msg) < 0)
        _exit(3); /* the daemon is gone: nothing can be recorded */
}

static void send_msg(json_t *msg)
{
    if (kssh_msg_send(mon_fd, msg) < 0)
        _exit(3);
}

static void send_closed(const char *reason)
{
    (void)!kssh_msg_send(mon_fd, json_pack("{s:s}", "closed", reason));
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the client's identification line one byte at a time, so that
 * nothing after it is taken from the socket. */
static enum kssh_ident read_ident(int fd, char *line, size_t *len)
{
    size_t n = 0;
    enum kssh_ident v = KSSH_IDENT_INCOMPLETE;
    while (v == KSSH_IDENT_INCOMPLETE && n < KSSH_IDENT_MAX) {
        ssize_t r = recv(fd, line + n, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return KSSH_IDENT_INCOMPLETE;
        n++;
        v = kssh_ident_check(line, n, len);
    }
    return v == KSSH_IDENT_INCOMPLETE ? KSSH_IDENT_INVALID : v;
}

struct shim {
    int client, lib;
    const char *ident;
    size_t ident_len;
    long long in, out; /* bytes from and to the client, after the identification */
};

static void kex_event(const struct kssh_kexinit *k)
{
    send_event(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "session.kex", "hassh", k->hassh,
                         "kex", k->kex, "ciphers", k->enc_c2s, "macs", k->mac_c2s, "compression",
                         k->comp_c2s));
}

/* Moves what fd `from` has to `to`; inspects client bytes for the KEXINIT
 * while it has not been seen. Returns bytes moved, 0 at EOF, -1 on error. */
static ssize_t pump(int from, int to, uint8_t *kex, size_t *kex_len, bool *kex_done)
{
    uint8_t buf[16384];
    ssize_t n;
    do {
        n = recv(from, buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return n;
    if (kex && !*kex_done) {
        size_t take = (size_t)n < KSSH_KEXINIT_MAX + 5 - *kex_len ? (size_t)n
                                                                  : KSSH_KEXINIT_MAX + 5 - *kex_len;
        memcpy(kex + *kex_len, buf, take);
        *kex_len += take;
        struct kssh_kexinit k;
        int rc = kssh_kexinit_parse(kex, *kex_len, &k);
        if (rc > 0)
            kex_event(&k);
        *kex_done = rc != 0 || *kex_len >= KSSH_KEXINIT_MAX + 5;
    }
    return write_all(to, buf, (size_t)n) < 0 ? -1 : n;
}

static void *shim_main(void *arg)
{
    struct shim *s = arg;
    pthread_setname_np(pthread_self(), "kk-ssh-shim");
    uint8_t *kex = xmalloc(KSSH_KEXINIT_MAX + 5);
    size_t kex_len = 0;
    bool kex_done = false, client_open = true, lib_open = true;
    char c = 0;

    if (write_all(s->lib, s->ident, s->ident_len) < 0)
        goto out;
    do { /* libssh's banner: ours went out already */
        ssize_t r = recv(s->lib, &c, 1, 0);
        if (r < 0 && errno == EINTR)
            continue; /* setuid() in the main thread signals every thread */
        if (r != 1)
            goto out;
    } while (c != '\n');
    while (client_open || lib_open) {
        struct pollfd p[2] = {{.fd = client_open ? s->client : -1, .events = POLLIN},
                              {.fd = lib_open ? s->lib : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        ssize_t n;
        if (p[0].revents && (n = pump(s->client, s->lib, kex, &kex_len, &kex_done)) <= 0) {
            client_open = false;
            shutdown(s->lib, SHUT_WR);
        } else if (p[0].revents) {
            s->in += n;
        }
        if (p[1].revents && (n = pump(s->lib, s->client, NULL, NULL, NULL)) <= 0) {
            lib_open = false;
            shutdown(s->client, SHUT_WR);
        } else if (p[1].revents) {
            s->out += n;
        }
    }
out:
    free(kex);
    shutdown(s->lib, SHUT_RDWR);
    return NULL;
}

static int drop_privileges(const struct kssh_session_args *a)
{
    if (chroot(a->chroot_dir) < 0 || chdir("/") < 0)
        return -errno;
    if (setgroups(0, NULL) < 0 || setresgid(a->gid, a->gid, a->gid) < 0 ||
        setresuid(a->uid, a->uid, a->uid) < 0)
        return -errno;
    /* A change of credentials clears the parent-death signal: set again,
     * and the daemon may have died in between. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
        return -errno;
    if (getppid() != a->parent)
        return -ESRCH;
    return 0;
}

/* The bind takes the keys. */
static ssh_bind make_bind(const char *version, ssh_key keys[KSSH_HOSTKEYS])
{
    ssh_bind b = ssh_bind_new();
    bool no = false;
    if (!b)
        return NULL;
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BANNER, version);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, KEX_LIST);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, HOSTKEY_LIST);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, CIPHER_LIST);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, CIPHER_LIST);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S, MAC_LIST);
    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C, MAC_LIST);
    for (int i = 0; i < KSSH_HOSTKEYS; i++)
        if (keys[i])
            ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, keys[i]);
    return b;
}

/* Asks the daemon; on acceptance, the gateway's address goes to gw_ip and
 * *up is a connection to its sshd, made by the daemon (this process has no
 * network). */
static bool hop; /* an SSH hop: answering as a LAN host (accept.c) */

static bool ask(json_t *auth, char *gw_ip, size_t gw_len, int *up, char **key_pem);

static bool ask_auth(const char *user, const char *password, char *gw_ip, size_t gw_len, int *up)
{
    json_t *auth = json_pack("{s:s}", "method", "password");
    kssh_set_b64_capped(auth, "username", user, strlen(user));
    kssh_set_b64_capped(auth, "password", password, strlen(password));
    return ask(auth, gw_ip, gw_len, up, NULL);
}

/* Sends auth (taken) and waits for the answer; key_pem (may be NULL) gets
 * the key to log in upstream with, if the answer has one. */
static bool ask(json_t *auth, char *gw_ip, size_t gw_len, int *up, char **key_pem)
{
    json_t *reply = NULL;
    int fds[1];
    size_t nfds = 0;
    if (kssh_msg_send(mon_fd, json_pack("{s:o}", "auth", auth)) < 0 ||
        kssh_fds_recv(mon_fd, &reply, fds, 1, &nfds) < 0 || !reply)
        _exit(3);
    const char *ip = json_string_value(json_object_get(reply, "gateway"));
    bool ok = json_is_true(json_object_get(reply, "accept")) && (!up || (ip && nfds == 1));
    if (ok && up) {
        snprintf(gw_ip, gw_len, "%s", ip);
        *up = fds[0];
    } else if (nfds) {
        close(fds[0]);
    }
    const char *pem = json_string_value(json_object_get(reply, "key_pem"));
    if (ok && key_pem && pem)
        *key_pem = xstrdup(pem);
    json_decref(reply);
    return ok;
}

/* A refused password costs what it costs on Debian's sshd (pam_unix's delay). */
static void failure_delay(void)
{
    struct timespec ts = {.tv_sec = 2, .tv_nsec = (long)(getpid() % 1000) * 500000L};
    nanosleep(&ts, NULL);
}

struct auth_state {
    int failures;
    bool done;
    const char *reason;
    ssh_session down;
    struct kssh_relay *relay; /* once logged in */
};

static int on_auth_password(ssh_session s, const char *user, const char *password, void *ud)
{
    struct auth_state *st = ud;
    char ip[64];
    int up = -1;
    (void)s;
    if (!st->relay && ask_auth(user ? user : "", password ? password : "", ip, sizeof(ip), &up) &&
        kssh_relay_connect(st->down, up, ip, user, password, send_msg, &st->relay) == 0) {
        alarm(0); /* logged in: the login grace time no longer applies */
        return SSH_AUTH_SUCCESS;
    }
    failure_delay();
    if (++st->failures >= MAX_AUTH_TRIES) {
        st->done = true;
        st->reason = "too many authentication failures";
    }
    return SSH_AUTH_DENIED;
}

/* On a hop, a key that host accepts (the daemon says which) logs in: asked
 * about unsigned first (the client's probe), then signed, when the daemon
 * gives the key to log in upstream with. */
static int hop_pubkey(struct auth_state *st, const char *user, struct ssh_key_struct *key,
                      char signature_state)
{
    char *b64 = NULL, ip[64], *pem = NULL;
    int up = -1;
    bool signed_ = signature_state == SSH_PUBLICKEY_STATE_VALID;
    if (st->relay || signature_state == SSH_PUBLICKEY_STATE_WRONG ||
        ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
        return SSH_AUTH_DENIED;
    char *line = xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(key)) ?: "unknown", b64);
    ssh_string_free_char(b64);
    json_t *auth = json_pack("{s:s, s:b}", "method", "publickey", "signed", signed_);
    kssh_set_b64_capped(auth, "username", user, strlen(user));
    kssh_set_b64_capped(auth, "key", line, strlen(line));
    free(line);
    bool ok = ask(auth, ip, sizeof(ip), signed_ ? &up : NULL, signed_ ? &pem : NULL);
    if (ok && signed_)
        ok = pem && kssh_relay_connect_key(st->down, up, ip, user, pem, send_msg, &st->relay) == 0;
    else if (up >= 0)
        close(up);
    if (pem) {
        OPENSSL_cleanse(pem, strlen(pem));
        free(pem);
    }
    if (ok && signed_)
        alarm(0);
    if (!ok && signed_ && ++st->failures >= MAX_AUTH_TRIES) {
        st->done = true;
        st->reason = "too many authentication failures";
    }
    return ok ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
}

static int on_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
                          char signature_state, void *ud)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    (void)s;
    json_t *ev = json_pack("{s:s, s:s, s:b}", "type", "login.publickey", "key_type",
                           ssh_key_type_to_char(ssh_key_type(key)) ?: "unknown", "signed",
                           signature_state == SSH_PUBLICKEY_STATE_VALID);
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
        char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
        json_object_set_new(ev, "fingerprint", json_string(fp ? fp : ""));
        ssh_string_free_char(fp);
        ssh_clean_pubkey_hash(&hash);
    }
    kssh_set_b64_capped(ev, "username", user ? user : "", user ? strlen(user) : 0);
    send_event(ev);
    return hop && user ? hop_pubkey(ud, user, key, signature_state) : SSH_AUTH_DENIED;
}

static int on_auth_none(ssh_session s, const char *user, void *ud)
{
    (void)s;
    (void)user;
    (void)ud;
    return SSH_AUTH_DENIED;
}

/* Session channels exist only once logged in: each is paired with one on
 * the gateway. */
static ssh_channel on_channel_open(ssh_session s, void *ud)
{
    struct auth_state *st = ud;
    (void)s;
    return st->relay ? kssh_relay_open_session(st->relay) : NULL;
}

/* Messages no callback took: direct-tcpip opens go to the gateway. */
static int on_message(ssh_session s, ssh_message m, void *ud)
{
    struct auth_state *st = ud;
    (void)s;
    if (st->relay && ssh_message_type(m) == SSH_REQUEST_CHANNEL_OPEN &&
        ssh_message_subtype(m) == SSH_CHANNEL_DIRECT_TCPIP &&
        kssh_relay_open_forward(st->relay, m) == 0)
        return 0;
    return 1; /* libssh refuses it */
}

/* Serves the connection until the client leaves or the tries run out. */
static void serve(ssh_session s, struct auth_state *st)
{
    ssh_event ev = ssh_event_new();
    if (!ev || ssh_event_add_session(ev, s) != SSH_OK) {
        st->reason = "internal error (libssh event)";
        goto out;
    }
    ssh_session up = NULL;
    while (!st->done) {
        if (ssh_event_dopoll(ev, 1000) == SSH_ERROR ||
            (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) || !ssh_is_connected(s)) {
            st->reason = "client disconnected";
            break;
        }
        if (st->relay && !up) {
            /* Logged in: the gateway's session joins the loop. */
            up = kssh_relay_upstream(st->relay);
            ssh_event_add_session(ev, up);
        }
        if (up && (ssh_get_status(up) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
            st->reason = "gateway closed the connection";
            break;
        }
    }
    if (up)
        ssh_event_remove_session(ev, up);
out:
    if (ev) {
        ssh_event_remove_session(ev, s);
        ssh_event_free(ev);
    }
}

static int run_ssh(const char *version, ssh_key keys[KSSH_HOSTKEYS], int lib_fd,
                   const char **reason)
{
    ssh_bind b = make_bind(version, keys);
    ssh_session s = ssh_new();
    int rc = 0;

    if (!b || !s || ssh_bind_accept_fd(b, s, lib_fd) != SSH_OK) {
        *reason = "internal error (libssh)";
        rc = -EIO;
        goto out;
    }
    ssh_options_set(s, SSH_OPTIONS_COMPRESSION_C_S, COMP_LIST);
    ssh_options_set(s, SSH_OPTIONS_COMPRESSION_S_C, COMP_LIST);
    struct auth_state st = {.reason = "closed", .down = s};
    struct ssh_server_callbacks_struct cb = {
        .userdata = &st,
        .auth_password_function = on_auth_password,
        .auth_pubkey_function = on_auth_pubkey,
        .auth_none_function = on_auth_none,
        .channel_open_request_session_function = on_channel_open,
    };
    ssh_callbacks_init(&cb);
    ssh_set_server_callbacks(s, &cb);
    ssh_set_message_callback(s, on_message, &st);
    ssh_set_auth_methods(s, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
    if (ssh_handle_key_exchange(s) != SSH_OK) {
        *reason = "key exchange failed";
        goto out;
    }
    serve(s, &st);
    *reason = st.reason;
    kssh_relay_free(st.relay);
out:
    if (s) {
        ssh_disconnect(s);
        ssh_free(s);
    }
    if (b)
        ssh_bind_free(b);
    return rc;
}

/* The host keys to show, the daemon's first message (no key file is read
 * here). */
static int recv_keys(ssh_key keys[KSSH_HOSTKEYS], char *version, size_t vlen)
{
    json_t *m = NULL;
    struct kssh_keyset ks = {0};
    if (kssh_msg_recv(mon_fd, &m) < 0 || !m)
        return -EPROTO;
    const char *v = json_string_value(json_object_get(m, "version"));
    if (v)
        snprintf(version, vlen, "%s", v);
    hop = json_is_true(json_object_get(m, "hop"));
    json_t *arr = json_object_get(m, "hostkeys");
    for (int i = 0; i < KSSH_HOSTKEYS; i++) {
        const char *pem = json_string_value(json_array_get(arr, (size_t)i));
        ks.pem[i] = pem ? xstrdup(pem) : NULL;
    }
    json_decref(m);
    int rc = kssh_keyset_import(&ks, keys) < 0 ? -EPROTO : 0;
    kssh_keyset_free(&ks);
    return rc;
}

int kssh_session_main(const struct kssh_session_args *a)
{
    char line[KSSH_IDENT_MAX + 1], software[KSSH_IDENT_MAX + 1], banner[300];
    size_t len = 0;
    const char *reason = "closed";
    int pair[2];
    pthread_t th;

    mon_fd = a->mon_fd;
    alarm((unsigned)a->login_grace_s);
    /* The daemon's first message, sent as the process starts: the keys, and
     * for a hop the identification of the host it answers as. */
    char version[256];
    snprintf(version, sizeof(version), "%s", a->version);
    ssh_key keys[KSSH_HOSTKEYS] = {0};
    if (recv_keys(keys, version, sizeof(version)) < 0) {
        send_closed("internal error (host keys)");
        _exit(1);
    }
    int bl = snprintf(banner, sizeof(banner), "SSH-2.0-%s\r\n", version);
    if (write_all(a->client_fd, banner, (size_t)bl) < 0) {
        send_closed("client gone before the banner");
        return 0;
    }
    enum kssh_ident v = read_ident(a->client_fd, line, &len);
    if (v != KSSH_IDENT_OK) {
        const char *reply = kssh_ident_reply(v);
        (void)!write_all(a->client_fd, reply, strlen(reply));
        send_closed(v == KSSH_IDENT_BAD_VERSION ? "protocol major versions differ"
                                                : "invalid identification string");
        return 0;
    }
    kssh_ident_software(line, len, software, sizeof(software));
    json_t *ev = json_pack("{s:s}", "type", "session.version");
    kssh_set_b64(ev, "version", software, strlen(software));
    send_event(ev);

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        send_closed("internal error (socketpair)");
        return 1;
    }
    struct shim sh = {.client = a->client_fd, .lib = pair[1], .ident = line, .ident_len = len};
    if (pthread_create(&th, NULL, shim_main, &sh) != 0) {
        send_closed("internal error (thread)");
        return 1;
    }
    if (drop_privileges(a) < 0) {
        send_closed("internal error (privileges)");
        _exit(1);
    }
    if (kssh_sandbox_apply() < 0) {
        send_closed("internal error (seccomp)");
        _exit(1);
    }
    (void)run_ssh(version, keys, pair[0], &reason);
    /* libssh closed its end; let the shim finish the client side. */
    shutdown(a->client_fd, SHUT_RDWR);
    pthread_join(th, NULL);
    send_msg(json_pack("{s:{s:I, s:I}}", "bytes", "in", (json_int_t)(sh.in + (long long)len), "out",
                       (json_int_t)(sh.out + bl)));
    send_closed(reason);
    return 0;
}
