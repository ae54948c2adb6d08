/* fuzz_docker_stream: a multiplexed exec stream through the demultiplexer.
 *
 * The first byte picks a chunk size (1..256); the rest is the stream, fed in
 * chunks of that size. Checked against a one-shot feed of the same bytes:
 * the same result and the same payload, byte for byte, per stream, and never
 * more payload than input. */
#include "fuzz.h"
#include "docker/stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sink {
    uint8_t *bytes; /* stream type, then the payload byte, per byte */
    size_t n, cap;
};

static int on_frame(int stream, const void *p, size_t n, void *ud)
{
    struct sink *s = ud;
    CHECK(stream >= 0 && stream <= DOCKER_STREAM_SYSERR);
    CHECK(s->n + 2 * n <= s->cap);
    for (size_t i = 0; i < n; i++) {
        s->bytes[s->n++] = (uint8_t)stream;
        s->bytes[s->n++] = ((const uint8_t *)p)[i];
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    data++;
    size--;
    struct sink whole = {malloc(2 * size + 1), 0, 2 * size},
                parts = {malloc(2 * size + 1), 0, 2 * size};
    struct docker_demux a, b;

    docker_demux_init(&a);
    int ra = docker_demux_feed(&a, data, size, on_frame, &whole);
    docker_demux_init(&b);
    int rb = 0;
    for (size_t off = 0; off < size && rb == 0; off += chunk)
        rb = docker_demux_feed(&b, data + off, size - off < chunk ? size - off : chunk, on_frame,
                               &parts);
    CHECK(ra == rb);
    CHECK(whole.n == parts.n && memcmp(whole.bytes, parts.bytes, whole.n) == 0);
    CHECK(whole.n / 2 <= size);
    free(whole.bytes);
    free(parts.bytes);
    return 0;
}
