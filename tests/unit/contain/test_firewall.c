/* Unit tests for src/contain/firewall.c: the names and rule text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/buf.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "contain/hostnet.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static void test_bridge_name(void **state)
{
    (void)state;
    char name[IF_NAMESIZE];
    contain_bridge_name(0x0a0d0700u, name);
    assert_string_equal(name, "kk-10-13-7");
    contain_bridge_name(0xffffff00u, name);
    assert_string_equal(name, "kk-255-255-255");
    assert_true(strlen(name) < IF_NAMESIZE);
}

/* Position of needle in haystack, failing the test when absent. */
static size_t pos(const char *haystack, const char *needle)
{
    const char *p = strstr(haystack, needle);
    if (!p)
        fail_msg("'%s' not in:\n%s", needle, haystack);
    return (size_t)(p - haystack);
}

static struct config cfg;

static int setup(void **state)
{
    (void)state;
    config_init(&cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    config_free(&cfg);
    return 0;
}

/* Every rule carries the label. */
static void all_labelled(const char *r)
{
    for (const char *line = r; (line = strstr(line, "\n-A ")); line++) {
        const char *end = strchr(line + 1, '\n');
        assert_non_null(end);
        if (!memmem(line, (size_t)(end - line), "--comment karakuri", 18))
            fail_msg("unlabelled: %.*s", (int)(end - line), line);
    }
}

static void test_ipv4(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), 0);
    const char *r = b.data;
    assert_int_equal(pos(r, "*filter\n"), 0);
    /* Chains declared (and so emptied) before anything goes in them. */
    assert_true(pos(r, ":KARAKURI-INPUT") < pos(r, "-A KARAKURI-INPUT"));
    /* Host: replies pass, then log, then drop, in that order. */
    size_t est = pos(r, "-A KARAKURI-INPUT -m conntrack --ctstate ESTABLISHED,RELATED");
    size_t log = pos(r, "--nflog-prefix \"karakuri host\"");
    size_t drop = pos(r, "-A KARAKURI-INPUT -m comment --comment karakuri -j DROP");
    assert_true(est < log && log < drop);
    /* Forward: bridged frames leave first; what is routed is logged and dropped. */
    size_t bridged = pos(r, "-A KARAKURI-FORWARD -m physdev --physdev-is-bridged");
    size_t routed = pos(r, "-A KARAKURI-FORWARD -i kk-+ -m comment --comment karakuri -j NFLOG");
    size_t fdrop = pos(r, "-A KARAKURI-FORWARD -m comment --comment karakuri -j DROP");
    assert_true(bridged < routed && routed < fdrop);
    assert_true(pos(r, "--nflog-group 3113") > 0);
    /* Egress none: nothing is let out or translated. */
    assert_null(strstr(r, "-j KARAKURI-EGRESS"));
    assert_null(strstr(r, "MASQUERADE"));
    assert_null(strstr(r, "-A KARAKURI-FORWARD -o kk-+"));
    assert_true(pos(r, "*nat\n:KARAKURI-NAT - [0:0]\n:KARAKURI-FETCH - [0:0]\n-A KARAKURI-FETCH") >
                pos(r, "COMMIT\n"));
    assert_null(strstr(r, "-A KARAKURI-NAT"));
    /* Packets about to expire get one more hop: FORWARD sees them, the
     * host never answers time-exceeded. */
    assert_true(pos(r,
                    "*mangle\n:KARAKURI-TTL - [0:0]\n-A KARAKURI-TTL -m ttl --ttl-lt 2 -m comment "
                    "--comment karakuri -j TTL --ttl-set 2\nCOMMIT\n") > 0);
    all_labelled(r);
    buf_free(&b);
}

static void test_egress(void **state)
{
    (void)state;
    const struct contain_prefix nets[] = {{0xc0000200u, 24}, {0xac110000u, 16}};
    struct buf b;
    char err[128];
    buf_init(&b, 1 << 16);
    assert_int_equal(
        config_parse(&cfg, "[containment]\negress = tcp/80, udp/53\n", 38, "t", err, sizeof(err)),
        0);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, nets, 2, &b), 0);
    const char *r = b.data;
    /* Replies in, then the allowed ports out through the quotas, before the
     * final log and drop; never to another honeynet. */
    size_t in = pos(r, "-A KARAKURI-FORWARD -o kk-+ -m conntrack --ctstate ESTABLISHED,RELATED");
    size_t est = pos(r, "-A KARAKURI-FORWARD -i kk-+ ! -d 10.13.0.0/16 -m conntrack --ctstate "
                        "ESTABLISHED,RELATED -m comment --comment karakuri -j KARAKURI-EGRESS");
    size_t log80 = pos(r, "-A KARAKURI-FORWARD -i kk-+ ! -d 10.13.0.0/16 -p tcp --dport 80 -m "
                          "comment --comment karakuri -j NFLOG");
    size_t tcp80 = pos(r, "-A KARAKURI-FORWARD -i kk-+ ! -d 10.13.0.0/16 -p tcp --dport 80 -m "
                          "comment --comment karakuri -j KARAKURI-EGRESS");
    size_t udp53 = pos(r, "-p udp --dport 53 -m comment --comment karakuri -j KARAKURI-EGRESS");
    size_t routed = pos(r, "-A KARAKURI-FORWARD -i kk-+ -m comment --comment karakuri -j NFLOG");
    assert_true(in < est && est < log80 && log80 < tcp80 && tcp80 < udp53 && udp53 < routed);
    /* Before any way out: what is not off the machine is logged and
     * dropped, whatever its port. */
    static const char *const never[] = {"-d 0.0.0.0/8 ",
                                        "-d 10.0.0.0/8 ",
                                        "-d 100.64.0.0/10 ",
                                        "-d 127.0.0.0/8 ",
                                        "-d 169.254.0.0/16 ",
                                        "-d 172.16.0.0/12 ",
                                        "-d 192.168.0.0/16 ",
                                        "-d 224.0.0.0/4 ",
                                        "-d 240.0.0.0/4 ",
                                        "-d 192.0.2.0/24 ",
                                        "-d 172.17.0.0/16 ",
                                        "-m addrtype --dst-type LOCAL ",
                                        "-m conntrack --ctstate DNAT "};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        char logged[160], dropped[160];
        snprintf(logged, sizeof(logged),
                 "-A KARAKURI-FORWARD -i kk-+ %s-m comment --comment karakuri -j NFLOG "
                 "--nflog-group 3113 --nflog-size 128 --nflog-prefix \"karakuri routed\"\n",
                 never[i]);
        snprintf(dropped, sizeof(dropped),
                 "-A KARAKURI-FORWARD -i kk-+ %s-m comment --comment karakuri -j DROP\n", never[i]);
        assert_true(in < pos(r, logged) && pos(r, logged) < pos(r, dropped) &&
                    pos(r, dropped) < est);
    }
    size_t cap = pos(r, "-A KARAKURI-EGRESS -m comment --comment karakuri -j NFLOG");
    assert_true(cap < pos(r, "-A KARAKURI-EGRESS -m comment --comment karakuri -j DROP"));
    assert_true(pos(r, "--nflog-prefix \"karakuri egress-cap\"") > 0);
    assert_true(pos(r, "-A KARAKURI-NAT -s 10.13.0.0/16 -m comment --comment karakuri -j "
                       "MASQUERADE") > 0);
    all_labelled(r);
    buf_free(&b);
    config_free(&cfg);
    config_init(&cfg);
}

/* Downloads go to the fetcher: redirected in nat (not what goes to a LAN
 * or to the host itself), let in only so. */
static void test_fetch(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), 0);
    const char *r = b.data;
    size_t lan =
        pos(r, "-A KARAKURI-FETCH -d 10.13.0.0/16 -m comment --comment karakuri -j RETURN\n");
    size_t local = pos(r, "-A KARAKURI-FETCH -m addrtype --dst-type LOCAL -m comment --comment "
                          "karakuri -j RETURN\n");
    static const char *const ports[] = {"tcp -m tcp --dport 80 ", "tcp -m tcp --dport 8080 ",
                                        "tcp -m tcp --dport 21 ", "udp -m udp --dport 69 "};
    size_t est = pos(r, "-A KARAKURI-INPUT -m conntrack --ctstate ESTABLISHED,RELATED");
    size_t log = pos(r, "--nflog-prefix \"karakuri host\"");
    for (size_t i = 0; i < 4; i++) {
        char redirect[192], accept[192];
        snprintf(redirect, sizeof(redirect),
                 "-A KARAKURI-FETCH -p %s-m comment --comment karakuri -j REDIRECT --to-ports "
                 "10869\n",
                 ports[i]);
        assert_true(lan < local && local < pos(r, redirect));
        /* The port it came to: the fetcher's own, dialled directly, has no
         * DNAT and is logged and dropped. */
        const char *dport = strstr(ports[i], "--dport ") + 8;
        snprintf(accept, sizeof(accept),
                 "-A KARAKURI-INPUT -p %.*s--dport 10869 -m conntrack --ctstate DNAT "
                 "--ctorigdstport %.*s-m comment --comment karakuri -j ACCEPT\n",
                 (int)(strstr(ports[i], "--dport") - ports[i]), ports[i], (int)strlen(dport),
                 dport);
        assert_true(est < pos(r, accept) && pos(r, accept) < log);
    }
    buf_free(&b);
    /* A port egress lets out goes out, not to the fetcher. */
    char err[128];
    assert_int_equal(
        config_parse(&cfg, "[containment]\negress = tcp/8080\n", 32, "t", err, sizeof(err)), 0);
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), 0);
    assert_null(strstr(b.data, "--dport 8080 -m comment --comment karakuri -j REDIRECT"));
    assert_null(strstr(b.data, "--ctorigdstport 8080"));
    assert_true(pos(b.data, "--dport 80 -m comment --comment karakuri -j REDIRECT") > 0);
    buf_free(&b);
    config_free(&cfg);
    config_init(&cfg);
}

/* DNS goes to the resolver: to the host's addresses (the LAN's .1) before
 * the LAN's own are left alone, anywhere else after; never the sink the
 * engine's resolver forwards to; let in only so. */
static void test_dns(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), 0);
    const char *r = b.data;
    size_t sink =
        pos(r, "-A KARAKURI-FETCH -d 169.254.0.53/32 -m comment --comment karakuri -j RETURN\n");
    size_t lan =
        pos(r, "-A KARAKURI-FETCH -d 10.13.0.0/16 -m comment --comment karakuri -j RETURN\n");
    static const char *const protos[] = {"udp -m udp", "tcp -m tcp"};
    for (size_t i = 0; i < 2; i++) {
        char local[192], any[192], accept[192];
        snprintf(local, sizeof(local),
                 "-A KARAKURI-FETCH -m addrtype --dst-type LOCAL -p %s --dport 53 -m comment "
                 "--comment karakuri -j REDIRECT --to-ports 10853\n",
                 protos[i]);
        snprintf(any, sizeof(any),
                 "-A KARAKURI-FETCH -p %s --dport 53 -m comment --comment karakuri -j REDIRECT "
                 "--to-ports 10853\n",
                 protos[i]);
        snprintf(accept, sizeof(accept),
                 "-A KARAKURI-INPUT -p %s --dport 10853 -m conntrack --ctstate DNAT "
                 "--ctorigdstport 53 -m comment --comment karakuri -j ACCEPT\n",
                 protos[i]);
        assert_true(sink < pos(r, local) && pos(r, local) < lan && lan < pos(r, any));
        assert_true(pos(r, accept) < pos(r, "--nflog-prefix \"karakuri host\""));
    }
    buf_free(&b);
    /* Egress of udp/53: off the machine it goes out; the LAN's .1 is still
     * the resolver. */
    char err[128];
    assert_int_equal(
        config_parse(&cfg, "[containment]\negress = udp/53\n", 30, "t", err, sizeof(err)), 0);
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), 0);
    assert_null(strstr(b.data, "-A KARAKURI-FETCH -p udp -m udp --dport 53 "));
    assert_true(pos(b.data, "-A KARAKURI-FETCH -p tcp -m tcp --dport 53 ") > 0);
    assert_true(pos(b.data, "--dst-type LOCAL -p udp -m udp --dport 53 ") > 0);
    buf_free(&b);
    config_free(&cfg);
    config_init(&cfg);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET6, NULL, 0, &b), 0);
    /* No replies to let in and nothing bridged to let through. */
    assert_null(strstr(b.data, "ESTABLISHED"));
    assert_null(strstr(b.data, "-j RETURN"));
    assert_true(pos(b.data, "--physdev-is-bridged -m comment --comment karakuri -j DROP") > 0);
    buf_free(&b);
}

static void test_small_buffer(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(contain_fw_ruleset(&cfg, AF_INET, NULL, 0, &b), -ENOBUFS);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge_name),  cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_egress),       cmocka_unit_test(test_fetch),
        cmocka_unit_test(test_dns),          cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
