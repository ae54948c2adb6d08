/* ssh relay: after login, the session process logs into the gateway's real
 * sshd with the attacker's own credentials and carries every session channel
 * across: pty (terminal type and size), env, shell, exec, subsystems (sftp,
 * which scp uses too), window changes, signals, data both ways, EOF, close,
 * exit status and exit signal. Both SSH sessions share one libssh event loop
 * in this process; a channel on one side is paired with one on the other.
 *
 * What the attacker asks for is recorded (command.exec, session.pty,
 * session.env, session.window, command.exit) through the monitor. */
#include "ssh/relay.h"

#include "common/xalloc.h"
#include "ssh/monitor.h"

#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 10

struct pair;

struct relay {
    ssh_session down; /* the attacker's */
    ssh_session up;   /* ours, to the gateway */
    struct pair *pairs[MAX_CHANNELS];
    size_t npairs;
    void (*send_event)(json_t *ev);
};

struct pair {
    struct relay *r;
    ssh_channel down, up;
    struct ssh_channel_callbacks_struct down_cb, up_cb;
};

static void record(struct relay *r, const char *type, json_t *fields)
{
    json_object_set_new(fields, "type", json_string(type));
    r->send_event(fields);
}

/* ---- attacker → gateway ---- */

static int down_data(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr,
                     void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    (void)is_stderr;
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
    json_t *ev = json_pack("{s:i, s:i}", "width", w, "height", h);
    kssh_set_b64(ev, "term", term, strlen(term));
    record(p->r, "session.pty", ev);
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
    kssh_set_b64(ev, "command", command, strlen(command));
    record(p->r, "command.exec", ev);
    return ssh_channel_request_exec(p->up, command) == SSH_OK ? 0 : -1;
}

static int down_env(ssh_session s, ssh_channel c, const char *name, const char *value, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    json_t *ev = json_object();
    kssh_set_b64(ev, "name", name, strlen(name));
    kssh_set_b64(ev, "value", value, strlen(value));
    record(p->r, "session.env", ev);
    return ssh_channel_request_env(p->up, name, value) == SSH_OK ? 0 : -1;
}

static int down_subsystem(ssh_session s, ssh_channel c, const char *name, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
    json_t *ev = json_object();
    kssh_set_b64(ev, "command", name, strlen(name));
    json_object_set_new(ev, "subsystem", json_true());
    record(p->r, "command.exec", ev);
    return ssh_channel_request_subsystem(p->up, name) == SSH_OK ? 0 : -1;
}

/* ---- gateway → attacker ---- */

static int up_data(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr, void *ud)
{
    struct pair *p = ud;
    (void)s;
    (void)c;
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

int kssh_relay_connect(ssh_session down, const char *ip, const char *user, const char *password,
                       void (*send_event)(json_t *ev), struct kssh_relay **out)
{
    ssh_session up = ssh_new();
    bool no = false;
    int port = 22;
    if (!up)
        return -1;
    ssh_options_set(up, SSH_OPTIONS_PROCESS_CONFIG, &no);
    ssh_options_set(up, SSH_OPTIONS_HOST, ip);
    ssh_options_set(up, SSH_OPTIONS_PORT, &port);
    ssh_options_set(up, SSH_OPTIONS_USER, user);
    /* The gateway is ours, on a network of ours, with the keys we gave it. */
    ssh_options_set(up, SSH_OPTIONS_STRICTHOSTKEYCHECK, &no);
    if (ssh_connect(up) != SSH_OK ||
        ssh_userauth_password(up, NULL, password) != SSH_AUTH_SUCCESS) {
        ssh_disconnect(up);
        ssh_free(up);
        return -1;
    }
    struct relay *r = xcalloc(1, sizeof(*r));
    r->down = down;
    r->up = up;
    r->send_event = send_event;
    *out = (struct kssh_relay *)r;
    return 0;
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
    for (size_t i = 0; i < r->npairs; i++)
        free(r->pairs[i]);
    ssh_disconnect(r->up);
    ssh_free(r->up);
    free(r);
}
