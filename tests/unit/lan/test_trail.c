/* Unit tests for src/lan/trail.c: derived host keys (the same for the same
 * secret, honeynet and address; read back by libssh), the sensor secret and
 * the honeynet's admin key kept on disk, and the trail files made from a
 * plan (e2e: tests/e2e/test_trails.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/xalloc.h"
#include "lan/plan.h"
#include "lan/trail.h"

#include <errno.h>
#include <ftw.h>
#include <libssh/libssh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char secret1[LAN_TRAIL_SECRET_LEN] = {1, 2, 3};
static const unsigned char secret2[LAN_TRAIL_SECRET_LEN] = {4, 5, 6};

/* The public line libssh reads from priv. */
static char *libssh_pub(const char *priv)
{
    ssh_key key = NULL;
    char *b64 = NULL;
    assert_int_equal(SSH_OK, ssh_pki_import_privkey_base64(priv, NULL, NULL, NULL, &key));
    assert_int_equal(SSH_OK, ssh_pki_export_pubkey_base64(key, &b64));
    char *line = xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(key)), b64);
    ssh_string_free_char(b64);
    ssh_key_free(key);
    return line;
}

static void hostkey_deterministic(void **state)
{
    (void)state;
    struct lan_trail_key a, b, c, d;
    assert_int_equal(0,
                     lan_trail_hostkey(secret1, "src-198.51.100.7", "10.1.2.3", "root@db01", &a));
    assert_int_equal(0,
                     lan_trail_hostkey(secret1, "src-198.51.100.7", "10.1.2.3", "root@db01", &b));
    assert_int_equal(0,
                     lan_trail_hostkey(secret1, "src-198.51.100.7", "10.1.2.4", "root@db01", &c));
    assert_int_equal(0,
                     lan_trail_hostkey(secret2, "src-198.51.100.7", "10.1.2.3", "root@db01", &d));
    assert_string_equal(a.pub, b.pub);
    assert_string_equal(a.priv, b.priv);
    assert_string_not_equal(a.pub, c.pub);
    assert_string_not_equal(a.pub, d.pub);
    assert_true(strncmp(a.pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 32) == 0);
    assert_true(strncmp(a.priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0);
    assert_non_null(strstr(a.priv, "\n-----END OPENSSH PRIVATE KEY-----\n"));
    /* What sshd will serve from the file is what known_hosts says. */
    char *back = libssh_pub(a.priv);
    assert_string_equal(a.pub, back);
    free(back);
    /* The honeynet is part of the derivation, with a separator. */
    struct lan_trail_key e;
    assert_int_equal(0, lan_trail_hostkey(secret1, "src-198.51.100.", "710.1.2.3", "", &e));
    assert_string_not_equal(a.pub, e.pub);
    lan_trail_key_free(&a);
    lan_trail_key_free(&b);
    lan_trail_key_free(&c);
    lan_trail_key_free(&d);
    lan_trail_key_free(&e);
}

static char *tempdir(void)
{
    char *t = xstrdup("/tmp/kk-trail-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    assert_int_equal(0, nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS));
}

static void secret_kept(void **state)
{
    (void)state;
    char *dir = tempdir();
    unsigned char s1[LAN_TRAIL_SECRET_LEN], s2[LAN_TRAIL_SECRET_LEN],
        zero[LAN_TRAIL_SECRET_LEN] = {0};
    assert_int_equal(0, lan_trail_secret(dir, s1));
    assert_int_equal(0, lan_trail_secret(dir, s2));
    assert_memory_equal(s1, s2, sizeof(s1));
    assert_memory_not_equal(s1, zero, sizeof(s1));
    char *path = xasprintf("%s/sensor.secret", dir);
    struct stat st;
    assert_int_equal(0, stat(path, &st));
    assert_int_equal(0600, st.st_mode & 07777);
    assert_int_equal(LAN_TRAIL_SECRET_LEN, st.st_size);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void userkey_kept_and_removed(void **state)
{
    (void)state;
    char *dir = tempdir();
    struct lan_trail_key a, b;
    assert_int_equal(0, lan_trail_userkey(dir, "src-198.51.100.7", &a));
    assert_int_equal(0, lan_trail_userkey(dir, "src-198.51.100.7", &b));
    assert_string_equal(a.pub, b.pub);
    assert_true(strncmp(a.pub, "ssh-rsa AAAAB3NzaC1yc2E", 23) == 0);
    assert_true(strncmp(a.priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0);
    char *back = libssh_pub(a.priv);
    assert_string_equal(a.pub, back);
    free(back);
    /* The key signs, and its public key verifies it: a whole key. */
    ssh_key priv = NULL, pub = NULL;
    assert_int_equal(SSH_OK, ssh_pki_import_privkey_base64(a.priv, NULL, NULL, NULL, &priv));
    assert_int_equal(SSH_OK, ssh_pki_export_privkey_to_pubkey(priv, &pub));
    assert_int_equal(0, ssh_key_cmp(priv, pub, SSH_KEY_CMP_PUBLIC));
    ssh_key_free(priv);
    ssh_key_free(pub);
    char *kd = lan_trail_dir(dir, "src-198.51.100.7"), *kf = xasprintf("%s/id_rsa", kd);
    struct stat st;
    assert_int_equal(0, stat(kf, &st));
    assert_int_equal(0600, st.st_mode & 07777);
    assert_int_equal(0, lan_trail_remove(dir, "src-198.51.100.7"));
    assert_int_equal(-1, stat(kd, &st));
    assert_int_equal(0, lan_trail_remove(dir, "src-198.51.100.7"));
    free(kf);
    free(kd);
    lan_trail_key_free(&a);
    lan_trail_key_free(&b);
    rm_rf(dir);
    free(dir);
}

static void dir_names(void **state)
{
    (void)state;
    char *d = lan_trail_dir("/s", "src-2001:db8::1");
    assert_string_equal("/s/trails/src-2001_db8__1", d);
    free(d);
    d = lan_trail_dir("/s", "../x");
    assert_string_equal("/s/trails/_._x", d);
    free(d);
}

static const struct lan_trail_file *file(const struct lan_trail_set *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return &s->files[i];
    return NULL;
}

/* HashKnownHosts' check, as ssh does it: HMAC-SHA1(salt, name). */
static int hashed_match(const char *entry, const char *name)
{
    unsigned char salt[64], mac[20], want[64];
    unsigned len = 20;
    char s64[64], m64[64];
    if (sscanf(entry, "|1|%63[^|]|%63s", s64, m64) != 2)
        return 0;
    int sl = EVP_DecodeBlock(salt, (unsigned char *)s64, (int)strlen(s64));
    int ml = EVP_DecodeBlock(want, (unsigned char *)m64, (int)strlen(m64));
    if (sl < 20 || ml < 20)
        return 0;
    HMAC(EVP_sha1(), salt, 20, (const unsigned char *)name, strlen(name), mac, &len);
    return memcmp(mac, want, 20) == 0;
}

static void files_from_plan(void **state)
{
    (void)state;
    struct lan_plan plan;
    uint32_t net = 0x0ad90500u, gw = net | 9;
    lan_plan_make("src-198.51.100.7", net, 8, gw, &plan);
    struct lan_trail_key user = {xstrdup("-----BEGIN OPENSSH PRIVATE KEY-----\nx\n"),
                                 xstrdup("ssh-rsa AAAAuser")};
    struct lan_trail_set s, s2, d;
    assert_int_equal(0, lan_trail_files(&plan, "src-198.51.100.7", gw, secret1, &user, false, &s));
    assert_int_equal(0, lan_trail_files(&plan, "src-198.51.100.7", gw, secret1, &user, false, &s2));
    assert_int_equal(s.n, s2.n);
    for (size_t i = 0; i < s.n; i++)
        assert_string_equal(s.files[i].data, s2.files[i].data);

    /* admin's known_hosts: "hostname,ip key" of planned hosts, the keys the
     * decoys get. */
    const struct lan_trail_file *kh = file(&s, "/home/admin/.ssh/known_hosts");
    assert_non_null(kh);
    assert_int_equal(LAN_TRAIL_ADMIN_UID, kh->uid);
    char ip[16];
    snprintf(ip, sizeof(ip), "10.217.5.%u", plan.hosts[0].ip & 0xffu);
    struct lan_trail_key k;
    assert_int_equal(0, lan_trail_hostkey(secret1, "src-198.51.100.7", ip, "", &k));
    char *line = xasprintf("%s,%s %s\n", plan.hosts[0].hostname, ip, k.pub);
    assert_non_null(strstr(kh->data, line));
    free(line);
    /* root's: hashed, by name and by address, the same key. */
    const struct lan_trail_file *khr = file(&s, "/root/.ssh/known_hosts");
    assert_non_null(khr);
    assert_int_equal(0600, khr->mode);
    assert_null(strstr(khr->data, ip));
    int by_ip = 0, by_name = 0;
    for (char *l = khr->data; *l;) {
        char *nl = strchr(l, '\n');
        assert_non_null(nl);
        assert_true(strncmp(l, "|1|", 3) == 0);
        char *sp = strchr(l, ' ');
        char ent[256];
        snprintf(ent, sizeof(ent), "%.*s", (int)(sp - l), l);
        if (strncmp(sp + 1, k.pub, strlen(k.pub)) == 0) {
            by_ip += hashed_match(ent, ip);
            by_name += hashed_match(ent, plan.hosts[0].hostname);
        }
        l = nl + 1;
    }
    assert_int_equal(1, by_ip);
    assert_int_equal(1, by_name);
    lan_trail_key_free(&k);

    const struct lan_trail_file *cfg = file(&s, "/home/admin/.ssh/config");
    assert_non_null(cfg);
    assert_true(strncmp(cfg->data, "HashKnownHosts no\n", 18) == 0);
    line = xasprintf("Host %s\n    HostName %s\n", plan.hosts[0].hostname, ip);
    assert_non_null(strstr(cfg->data, line));
    free(line);
    assert_null(strstr(file(&s, "/root/.ssh/config")->data, "HashKnownHosts"));

    const struct lan_trail_file *key = file(&s, "/home/admin/.ssh/id_rsa");
    assert_string_equal(user.priv, key->data);
    assert_int_equal(0, key->uid);
    assert_int_equal(0600, file(&s, "/root/.ssh/id_rsa")->mode);
    const char *hist = file(&s, "/home/admin/.bash_history")->data;
    assert_non_null(strstr(hist, "\nssh "));
    assert_non_null(strstr(hist, "\nscp "));
    assert_non_null(strstr(hist, "\nmysql -h "));
    assert_non_null(file(&s, "/root/.bash_history"));
    /* The gateway has no authorized_keys of admin's; decoys do. */
    assert_null(file(&s, "/home/admin/.ssh/authorized_keys"));

    /* A decoy: one hop further, never itself. */
    assert_int_equal(
        0, lan_trail_files(&plan, "src-198.51.100.7", plan.hosts[0].ip, secret1, &user, true, &d));
    const struct lan_trail_file *ak = file(&d, "/home/admin/.ssh/authorized_keys");
    assert_non_null(ak);
    assert_true(strncmp(ak->data, "ssh-rsa AAAAuser ", 17) == 0);
    assert_int_equal(0600, ak->mode);
    line = xasprintf("%s,", plan.hosts[0].hostname);
    assert_null(strstr(file(&d, "/home/admin/.ssh/known_hosts")->data, line));
    free(line);
    line = xasprintf("%s,", plan.hosts[1].hostname);
    assert_true(strncmp(file(&d, "/home/admin/.ssh/known_hosts")->data, line, strlen(line)) == 0);
    free(line);

    /* /etc/hosts: planned hosts by name. */
    char *hosts = lan_trail_hosts(&plan, gw);
    line = xasprintf("%s\t%s\n", ip, plan.hosts[0].hostname);
    assert_true(strncmp(hosts, line, strlen(line)) == 0);
    free(line);
    free(hosts);
    lan_trail_set_free(&s);
    lan_trail_set_free(&s2);
    lan_trail_set_free(&d);
    lan_trail_key_free(&user);
}

static void write_under_root(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* the files' owners need root */
    char *dir = tempdir();
    struct lan_trail_set s = {.n = 1};
    s.files[0] = (struct lan_trail_file){"/home/admin/.ssh/known_hosts", xstrdup("x\n"), 0644,
                                         LAN_TRAIL_ADMIN_UID};
    assert_int_equal(0, lan_trail_write(dir, &s));
    char *p = xasprintf("%s/home/admin/.ssh/known_hosts", dir);
    struct stat st;
    assert_int_equal(0, stat(p, &st));
    assert_int_equal(LAN_TRAIL_ADMIN_UID, st.st_uid);
    assert_int_equal(0644, st.st_mode & 07777);
    free(p);
    p = xasprintf("%s/root", dir);
    assert_int_equal(0, stat(p, &st));
    assert_int_equal(0700, st.st_mode & 07777);
    free(p);
    lan_trail_set_free(&s);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostkey_deterministic),    cmocka_unit_test(secret_kept),
        cmocka_unit_test(userkey_kept_and_removed), cmocka_unit_test(dir_names),
        cmocka_unit_test(files_from_plan),          cmocka_unit_test(write_under_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
