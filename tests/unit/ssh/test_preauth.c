/* Unit tests for src/ssh/preauth.c: identification lines as sshd judges them,
 * the client's KEXINIT and its HASSH. */
#include "ssh/preauth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "kexinit.h"

static enum kssh_ident check(const char *s, size_t *len)
{
    return kssh_ident_check(s, strlen(s), len);
}

static void test_ident(void **state)
{
    size_t len = 0;
    (void)state;
    assert_int_equal(check("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", &len), KSSH_IDENT_OK);
    assert_int_equal(len, 32);
    assert_int_equal(check("SSH-2.0-x\n", &len), KSSH_IDENT_OK);
    assert_int_equal(check("SSH-1.99-old\r\n", &len), KSSH_IDENT_OK);
    assert_int_equal(check("SSH-2.0-OpenSSH", &len), KSSH_IDENT_INCOMPLETE);
    assert_int_equal(check("", &len), KSSH_IDENT_INCOMPLETE);
    assert_int_equal(check("SSH-1.5-Nmap\r\n", &len), KSSH_IDENT_BAD_VERSION);
    assert_int_equal(check("GET / HTTP/1.0\r\n", &len), KSSH_IDENT_INVALID);
    assert_int_equal(check("SSH-2.0\r\n", &len), KSSH_IDENT_INVALID);
    assert_int_equal(check("SSH-2.0-\n", &len), KSSH_IDENT_INVALID);
    assert_int_equal(check("SSH-2.0-\r\n", &len), KSSH_IDENT_OK); /* "\r" is something */
    assert_int_equal(check("SSH-2.5-future\n", &len), KSSH_IDENT_OK);
    assert_int_equal(check("SSH-3.0-x\n", &len), KSSH_IDENT_BAD_VERSION);
    assert_int_equal(check("SSH-x.0-x\n", &len), KSSH_IDENT_INVALID);
    assert_int_equal(kssh_ident_check("SSH-2.0-a\0b\n", 12, &len), KSSH_IDENT_INVALID);
    char longline[400];
    memset(longline, 'a', sizeof(longline));
    memcpy(longline, "SSH-2.0-", 8);
    assert_int_equal(kssh_ident_check(longline, sizeof(longline), &len), KSSH_IDENT_INVALID);
    assert_string_equal(kssh_ident_reply(KSSH_IDENT_INVALID),
                        "Invalid SSH identification string.\r\n");
    assert_string_equal(kssh_ident_reply(KSSH_IDENT_BAD_VERSION),
                        "Protocol major versions differ.\r\n");
}

static void test_software(void **state)
{
    char out[64];
    (void)state;
    const char *l = "SSH-2.0-PuTTY_Release_0.78\r\n";
    kssh_ident_software(l, strlen(l), out, sizeof(out));
    assert_string_equal(out, "PuTTY_Release_0.78");
    kssh_ident_software(l, strlen(l), out, 6);
    assert_string_equal(out, "PuTTY");
}

static const char *const lists[10] = {
    "curve25519-sha256,diffie-hellman-group14-sha256",
    "ssh-ed25519",
    "aes128-ctr,aes256-gcm@openssh.com",
    "aes128-ctr",
    "hmac-sha2-256",
    "hmac-sha2-256",
    "none",
    "none",
    "",
    "",
};

static void test_kexinit(void **state)
{
    uint8_t pkt[1024];
    struct kssh_kexinit k;
    (void)state;
    size_t n = build_kexinit(pkt, lists);
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), (int)n);
    assert_string_equal(k.kex, lists[0]);
    assert_string_equal(k.enc_c2s, lists[2]);
    assert_string_equal(k.mac_c2s, lists[4]);
    assert_string_equal(k.comp_c2s, "none");
    /* md5("kex;enc;mac;comp"), computed independently */
    assert_string_equal(k.hassh, "b21aaabfc9d2e45bafeef69aa7e7fada");
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(kssh_kexinit_parse(pkt, cut, &k), 0);
    /* more bytes after the packet (the client's next one) do not matter */
    assert_int_equal(kssh_kexinit_parse(pkt, sizeof(pkt), &k), (int)n);
}

static void test_kexinit_bad(void **state)
{
    uint8_t pkt[1024];
    struct kssh_kexinit k;
    (void)state;
    size_t n = build_kexinit(pkt, lists);
    pkt[5] = 21; /* not KEXINIT */
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), -EPROTO);
    n = build_kexinit(pkt, lists);
    pkt[0] = 0x7f; /* absurd length */
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), -EPROTO);
    n = build_kexinit(pkt, lists);
    pkt[4] = 0xff; /* padding longer than the packet */
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), -EPROTO);
    n = build_kexinit(pkt, lists);
    pkt[5 + 17 + 3] = 0xff; /* first list longer than the payload */
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), -EPROTO);
    const char *const spaced[10] = {"a b", "", "", "", "", "", "", "", "", ""};
    n = build_kexinit(pkt, spaced);
    assert_int_equal(kssh_kexinit_parse(pkt, n, &k), -EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_software),
        cmocka_unit_test(test_kexinit),
        cmocka_unit_test(test_kexinit_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
