/* fuzz_cli_replay: a tty log, as an attacker's output makes it, through what
 * `karakuri replay` does with it: each line read as an asciicast event, the
 * output through the terminal filter in chunks of the event's size.
 * Checked: nothing that acts on the operator's terminal comes out (no OSC,
 * DCS, SOS, PM or APC introducer, 7-bit or C1, no ENQ, no DECID); whatever
 * comes out passes the filter again unchanged. */
#include "cli/replay.h"
#include "fuzz.h"

#include <string.h>

static void check_clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        CHECK(c != 0x05);
        CHECK(!(c == 0x1b && d && strchr("]PX^_Z", d)));
        CHECK(!(c == 0xc2 && d >= 0x80 && d <= 0x9f));
    }
}

static void feed(struct cli_term_filter *f, const char *p, size_t n, struct buf *out)
{
    CHECK(cli_term_filter(f, p, n, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_term_filter f;
    struct buf out;
    cli_term_filter_init(&f);
    buf_init(&out, 1 << 24);
    const char *p = (const char *)data, *end = p + size;
    /* The input as lines of a tty log; a line that is not an output event is
     * fed raw, so the filter sees any bytes too. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        double t = 0;
        char *d = NULL;
        size_t len = 0;
        if (cli_replay_parse(p, n, &t, &d, &len) == 1) {
            CHECK(d && d[len] == '\0');
            feed(&f, d, len, &out);
            free(d);
        } else {
            feed(&f, p, n, &out);
        }
        p += n + (nl ? 1 : 0);
    }
    check_clean(out.data ? out.data : "", out.len);
    /* What passed once passes again as it is. */
    struct cli_term_filter g;
    struct buf again;
    cli_term_filter_init(&g);
    buf_init(&again, 1 << 24);
    if (out.len) {
        feed(&g, out.data, out.len, &again);
        CHECK(again.len <= out.len);
        check_clean(again.data, again.len);
    }
    buf_free(&again);
    buf_free(&out);
    return 0;
}
