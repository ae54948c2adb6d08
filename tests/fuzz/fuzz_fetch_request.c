/* fuzz_fetch_request: what a download tool in a honeynet container sends
 * the fetcher (the attacker's bytes): an HTTP request head, an FTP command
 * line, a TFTP request, and a body's first bytes for the file-type verdict,
 * all from one input. */
#include "fetch/filetype.h"
#include "fetch/request.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_http r;
    if (fetch_http_parse((const char *)data, size, &r) == 0) {
        char url[4096];
        CHECK(r.head_len <= size && r.head_len <= FETCH_HTTP_HEAD_MAX);
        CHECK(strlen(r.target) < sizeof(r.target) && strlen(r.host) < sizeof(r.host));
        fetch_http_url(&r, "203.0.113.1:80", url, sizeof(url));
        CHECK(strlen(url) < sizeof(url));
        CHECK(fetch_tool_of(r.user_agent)[0]);
    }
    struct fetch_ftp_cmd c;
    if (fetch_ftp_parse((const char *)data, size, &c) == 0)
        CHECK(c.line_len <= size && strlen(c.verb) >= 3);
    struct fetch_tftp t;
    if (fetch_tftp_parse(data, size, &t) == 0)
        CHECK((t.opcode == 1 || t.opcode == 2) && t.file[0] && t.mode[0]);
    char ft[64];
    fetch_filetype(data, size, ft, sizeof(ft));
    CHECK(strlen(ft) < sizeof(ft));
    return 0;
}
