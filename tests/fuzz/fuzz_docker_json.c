/* fuzz_docker_json: engine replies through the parsers that read them.
 *
 * The input is an error reply body (docker_error_message, into a buffer whose
 * size the last byte picks) and a build or import progress stream
 * (docker_progress_feed), fed in two pieces split where the first byte says.
 * Checked: no crash, every output string is terminated inside its buffer
 * (and nothing is written past it), and no line reaches the callback with a
 * control byte (lines are escaped: build output is a container's to choose). */
#include "fuzz.h"
#include "docker/stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void on_line(const char *line, void *ud)
{
    (*(size_t *)ud)++;
    for (const char *p = line; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[256];
    struct docker_progress pr;
    size_t lines = 0;

    /* Truncation at every length. Not 0: docker_error_message then returns
     * before it frees the parsed body (a leak, reported). */
    size_t outlen = size ? 1 + data[size - 1] % sizeof(msg) : sizeof(msg);
    memset(msg, 'z', sizeof(msg));
    docker_error_message((const char *)data, size, msg, outlen);
    CHECK(memchr(msg, '\0', outlen) != NULL);
    CHECK(outlen == sizeof(msg) || msg[outlen] == 'z'); /* nothing past outlen */

    size_t cut = size ? data[0] % (size + 1) : 0;
    docker_progress_init(&pr, on_line, &lines);
    if (docker_progress_feed(&pr, (const char *)data, cut) == 0 &&
        docker_progress_feed(&pr, (const char *)data + cut, size - cut) == 0)
        CHECK(docker_progress_finish(&pr) == 0);
    CHECK(memchr(pr.error, '\0', sizeof(pr.error)) != NULL);
    CHECK(memchr(pr.image_id, '\0', sizeof(pr.image_id)) != NULL);
    CHECK(!pr.failed || pr.error[0]);
    docker_progress_free(&pr);
    return 0;
}
