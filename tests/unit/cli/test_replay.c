/* Unit tests for src/cli/replay.c: the terminal filter lets through what a
 * session showed and drops what would act on the operator's terminal, with
 * sequences split anywhere across chunks; and the asciicast line reader. */
#include "cli/replay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

/* in through a fresh filter, in chunks of `chunk` bytes (0: all at once). */
static char *filter(const char *in, size_t n, size_t chunk)
{
    struct cli_term_filter f;
    struct buf out;
    cli_term_filter_init(&f);
    buf_init(&out, 1 << 20);
    assert_int_equal(buf_append(&out, "", 0), 0);
    for (size_t off = 0; off < n;) {
        size_t len = chunk && n - off > chunk ? chunk : n - off;
        assert_int_equal(cli_term_filter(&f, in + off, len, &out), 0);
        off += len;
    }
    return buf_steal(&out);
}

static void check(const char *in, const char *want)
{
    size_t n = strlen(in);
    for (size_t chunk = 0; chunk <= n; chunk++) {
        char *got = filter(in, n, chunk);
        if (strcmp(got, want) != 0)
            fail_msg("chunk %zu: got \"%s\" for \"%s\"", chunk, got, in);
        free(got);
    }
    /* also split once at every point */
    for (size_t cut = 1; cut < n; cut++) {
        struct cli_term_filter f;
        struct buf out;
        cli_term_filter_init(&f);
        buf_init(&out, 1 << 20);
        assert_int_equal(buf_append(&out, "", 0), 0);
        assert_int_equal(cli_term_filter(&f, in, cut, &out), 0);
        assert_int_equal(cli_term_filter(&f, in + cut, n - cut, &out), 0);
        assert_string_equal(out.data, want);
        buf_free(&out);
    }
}

static void test_kept(void **state)
{
    (void)state;
    const char *const kept[] = {
        "plain text\r\n",
        "\x1b[1;31mred\x1b[0m \x1b[38;5;208mo\x1b[48;2;1;2;3mr\x1b[m",
        "\x1b[2J\x1b[H\x1b[10;20H\x1b[K\x1b[3A\x1b[2C\x1b[1;24r\x1b[?25l\x1b[?1049h\x1b[4h",
        "\x1b(B\x1b)0\x1b"
        "7\x1b"
        "8\x1b=\x1b>\x1bM\x0e\x0f\b\t\a",
        "\x1b[2 q\x1b[!p\x1b[u\x1b[s",
        "h\xc3\xa9llo \xe2\x80\x93 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xc2\xa0nbsp",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        check(kept[i], kept[i]);
}

static void test_dropped(void **state)
{
    (void)state;
    /* OSC 52 (the clipboard), titles, hyperlinks, notifications */
    check("a\x1b]52;c;ZWNobyBwd25lZA==\x07"
          "b",
          "ab");
    check("a\x1b]0;owned\x1b\\b", "ab");
    check("a\x1b]2;t\x1b]8;;http://x\x1b\\b", "ab");
    check("a\x1b]1337;File=inline=1:AAAA\x07"
          "b",
          "ab");
    check("a\x1b]777;notify;x;y\x18"
          "b",
          "ab");
    /* DCS (DECRQSS, sixel, tmux passthrough), SOS, PM, APC */
    check("a\x1bP$qm\x1b\\b", "ab");
    check("a\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\b", "ab");
    check("a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd");
    /* a string aborted by a new sequence: that one is filtered too */
    check("a\x1b]0;x\x1b[31mb", "a\x1b[31mb");
    /* C1 controls, 8-bit and UTF-8 */
    check("a\x9d"
          "52;c;eA==\x07"
          "b",
          "ab");
    check("a\xc2\x9d"
          "0;t\xc2\x9c"
          "b",
          "ab");
    check("a\xc2\x90"
          "x\x9c"
          "b\xc2\x9b"
          "31mc",
          "ab\x1b[31mc");
    /* what makes the terminal answer or act on its window */
    check("a\x1b[6n\x1b[5n\x1b[c\x1b[>c\x1b[=c\x1b[0c"
          "b",
          "ab");
    check("a\x1b[21t\x1b[8;100;100t\x1b[2t\x1b[5i\x1b[1x"
          "b",
          "ab");
    check("a\x1b[?1$p\x1b[>q\x1b[?u\x1b[?1;1S\x1b[1;1;1;1;1*y"
          "b",
          "ab");
    check("a\x1bZ\x05"
          "b",
          "ab");
    /* an ESC left alone must not join the text after a dropped sequence */
    check("\x1b\x9d"
          "0;t\x07]52;c;eA==\x07",
          "]52;c;eA==\a");
    check("\x1b\xc2\x9d"
          "0;t\x07]0;x\x07",
          "]0;x\a");
    check("\x1b\n]0;x\x07", "\n]0;x\a");
    /* reports the terminal would send later, key encodings */
    check("a\x1b[?1000h\x1b[?1006;1000h\x1b[?2004h\x1b[?1004h\x1b[?9h\x1b[>4;2mb", "ab");
    check("\x1b[?1000l\x1b[?2004l\x1b[?25h\x1b[?1h\x1b[?10000h",
          "\x1b[?1000l\x1b[?2004l\x1b[?25h\x1b[?1h\x1b[?10000h");
    /* a CSI too long to be real */
    char longcsi[200] = "a\x1b[";
    memset(longcsi + 3, '1', 150);
    memcpy(longcsi + 153, "mb", 3);
    check(longcsi, "ab");
    /* left unfinished: nothing of it comes out */
    check("a\x1b]52;c;never ends", "a");
    check("a\x1b[31", "a");
}

static void test_parse(void **state)
{
    double t = 0;
    char *data = NULL;
    size_t len = 0;
    (void)state;
    const char line[] = "[1.5, \"o\", \"a\\u001b]52;c;eA==\\u0007\"]\n";
    assert_int_equal(cli_replay_parse(line, strlen(line), &t, &data, &len), 1);
    assert_true(t == 1.5);
    assert_int_equal(len, 13);
    assert_memory_equal(data, "a\x1b]52;c;eA==\a", 13);
    free(data);
    const char *const skipped[] = {
        "[1.5, \"i\", \"ls\\r\"]",
        "{\"version\": 2}",
        "[\"1\", \"o\", \"x\"]",
        "[1, \"o\", 5]",
        "[1, \"o\"]",
        "[1, \"o\", \"x\", 4]",
        "not json",
        "",
        "[1, \"o\", \"\\u0000\"]",
    };
    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
        assert_int_equal(cli_replay_parse(skipped[i], strlen(skipped[i]), &t, &data, &len), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept),
        cmocka_unit_test(test_dropped),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
