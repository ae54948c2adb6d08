/* fuzz_lan_proc_tcp: /proc/net/tcp of a decoy's network namespace (the
 * kernel's text, but of a namespace root in a container shapes), each line
 * as fgets gives it (at most 255 bytes), through the listener parser. */
#include "fuzz.h"
#include "lan/decoy.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        char line[256];
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        size_t take = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
        memcpy(line, p, take);
        line[take] = '\0';
        unsigned port = 0;
        unsigned long inode = 0;
        if (lan_tcp_listener_parse(line, &port, &inode))
            CHECK(strchr(line, ':'));
        p += take;
    }
    return 0;
}
