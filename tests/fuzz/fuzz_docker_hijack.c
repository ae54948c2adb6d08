/* fuzz_docker_hijack: the reply header to an exec start, as read off the
 * engine's socket (up to the blank line, NUL after it). Checked: a status
 * taken is in 100..599 and the header starts "HTTP/1.". */
#include "docker/docker.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8191)
        return 0;
    char hdr[8192];
    memcpy(hdr, data, size);
    hdr[size] = '\0';
    long status = 0;
    if (docker_hijack_status(hdr, size, &status) == 0) {
        CHECK(status >= 100 && status <= 599);
        CHECK(strncmp(hdr, "HTTP/1.", 7) == 0);
    }
    return 0;
}
