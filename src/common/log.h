/* log: the daemon's own log, to stderr.
 *
 * This log is for operators, not for attack data: attack data goes to events.
 * Anything an attacker can put in a message is escaped (log_escape) and
 * messages an attacker can trigger go through LOG_RATELIMITED. */
#ifndef KARAKURI_COMMON_LOG_H
#define KARAKURI_COMMON_LOG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
/* Parses "error", "warn", "info", "debug"; returns 0 or -EINVAL. */
int log_level_parse(const char *s, enum log_level *out) __attribute__((warn_unused_result));
/* One line to stderr; every byte of the formatted message that is not
 * printable ASCII is written as \xNN (see log.c), so no terminal control
 * sequence passes, whatever the arguments hold. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies s into out (size outlen, always terminated), escaping every byte that
 * is not printable ASCII as \xNN, and truncating with "..." if needed.
 * Returns out. */
char *log_escape(const char *s, size_t n, char *out, size_t outlen);

struct log_ratelimit {
    long long window_start_us;
    unsigned count;
    unsigned suppressed;
};
/* True when a message may be logged: at most burst messages per second. */
int log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst);

#define LOG_ERROR(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#define LOG_RATELIMITED(level, ...)                                                                \
    do {                                                                                           \
        static struct log_ratelimit rl_;                                                           \
        if (log_ratelimit_ok(&rl_, 10))                                                            \
            log_msg(level, __VA_ARGS__);                                                           \
    } while (0)

#endif
