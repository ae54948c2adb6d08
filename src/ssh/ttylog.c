/* ttylog: see ttylog.h. */
#include "ssh/ttylog.h"

#include <stddef.h>

const char *kssh_tty_over(const struct kssh_tty_usage *u, long long n)
{
    if (u->channel + n > KSSH_TTY_CHANNEL_MAX_BYTES)
        return "channel";
    if (u->session + n > KSSH_TTY_SESSION_MAX_BYTES)
        return "session";
    if (u->source + n > KSSH_TTY_SOURCE_MAX_BYTES)
        return "source";
    if (u->fs_size > 0) {
        long long keep = u->fs_size / 100 * KSSH_TTY_MIN_FREE_PERCENT;
        if (keep < KSSH_TTY_MIN_FREE_BYTES)
            keep = KSSH_TTY_MIN_FREE_BYTES;
        if (u->fs_free - n < keep)
            return "disk";
    }
    return NULL;
}
