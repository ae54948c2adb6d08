/* ssh relay: after login, the session process logs into the gateway's real
 * sshd with the attacker's own credentials and carries every session channel
 * across: pty (terminal type and size), env, shell, exec, subsystems (sftp,
 * which scp uses too), window changes, signals, data both ways, EOF, close,
 * exit status and exit signal. Both SSH sessions share one libssh event loop
 * in this process; a channel on one side is paired with one on the other.
 *
 * What the attacker asks for is recorded (command.exec, session.pty,
 * session.env, session.window, command.exit, command.input) through the
 * monitor; a channel with a pty also streams both directions to the daemon,
 * which writes them as an asciicast v2 tty log. */
#include "ssh/relay.h"

#include "common/xalloc.h"
#include "ssh/monitor.h"
#include "ssh/upload.h"

#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHANNELS 10
/* Terminals open at once: each is a tty log, a descriptor of the daemon's. */
#define MAX_PTYS 4

struct pair;

#define LINE_MAX_BYTES 4096

struct relay {
    ssh_session down; /* the attacker's */
    ssh_session up;   /* ours, to the gateway */
    struct pair *pairs[MAX_CHANNELS];
    size_t npairs;
    int ptys; /* channels with a terminal, open */
    void (*send)(json_t *msg);
};

struct pair {
    struct relay *r;
    int id;
    ssh_channel down, up;
    struct ssh_channel_callbacks_struct down_cb, up_cb;
    bool tty, tty_closed;
    struct timespec t0;
    char line[LINE_MAX_BYTES]; /* what is being typed on the tty */
    size_t line_len;
    bool line_cut;           /* more was typed than line holds */
    int esc;                 /* inside an escape sequence: 1 after ESC, 2 after ESC [ */
    struct kssh_upload *upl; /* an sftp or scp sink channel's files, NULL on others */
    const char *upl_proto;
};

static void record(struct relay *r, const char *type, json_t *fields)
{
    json_object_set_new(fields, "type", json_string(type));
    r->send(json_pack("{s:o}", "event", fields));
}

/* ---- the tty log (asciicast v2, written by the daemon) and typed lines ---- */

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void tty_data(struct pair *p, const char *kind, const void *data, size_t n)
{
    kssh_send_tty(p->r->send, p->id, since(&p->t0), kind, data, n);
}

static void tty_close(struct pair *p)
{
    if (!p->tty || p->tty_closed)
        return;
    p->tty_closed = true;
    p->r->ptys--;
    p->r->send(json_pack("{s:{s:i}}", "tty_close", "ch", p->id));
}

static void line_done(struct pair *p)
{
    if (p->line_len) {
        json_t *ev = json_object();
        kssh_set_b64(ev, "input", p->line, p->line_len);
        if (p->line_cut)
            json_object_set_new(ev, "truncated", json_true());
        record(p->r, "command.input", ev);
    }
    p->line_len = 0;
    p->line_cut = false;
}

/* Follows what is typed well enough to record command lines: Enter ends a
 * line, backspace and ^U edit it, ^C drops it, escape sequences (arrows) are
 * skipped. */
static void typed(struct pair *p, const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = d[i];
        if (p->esc == 1) {
            p->esc = (c == '[' || c == 'O') ? 2 : 0;
        } else if (p->esc == 2) {
            if (c >= 0x40 && c <= 0x7e)
                p->esc = 0;
        } else if (c == 0x1b) {
            p->esc = 1;
        } else if (c == '\r' || c == '\n') {
            line_done(p);
        } else if (c == 0x7f || c == 0x08) {
            if (p->line_len)
                p->line_len--;
        } else if (c == 0x03 || c == 0x15) {
            p->line_len = 0;
            p->line_cut = false;
        } else if ((c >= 0x20 || c == '\t') && p->line_len < sizeof(p->line)) {
            p->line[p->line_len++] = (char)c;
        } else if (c >= 0x20 || c == '\t') {
            p->line_cut = true;
        }
    }
}

/* ---- files sent in (upload.h), written by the daemon ---- */

static void upl_open(void *ud, int f, const char *name, size_t n)
{
    struct pair *p = ud;
    json_t *m = json_pack("{s:i, s:i, s:s}", "ch", p->id, "f", f, "proto", p->upl_proto);
    kssh_set_b64(m, "path", name, n);
    p->r->send(json_pack("{s:o}", "up_open", m));
}

static void upl_data(void *ud, int f, uint64_t off, const void *d, size_t n)
{
    struct pair *p = ud;
    for (size_t o = 0; o < n; o += KSSH_TTY_CHUNK) {
        size_t len = n - o < KSSH_TTY_CHUNK ? n - o : KSSH_TTY_CHUNK;
        /* Past what a json integer holds is past every cap of the daemon's. */
        uint64_t at = off + o < off || off + o > INT64_MAX ? INT64_MAX : off + o;
        json_t *m = json_pack("{s:i, s:i, s:I}", "ch", p->id, "f", f, "off", (json_int_t)at);
        kssh_set_b64(m, "data", (const char *)d + o, len);
        p->r->send(json_pack("{s:o}", "up_data", m));
    }
}

static void upl_close(void *ud, int f)
{
    struct pair *p = ud;
    p->r->send(json_pack("{s:{s:i, s:i}}", "up_close", "ch", p->id, "f", f));
}

static const struct kssh_upload_ops upl_ops = {upl_open, upl_data, upl_close};

static void upl_end(struct pair *p)
{
    kssh_upload_free(p->upl);
    p->upl = NULL;
}

/* ---- attacker → gateway ---- */

static int down_data(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr,
                     void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    (void)is_stderr;
    if (p->tty) {
        tty_data(p, "i", data, len);
        typed(p, data, len);
    }
    kssh_upload_client(p->upl, data, len);
    return ssh_channel_write(p->up, data, len) == SSH_ERROR ? 0 : (int)len;
}

static void down_eof(ssh_session s, ssh_channel c, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    ssh_channel_send_eof(p->up);
}

static void down_close(ssh_session s, ssh_channel c, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    tty_close(p);
    upl_end(p);
    ssh_channel_close(p->up);
}

static void down_signal(ssh_session s, ssh_channel c, const char *sig, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    ssh_channel_request_send_signal(p->up, sig);
}

static int down_pty(ssh_session s, ssh_channel c, const char *term, int w, int h, int pw, int ph,
                    void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    (void)pw;
    (void)ph;
    if (!p->tty && p->r->ptys >= MAX_PTYS)
        return -1; /* refused, as sshd refuses what it cannot allocate */
    json_t *ev = json_pack("{s:i, s:i}", "width", w, "height", h);
    kssh_set_b64_capped(ev, "term", term, strlen(term));
    record(p->r, "session.pty", ev);
    if (!p->tty) {
        json_t *m = json_pack("{s:i, s:i, s:i}", "ch", p->id, "width", w, "height", h);
        kssh_set_b64_capped(m, "term", term, strlen(term));
        p->r->send(json_pack("{s:o}", "tty_open", m));
        p->tty = true;
        p->r->ptys++;
    }
    return ssh_channel_request_pty_size(p->up, term, w, h) == SSH_OK ? 0 : -1;
}

static int down_window(ssh_session s, ssh_channel c, int w, int h, int pw, int ph, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    (void)pw;
    (void)ph;
    record(p->r, "session.window", json_pack("{s:i, s:i}", "width", w, "height", h));
    return ssh_channel_change_pty_size(p->up, w, h) == SSH_OK ? 0 : -1;
}

static int down_shell(ssh_session s, ssh_channel c, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    return ssh_channel_request_shell(p->up) == SSH_OK ? 0 : -1;
}

static int down_exec(ssh_session s, ssh_channel c, const char *command, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    json_t *ev = json_object();
    kssh_set_b64_capped(ev, "command", command, strlen(command));
    record(p->r, "command.exec", ev);
    char *target = p->upl ? NULL : kssh_upload_scp_target(command);
    if (target) {
        p->upl_proto = "scp";
        p->upl = kssh_upload_new(KSSH_UPLOAD_SCP, target, &upl_ops, p);
        free(target);
    }
    return ssh_channel_request_exec(p->up, command) == SSH_OK ? 0 : -1;
}

static int down_env(ssh_session s, ssh_channel c, const char *name, const char *value, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    json_t *ev = json_object();
    kssh_set_b64_capped(ev, "name", name, strlen(name));
    kssh_set_b64_capped(ev, "value", value, strlen(value));
    record(p->r, "session.env", ev);
    return ssh_channel_request_env(p->up, name, value) == SSH_OK ? 0 : -1;
}

static int down_subsystem(ssh_session s, ssh_channel c, const char *name, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    json_t *ev = json_object();
    kssh_set_b64_capped(ev, "command", name, strlen(name));
    json_object_set_new(ev, "subsystem", json_true());
    record(p->r, "command.exec", ev);
    if (!p->upl && strcmp(name, "sftp") == 0) {
        p->upl_proto = "sftp";
        p->upl = kssh_upload_new(KSSH_UPLOAD_SFTP, NULL, &upl_ops, p);
    }
    return ssh_channel_request_subsystem(p->up, name) == SSH_OK ? 0 : -1;
}

/* ---- gateway → attacker ---- */

static int up_data(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    if (p->tty)
        tty_data(p, "o", data, len);
    if (!is_stderr)
        kssh_upload_server(p->upl, data, len);
    int rc = is_stderr ? ssh_channel_write_stderr(p->down, data, len)
                       : ssh_channel_write(p->down, data, len);
    return rc == SSH_ERROR ? 0 : (int)len;
}

static void up_eof(ssh_session s, ssh_channel c, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    ssh_channel_send_eof(p->down);
}

static void up_close(ssh_session s, ssh_channel c, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    tty_close(p);
    upl_end(p);
    ssh_channel_close(p->down);
}

static void up_exit_status(ssh_session s, ssh_channel c, int status, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    record(p->r, "command.exit", json_pack("{s:i}", "exit_status", status));
    ssh_channel_request_send_exit_status(p->down, status);
}

static void up_exit_signal(ssh_session s, ssh_channel c, const char *sig, int core,
                           const char *errmsg, const char *lang, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    record(p->r, "command.exit", json_pack("{s:s}", "signal", sig ? sig : ""));
    ssh_channel_request_send_exit_signal(p->down, sig, core, errmsg ? errmsg : "",
                                         lang ? lang : "");
}

/* ---- channels ---- */

static void set_callbacks(struct pair *p)
{
    p->down_cb = (struct ssh_channel_callbacks_struct){
        .userdata = p,
        .channel_data_function = down_data,
        .channel_eof_function = down_eof,
        .channel_close_function = down_close,
        .channel_signal_function = down_signal,
        .channel_pty_request_function = down_pty,
        .channel_pty_window_change_function = down_window,
        .channel_shell_request_function = down_shell,
        .channel_exec_request_function = down_exec,
        .channel_env_request_function = down_env,
        .channel_subsystem_request_function = down_subsystem,
    };
    p->up_cb = (struct ssh_channel_callbacks_struct){
        .userdata = p,
        .channel_data_function = up_data,
        .channel_eof_function = up_eof,
        .channel_close_function = up_close,
        .channel_exit_status_function = up_exit_status,
        .channel_exit_signal_function = up_exit_signal,
    };
    ssh_callbacks_init(&p->down_cb);
    ssh_callbacks_init(&p->up_cb);
    ssh_set_channel_callbacks(p->down, &p->down_cb);
    ssh_set_channel_callbacks(p->up, &p->up_cb);
}

ssh_channel kssh_relay_open_session(struct kssh_relay *relay)
{
    struct relay *r = (struct relay *)relay;
    if (!r || r->npairs >= MAX_CHANNELS)
        return NULL;
    struct pair *p = xcalloc(1, sizeof(*p));
    p->r = r;
    p->id = (int)r->npairs;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    p->up = ssh_channel_new(r->up);
    if (!p->up || ssh_channel_open_session(p->up) != SSH_OK) {
        ssh_channel_free(p->up);
        free(p);
        return NULL;
    }
    p->down = ssh_channel_new(r->down);
    if (!p->down) {
        ssh_channel_close(p->up);
        ssh_channel_free(p->up);
        free(p);
        return NULL;
    }
    set_callbacks(p);
    r->pairs[r->npairs++] = p;
    return p->down;
}

int kssh_relay_open_forward(struct kssh_relay *relay, ssh_message msg)
{
    struct relay *r = (struct relay *)relay;
    const char *dst = ssh_message_channel_request_open_destination(msg);
    const char *orig = ssh_message_channel_request_open_originator(msg);
    int dport = ssh_message_channel_request_open_destination_port(msg);
    int oport = ssh_message_channel_request_open_originator_port(msg);
    if (!r || r->npairs >= MAX_CHANNELS || !dst)
        return -1;
    struct pair *p = xcalloc(1, sizeof(*p));
    p->r = r;
    p->id = (int)r->npairs;
    /* The gateway's sshd makes the connection: it leaves from the gateway. */
    p->up = ssh_channel_new(r->up);
    bool ok = p->up && ssh_channel_open_forward(p->up, dst, dport, orig ? orig : "127.0.0.1",
                                                oport) == SSH_OK;
    json_t *ev =
        json_pack("{s:i, s:i, s:b}", "dst_port", dport, "src_port_forwarded", oport, "opened", ok);
    kssh_set_b64_capped(ev, "dst_ip", dst, strlen(dst));
    record(r, "tcpip.forward", ev);
    if (!ok || !(p->down = ssh_message_channel_request_open_reply_accept(msg))) {
        if (p->up)
            ssh_channel_free(p->up);
        free(p);
        return -1;
    }
    set_callbacks(p);
    r->pairs[r->npairs++] = p;
    /* What came while the open was awaited (ssh -W's target speaks first:
     * an sshd's banner) was buffered by libssh, not given to a callback. */
    char buf[4096];
    int n;
    while ((n = ssh_channel_read_nonblocking(p->up, buf, sizeof(buf), 0)) > 0)
        up_data(r->up, p->up, buf, (uint32_t)n, 0, p);
    return 0;
}

/* A session to the host's sshd on fd (taken), logged in by auth. */
static int relay_open(ssh_session down, int fd, const char *ip, const char *user,
                      int (*auth)(ssh_session up, const void *arg), const void *arg,
                      void (*send)(json_t *msg), struct kssh_relay **out)
{
    ssh_session up = ssh_new();
    bool no = false;
    int port = 22;
    if (!up) {
        close(fd);
        return -1;
    }
    ssh_options_set(up, SSH_OPTIONS_PROCESS_CONFIG, &no);
    /* Connected by the daemon: libssh owns and closes it from here. */
    ssh_options_set(up, SSH_OPTIONS_FD, &fd);
    ssh_options_set(up, SSH_OPTIONS_HOST, ip);
    ssh_options_set(up, SSH_OPTIONS_PORT, &port);
    ssh_options_set(up, SSH_OPTIONS_USER, user);
    /* The gateway is ours, on a network of ours, with the keys we gave it. */
    ssh_options_set(up, SSH_OPTIONS_STRICTHOSTKEYCHECK, &no);
    if (ssh_connect(up) != SSH_OK || auth(up, arg) != SSH_AUTH_SUCCESS) {
        ssh_disconnect(up);
        ssh_free(up);
        return -1;
    }
    struct relay *r = xcalloc(1, sizeof(*r));
    r->down = down;
    r->up = up;
    r->send = send;
    *out = (struct kssh_relay *)r;
    return 0;
}

static int auth_password(ssh_session up, const void *arg)
{
    return ssh_userauth_password(up, NULL, arg);
}

static int auth_key(ssh_session up, const void *arg)
{
    ssh_key k = NULL;
    if (ssh_pki_import_privkey_base64(arg, NULL, NULL, NULL, &k) != SSH_OK)
        return SSH_AUTH_ERROR;
    int rc = ssh_userauth_publickey(up, NULL, k);
    ssh_key_free(k);
    return rc;
}

int kssh_relay_connect(ssh_session down, int fd, const char *ip, const char *user,
                       const char *password, void (*send)(json_t *msg), struct kssh_relay **out)
{
    return relay_open(down, fd, ip, user, auth_password, password, send, out);
}

int kssh_relay_connect_key(ssh_session down, int fd, const char *ip, const char *user,
                           const char *key_pem, void (*send)(json_t *msg), struct kssh_relay **out)
{
    return relay_open(down, fd, ip, user, auth_key, key_pem, send, out);
}

ssh_session kssh_relay_upstream(struct kssh_relay *relay)
{
    return ((struct relay *)relay)->up;
}

void kssh_relay_free(struct kssh_relay *relay)
{
    struct relay *r = (struct relay *)relay;
    if (!r)
        return;
    for (size_t i = 0; i < r->npairs; i++) {
        tty_close(r->pairs[i]);
        upl_end(r->pairs[i]);
        free(r->pairs[i]);
    }
    ssh_disconnect(r->up);
    ssh_free(r->up);
    free(r);
}
