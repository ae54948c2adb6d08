/* fuzz_lan_account: a container's /etc/passwd or /etc/shadow (attacker
 * written once the intruder is root in it) through the field parser, for a
 * few names and fields; what it gives must be inside the input and fit. */
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
    return 0;
}
