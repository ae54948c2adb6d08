/* fuzz_fetch_tls: a redirected HTTPS client's first bytes, as hostile as it
 * likes, through fetch_tls_parse. Checked: it never reads past the input
 * (ASan), the strings it gives are NUL-terminated printable ASCII, and an
 * answer of 0 names a version of the 3.x family. */
#include "fetch/tls.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

static void printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        CHECK(s[i] >= 0x21 && s[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_tls_hello h;
    int rc = fetch_tls_parse(data, size, &h);
    CHECK(rc == 0 || rc == -EAGAIN || rc == -EPROTO);
    if (rc == 0) {
        CHECK((h.hello_version >> 8) == 3 && (h.record_version >> 8) == 3);
        CHECK(h.best_version >= h.hello_version);
        printable(h.sni, sizeof(h.sni));
        for (size_t i = 0; i < sizeof(h.alpn) && h.alpn[i]; i++)
            CHECK(h.alpn[i] == ',' || (h.alpn[i] >= 0x21 && h.alpn[i] < 0x7f));
    }
    return 0;
}
