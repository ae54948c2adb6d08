/* Unit tests for src/config/config.c: defaults, every value type, every error
 * with its file:line, the writer/parser round trip, config_load. */
#include "config/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse(struct config *c, const char *text, char *err, size_t errlen)
{
    config_init(c);
    return config_parse(c, text, strlen(text), "t.conf", err, errlen);
}

static void test_defaults(void **state)
{
    struct config c;
    (void)state;
    config_init(&c);
    assert_null(c.path);
    assert_non_null(c.general.sensor);
    assert_true(strlen(c.general.sensor) > 0);
    assert_int_equal(c.general.log_level, LOG_LEVEL_INFO);
    assert_string_equal(c.ssh.listen_host, "0.0.0.0");
    assert_int_equal(c.ssh.listen_port, 2222);
    assert_string_equal(c.store.dir, "./var");
    assert_true(c.store.jsonl);
    assert_int_equal(c.store.queue_events, 65536);
    assert_int_equal(c.store.batch_events, 4096);
    assert_string_equal(c.docker.host, "");
    assert_int_equal(c.honeynet.mode, CONFIG_MODE_PER_SOURCE);
    assert_int_equal(c.honeynet.lan_pool_net, 0x0a0d0000u);
    assert_int_equal(c.honeynet.lan_pool_prefix, 16);
    assert_int_equal(c.honeynet.retention_s, 7 * 86400);
    assert_string_equal(c.images.gateway_suite, "bullseye");
    assert_string_equal(c.images.decoy_suite, "bookworm");
    assert_string_equal(c.images.gateway_image, "karakuri/gateway");
    assert_string_equal(c.images.decoy_image, "karakuri/decoy");
    assert_string_equal(c.images.mirror, "http://deb.debian.org/debian");
    assert_string_equal(c.web.listen, "");
    config_free(&c);
}

/* [capture] resolver: empty (resolv.conf) by default; IPV4[:PORT]. */
static void test_resolver(void **state)
{
    struct config c;
    char err[256] = "";
    (void)state;
    assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
    assert_string_equal(c.capture.resolver, "");
    assert_int_equal(c.capture.resolver_ip, 0);
    config_free(&c);
    assert_int_equal(parse(&c, "[capture]\nresolver = 203.0.113.53\n", err, sizeof(err)), 0);
    assert_string_equal(c.capture.resolver, "203.0.113.53");
    assert_int_equal(c.capture.resolver_ip, 0xcb007135u);
    assert_int_equal(c.capture.resolver_port, 53);
    config_free(&c);
    assert_int_equal(parse(&c, "[capture]\nresolver = 203.0.113.53:5353\n", err, sizeof(err)), 0);
    assert_int_equal(c.capture.resolver_port, 5353);
    config_free(&c);
    static const char *const bad[] = {
        "[capture]\nresolver = 203.0.113.53:0\n", "[capture]\nresolver = 203.0.113.53:65536\n",
        "[capture]\nresolver = 203.0.113/24\n",   "[capture]\nresolver = 0.0.0.0\n",
        "[capture]\nresolver = dns.example\n",    "[capture]\nresolver = [::1]:53\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(&c, bad[i], err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "IPv4 address"));
        config_free(&c);
    }
}

/* [web] listen: off by default; loopback only (no TLS yet). */
static void test_web_listen(void **state)
{
    struct config c;
    char err[256] = "", host[CONFIG_HOST_LEN], why[256];
    uint16_t port = 0;
    (void)state;
    assert_int_equal(parse(&c, "[web]\nlisten = 127.0.0.1:8088\n", err, sizeof(err)), 0);
    assert_string_equal(c.web.listen, "127.0.0.1:8088");
    config_free(&c);
    assert_int_equal(parse(&c, "[web]\nlisten = [::1]:9000\n", err, sizeof(err)), 0);
    config_free(&c);
    assert_int_equal(parse(&c, "[web]\nlisten = 0.0.0.0:8088\n", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "not a loopback address"));
    config_free(&c);
    assert_int_equal(parse(&c, "[web]\nlisten = 8088\n", err, sizeof(err)), -EINVAL);
    config_free(&c);
    assert_int_equal(config_parse_hostport("[::1]:80", true, host, &port, why, sizeof(why)), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 80);
    assert_int_equal(config_parse_hostport("127.9.9.9:0", true, host, &port, why, sizeof(why)), 0);
    assert_int_equal(config_parse_hostport("10.0.0.1:80", false, host, &port, why, sizeof(why)), 0);
    assert_int_equal(config_parse_hostport("10.0.0.1:80", true, host, &port, why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(config_parse_hostport("[::]:80", true, host, &port, why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(config_parse_hostport("::1:80", true, host, &port, why, sizeof(why)), -EINVAL);
    assert_int_equal(config_parse_hostport(":80", true, host, &port, why, sizeof(why)), -EINVAL);
    assert_int_equal(config_parse_hostport("127.0.0.1:65536", true, host, &port, why, sizeof(why)),
                     -EINVAL);
}

static void test_values(void **state)
{
    struct config c;
    char err[256] = "";
    (void)state;
    assert_int_equal(parse(&c,
                           "# comment\n; comment\n\n[karakuri]\nsensor = \"edge 1\"\n"
                           "log_level = debug\n[ssh]\n  listen=[::1]:22  \r\n[store]\n"
                           "dir = /tmp/kk\njsonl = off\nqueue_events = 128\n[docker]\n"
                           "host = unix:///run/d.sock\n[honeynet]\nmode = shared\n"
                           "lan_pool = 172.30.0.0/20\nretention = 1h30m\n",
                           err, sizeof(err)),
                     0);
    assert_string_equal(c.general.sensor, "edge 1");
    assert_int_equal(c.general.log_level, LOG_LEVEL_DEBUG);
    assert_string_equal(c.ssh.listen_host, "::1");
    assert_int_equal(c.ssh.listen_port, 22);
    assert_string_equal(c.store.dir, "/tmp/kk");
    assert_false(c.store.jsonl);
    assert_int_equal(c.store.queue_events, 128);
    assert_string_equal(c.docker.host, "unix:///run/d.sock");
    assert_int_equal(c.honeynet.mode, CONFIG_MODE_SHARED);
    assert_int_equal(c.honeynet.lan_pool_net, 0xac1e0000u);
    assert_int_equal(c.honeynet.lan_pool_prefix, 20);
    assert_int_equal(c.honeynet.retention_s, 5400);
    config_free(&c);
}

static void test_containment(void **state)
{
    struct config c;
    char err[256] = "", out[16384];
    (void)state;
    assert_int_equal(parse(&c,
                           "[containment]\nmemory = 1g\nswap = 64K\ncpus = 1.25\npids = 100\n"
                           "no_new_privileges = yes\n",
                           err, sizeof(err)),
                     0);
    assert_int_equal(c.containment.memory_bytes, 1LL << 30);
    assert_int_equal(c.containment.swap_bytes, 64 << 10);
    assert_int_equal(c.containment.cpu_millis, 1250);
    assert_int_equal(c.containment.pids, 100);
    assert_true(c.containment.no_new_privileges);
    /* Written back as read. */
    FILE *f = fmemopen(out, sizeof(out), "w");
    assert_int_equal(config_write(&c, f), 0);
    fclose(f);
    assert_non_null(strstr(out, "memory = 1G\n"));
    assert_non_null(strstr(out, "swap = 64k\n"));
    assert_non_null(strstr(out, "cpus = 1.25\n"));
    assert_non_null(strstr(out, "egress = none\n"));
    config_free(&c);

    assert_int_equal(parse(&c,
                           "[containment]\negress = tcp/80,udp/53, tcp/443\nsession_lifetime = 1h\n"
                           "[honeynet]\nmax = 3\nfull = share\n[ssh]\nmax_sessions = 5\n",
                           err, sizeof(err)),
                     0);
    assert_int_equal(c.containment.negress, 3);
    assert_true(c.containment.egress[1].udp);
    assert_int_equal(c.containment.egress[2].port, 443);
    assert_int_equal(c.containment.session_lifetime_s, 3600);
    assert_int_equal(c.honeynet.max, 3);
    assert_true(c.honeynet.full_share);
    assert_int_equal(c.ssh.max_sessions, 5);
    f = fmemopen(out, sizeof(out), "w");
    assert_int_equal(config_write(&c, f), 0);
    fclose(f);
    assert_non_null(strstr(out, "egress = tcp/80,udp/53,tcp/443\n"));
    assert_non_null(strstr(out, "full = share\n"));
    config_free(&c);
}

static void expect_error(const char *text, const char *want)
{
    struct config c;
    char err[256] = "";
    assert_int_equal(parse(&c, text, err, sizeof(err)), -EINVAL);
    if (!strstr(err, want))
        fail_msg("error '%s' lacks '%s'", err, want);
    config_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("[nope]\n", "t.conf:1: unknown section [nope]");
    expect_error("[ssh\n", "t.conf:1: expected ']'");
    expect_error("\n\nlisten = 1.2.3.4:22\n", "t.conf:3: key 'listen' outside any [section]");
    expect_error("[ssh]\nport = 22\n", "t.conf:2: [ssh] port: unknown key");
    expect_error("[ssh]\njunk\n", "t.conf:2: expected 'key = value'");
    expect_error("[ssh]\nlisten = 1.2.3.4\n",
                 "t.conf:2: [ssh] listen: '1.2.3.4': expected ADDRESS:PORT");
    expect_error("[ssh]\nlisten = 1.2.3.4:70000\n",
                 "[ssh] listen: '1.2.3.4:70000': expected ADDRESS:PORT");
    expect_error("[ssh]\nlisten = host:22\n", "'host' is not an IPv4 address");
    expect_error("[store]\ndir =\n", "[store] dir: '': must not be empty");
    expect_error("[store]\njsonl = maybe\n", "[store] jsonl: 'maybe': expected yes or no");
    expect_error("[store]\nqueue_events = 10\n", "expected a whole number from 64 to");
    expect_error("[store]\nbatch_events = -1\n", "[store] batch_events");
    expect_error("[store]\ndir = a\ndir = b\n",
                 "t.conf:3: [store] dir: set twice (first on line 2)");
    expect_error("[docker]\nhost = tcp://1.2.3.4:2375\n",
                 "[docker] host: 'tcp://1.2.3.4:2375': expected unix://");
    expect_error("[honeynet]\nmode = all\n", "expected per-source or shared");
    expect_error("[honeynet]\nlan_pool = 10.13.1.0/16\n", "host bits set");
    expect_error("[honeynet]\nlan_pool = 10.0.0.0/28\n", "prefix from /8 to /24");
    expect_error("[honeynet]\nretention = 5\n", "[honeynet] retention: '5': expected a duration");
    expect_error("[karakuri]\nlog_level = loud\n", "expected error, warn, info or debug");
    expect_error("[images]\ngateway_image = Karakuri/GW\n", "'K' not allowed");
    expect_error("[images]\nmirror = ftp://x\n", "expected an http://");
    expect_error("[karakuri]\nsensor = a\x01z\n", "control characters");
    expect_error("[containment]\nmemory = 1M\n", "expected a size from 16777216");
    expect_error("[containment]\nmemory = 12X\n", "expected a size");
    expect_error("[containment]\nmemory = M\n", "expected a size");
    expect_error("[containment]\ncpus = 0.0001\n", "expected a number of CPUs");
    expect_error("[containment]\ncpus = .5\n", "expected a number of CPUs");
    expect_error("[containment]\ncpus = 1.\n", "expected a number of CPUs");
    expect_error("[containment]\ncpus = 0.001\n", "from 0.010");
    expect_error("[containment]\negress = http\n", "expected none, or up to 16 of tcp/PORT");
    expect_error("[containment]\negress = tcp/0\n", "tcp/PORT or udp/PORT");
    expect_error("[containment]\negress = ,\n", "tcp/PORT or udp/PORT");
    expect_error("[honeynet]\nfull = maybe\n", "expected refuse or share");
}

static void test_nul_and_long_line(void **state)
{
    struct config c;
    char err[256];
    (void)state;
    config_init(&c);
    assert_int_equal(config_parse(&c, "[ssh]\0x", 7, "t.conf", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "NUL"));
    size_t n = CONFIG_MAX_LINE_BYTES + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    assert_int_equal(config_parse(&c, big, n, "t.conf", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.conf:1: line longer than"));
    free(big);
    config_free(&c);
}

static void test_duration(void **state)
{
    long long s;
    (void)state;
    assert_int_equal(config_parse_duration("90", &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(config_parse_duration("2w1d3h4m5s", &s), 0);
    assert_int_equal(s, 2 * 604800 + 86400 + 3 * 3600 + 4 * 60 + 5);
    assert_int_equal(config_parse_duration("1h30", &s), -EINVAL);
    assert_int_equal(config_parse_duration("", &s), -EINVAL);
    assert_int_equal(config_parse_duration("h", &s), -EINVAL);
    assert_int_equal(config_parse_duration("-5s", &s), -EINVAL);
    assert_int_equal(config_parse_duration("5y", &s), -EINVAL);
    assert_int_equal(config_parse_duration("99999999999999999999d", &s), -ERANGE);
}

static char *write_to_string(const struct config *c, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    assert_int_equal(config_write(c, f), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void test_round_trip(void **state)
{
    struct config c, again;
    char err[256] = "";
    size_t len, len2;
    (void)state;
    assert_int_equal(
        parse(&c, "[honeynet]\nretention = 36h\nlan_pool = 10.50.0.0/16\n", err, sizeof(err)), 0);
    char *text = write_to_string(&c, &len);
    assert_non_null(strstr(text, "retention = 36h\n"));
    assert_non_null(strstr(text, "# how long a source's honeynet"));
    assert_non_null(strstr(text, "[images]\n"));
    config_init(&again);
    assert_int_equal(config_parse(&again, text, len, "w", err, sizeof(err)), 0);
    char *text2 = write_to_string(&again, &len2);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    config_free(&again);
    config_free(&c);
}

static void test_load(void **state)
{
    struct config c;
    char err[256] = "";
    char path[] = "/tmp/kk-config-XXXXXX";
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "[store]\ndir = /srv/kk\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    config_init(&c);
    assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
    assert_string_equal(c.path, path);
    assert_string_equal(c.store.dir, "/srv/kk");
    config_free(&c);
    unlink(path);

    config_init(&c);
    assert_int_equal(config_load(&c, "/nonexistent/kk.conf", err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/kk.conf: No such file"));
    assert_int_equal(config_load(&c, "/tmp", err, sizeof(err)), -EINVAL);
    assert_null(c.path);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),    cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_nul_and_long_line),
        cmocka_unit_test(test_duration),    cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_containment), cmocka_unit_test(test_load),
        cmocka_unit_test(test_web_listen),  cmocka_unit_test(test_resolver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
