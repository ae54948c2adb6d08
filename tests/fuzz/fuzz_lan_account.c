/* fuzz_lan_account: a container's /etc/passwd or /etc/shadow (attacker
 * written once the intruder is root in it) through the field parser, for a
 * few names and fields; what it gives must be inside the input and fit,
 * and a hash field judged against a password. */
#include "fuzz.h"
#include "lan/account.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const users[] = {"root", "mallory", "a", "x:y"};
    const char *buf = (const char *)data;
    for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++)
        for (unsigned f = 0; f < 4; f++) {
            char out[64];
            if (lan_account_field(buf, size, users[u], f, out, sizeof(out)) == 0) {
                size_t n = strlen(out);
                CHECK(n < sizeof(out) && n <= size);
                CHECK(!memchr(out, '\n', n) && !memchr(out, ':', n));
            }
        }
    /* A hash as /etc/shadow holds it, judged: crypt(3) runs only for the
     * fixed-cost settings, and nothing else matches. */
    char hash[LAN_ACCOUNT_HASH_MAX];
    if (lan_account_field(buf, size, "mallory", 1, hash, sizeof(hash)) == 0) {
        enum lan_account_verdict v = lan_account_judge(0, hash, "pw");
        CHECK(v != LAN_ACCOUNT_UNREADABLE);
        CHECK(v != LAN_ACCOUNT_MATCH || hash[0] == '$');
        CHECK(v != LAN_ACCOUNT_SET || strcmp(hash, "*") == 0);
    }
    return 0;
}
