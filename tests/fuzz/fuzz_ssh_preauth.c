/* fuzz_ssh_preauth: the first bytes an SSH client sends, through the parsers
 * the front end runs before libssh: the identification line, then (when it is
 * accepted) the KEXINIT after it; also the whole input as a KEXINIT.
 * Checked: verdicts are consistent (an accepted line ends in LF within the
 * input and the limit), parsed lists are terminated and the HASSH is 32 hex
 * digits. */
#include "fuzz.h"
#include "ssh/preauth.h"

#include <errno.h>
#include <string.h>

static void check_kexinit(const uint8_t *p, size_t n)
{
    struct kssh_kexinit k;
    int rc = kssh_kexinit_parse(p, n, &k);
    CHECK(rc == 0 || rc == -EPROTO || rc > 0);
    if (rc <= 0)
        return;
    CHECK((size_t)rc <= n);
    CHECK(strlen(k.hassh) == 32 && strspn(k.hassh, "0123456789abcdef") == 32);
    CHECK(memchr(k.kex, '\0', sizeof(k.kex)) && memchr(k.comp_s2c, '\0', sizeof(k.comp_s2c)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    enum kssh_ident v = kssh_ident_check((const char *)data, size, &len);
    if (v == KSSH_IDENT_OK) {
        CHECK(len >= 9 && len <= size && len <= KSSH_IDENT_MAX && data[len - 1] == '\n');
        char sw[KSSH_IDENT_MAX + 1];
        kssh_ident_software((const char *)data, len, sw, sizeof(sw));
        CHECK(strlen(sw) < sizeof(sw));
        check_kexinit(data + len, size - len);
    } else {
        CHECK(strlen(kssh_ident_reply(v)) > 2);
    }
    check_kexinit(data, size);
    return 0;
}
