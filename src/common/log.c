/* log: see log.h. One write(2) per line so lines from threads do not mix. */
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Atomic int current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* Every byte of a line that could act on a terminal (C0 and C1 controls, DEL,
 * anything not ASCII: a UTF-8 terminal reads U+009B as CSI) goes out as \xNN,
 * whatever the caller passed in: an attacker's bytes in an error text (a
 * user name in useradd's complaint) never reach the operator's terminal. A
 * backslash is kept, so text already log_escape'd reads the same. */
static const char hex_digits[] = "0123456789abcdef";

/* Writes c as \xNN at out (4 bytes). */
static size_t put_hex(char *out, unsigned char c)
{
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex_digits[c >> 4];
    out[3] = hex_digits[c & 15];
    return 4;
}

static size_t escape_controls(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = c >= 0x20 && c < 0x7f;
        if (o + (plain ? 1 : 4) > outlen)
            break;
        if (plain) {
            out[o++] = (char)c;
        } else {
            o += put_hex(out + o, c);
        }
    }
    return o;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&current_level))
        return;

    char msg[1024], line[4096];
    char ts[UTIL_RFC3339_LEN];
    util_rfc3339_now(ts);
    int n =
        snprintf(line, sizeof(line), "%s karakuri[%d] %s: ", ts, (int)getpid(), level_names[level]);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    size_t mlen = (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
    size_t len = (size_t)n + escape_controls(msg, mlen, line + n, sizeof(line) - 1 - (size_t)n);
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* nowhere to report a failing stderr */
}

char *log_escape(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    if (outlen == 0)
        return out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;
        if (o + need + 4 > outlen) { /* keep room for "..." and NUL */
            if (o + 4 <= outlen) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (need == 1) {
            out[o++] = (char)c;
        } else {
            o += put_hex(out + o, c);
        }
    }
    out[o] = '\0';
    return out;
}

int log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    long long now = util_now_us();
    int ok;

    pthread_mutex_lock(&lock);
    if (now - rl->window_start_us >= 1000000) {
        rl->window_start_us = now;
        rl->count = 0;
        rl->suppressed = 0;
    }
    ok = rl->count < burst;
    if (ok)
        rl->count++;
    else
        rl->suppressed++;
    pthread_mutex_unlock(&lock);
    return ok;
}
