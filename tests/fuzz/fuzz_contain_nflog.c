/* fuzz_contain_nflog: any record the firewall's log can hand over (the
 * packet in it is the intruder's to shape) through the parser. Checked: a
 * parsed record's strings are terminated and its fields consistent. */
#include "contain/watch.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct contain_logged l;
    int rc = contain_nflog_parse(data, size, &l);
    CHECK(rc == 0 || rc == -EINVAL);
    if (rc < 0)
        return 0;
    CHECK(memchr(l.prefix, '\0', sizeof(l.prefix)) != NULL);
    CHECK(l.family == 0 || l.family == AF_INET || l.family == AF_INET6);
    if (l.family) {
        CHECK(memchr(l.src, '\0', sizeof(l.src)) && memchr(l.dst, '\0', sizeof(l.dst)));
    }
    CHECK(!l.has_port || l.icmp_type == -1);
    CHECK(l.icmp_type >= -1 && l.icmp_type <= 255);
    return 0;
}
