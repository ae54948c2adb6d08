/* fuzz_fetch_tftp: a TFTP request (the attacker's datagram) and what the
 * fetcher makes of it and of conntrack's table, whose lines carry addresses
 * and ports a container chose: the request parsed, the error built, the
 * same bytes read as conntrack text. */
#include "fetch/request.h"
#include "fetch/tftp.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_tftp t;
    uint8_t err[600];
    if (fetch_tftp_parse(data, size, &t) == 0) {
        CHECK((t.opcode == 1 || t.opcode == 2) && t.file[0] && t.mode[0]);
        CHECK(strlen(t.file) < sizeof(t.file) && strlen(t.mode) < sizeof(t.mode));
        size_t n = fetch_tftp_error(err, sizeof(err), 1, t.file);
        CHECK(n == 4 + strlen(t.file) + 1 && err[1] == 5 && err[n - 1] == 0);
    }
    uint32_t dst = 0;
    uint16_t dport = 0;
    /* The source and port the corpus lines use: found or not, only memory
     * safety is at stake (the values are the kernel's, not checked). */
    int rc =
        fetch_conntrack_origdst((const char *)data, size, 0x0a0d0702u, 41000, 10869, &dst, &dport);
    CHECK(rc == 0 || rc == -ENOENT);
    return 0;
}
