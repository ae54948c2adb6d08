/* fuzz_fetch_ftp: a whole FTP control connection as a download tool in a
 * honeynet container would send it (the attacker's bytes), line by line
 * through the fetcher's dialogue, as server.c feeds it: every reply is one
 * CRLF-terminated line (or FEAT's block), fits, and the session ends by the
 * command cap at the latest. */
#include "fetch/ftp.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_ftp_session s = {.dst_ip = 0xcb00710au};
    const char *p = (const char *)data;
    size_t left = size;
    unsigned steps = 0;
    while (left) {
        struct fetch_ftp_cmd c;
        char reply[256];
        int rc = fetch_ftp_parse(p, left, &c);
        if (rc == -EAGAIN || rc == -E2BIG)
            break;
        size_t used;
        if (rc < 0) {
            const char *nl = memchr(p, '\n', left);
            CHECK(rc == -EPROTO && nl);
            used = (size_t)(nl - p) + 1;
        } else {
            CHECK(c.line_len <= left && strlen(c.verb) >= 3 && strlen(c.verb) <= 4);
            enum fetch_ftp_action a = fetch_ftp_step(&s, &c, reply, sizeof(reply));
            size_t n = strlen(reply);
            CHECK(n >= 6 && n < sizeof(reply) && memcmp(reply + n - 2, "\r\n", 2) == 0);
            CHECK(strlen(s.user) < sizeof(s.user) && strlen(s.pass) < sizeof(s.pass));
            CHECK(++steps <= FETCH_FTP_MAX_CMDS + 1);
            if (a == FETCH_FTP_CLOSE)
                break;
            used = c.line_len;
        }
        p += used;
        left -= used;
    }
    return 0;
}
