/* fuzz_monitor_tar: a container's archive (the intruder chooses its content)
 * through the reader that finds the file in it. Checked: what it returns lies
 * inside the input. */
#include "fuzz.h"
#include "monitor/files.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *file = NULL;
    size_t n = 0;
    int rc = monitor_tar_first_file(data, size, &file, &n);
    CHECK(rc == 0 || rc == -ENOENT || rc == -EPROTO);
    if (rc == 0)
        CHECK(file >= data && file + n <= data + size);
    return 0;
}
