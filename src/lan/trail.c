/* lan trail: keys and files a worm follows (see trail.h).
 *
 * Keys are OpenSSL's (Ed25519 from a derived seed, RSA 3072); their files
 * are OpenSSH's "openssh-key-v1" container, unencrypted, written here:
 * libssh 0.10 writes Ed25519 keys in it but RSA keys only as PEM, which
 * ssh-keygen has not made since OpenSSH 7.8. What is written is read back
 * by libssh (lan_trail_userkey, the unit tests) and by OpenSSH (e2e). */
#include "lan/trail.h"

#include "common/buf.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_TEXT_MAX 65536
#define FILE_MAX (1 << 20)
/* How many planned hosts a host's trails name: a handful, not the LAN. */
#define NAMED_MAX 6
#define CONFIG_MAX 3

/* ---- the sensor's secret ---- */

static int read_exact(const char *path, void *out, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t r = read(fd, out, n);
    int rc = r < 0 ? -errno : (size_t)r == n ? 0 : -EPROTO;
    close(fd);
    return rc;
}

int lan_trail_secret(const char *store_dir, unsigned char secret[LAN_TRAIL_SECRET_LEN])
{
    char *path = xasprintf("%s/sensor.secret", store_dir);
    int rc = read_exact(path, secret, LAN_TRAIL_SECRET_LEN);
    if (rc != -ENOENT) {
        free(path);
        return rc;
    }
    /* Made under another name, then linked: whoever links first wins, and
     * nobody reads a half-written secret. */
    char *tmp = xasprintf("%s.%d.%lld", path, (int)getpid(), util_mono_us());
    unsigned char fresh[LAN_TRAIL_SECRET_LEN];
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
    } else {
        rc = RAND_bytes(fresh, sizeof(fresh)) == 1 &&
                     write(fd, fresh, sizeof(fresh)) == (ssize_t)sizeof(fresh) && fsync(fd) == 0
                 ? 0
                 : -EIO;
        close(fd);
        if (rc == 0 && link(tmp, path) < 0 && errno != EEXIST)
            rc = -errno;
        unlink(tmp);
        if (rc == 0)
            rc = read_exact(path, secret, LAN_TRAIL_SECRET_LEN);
    }
    OPENSSL_cleanse(fresh, sizeof(fresh));
    free(tmp);
    free(path);
    return rc;
}

/* ---- OpenSSH's wire encoding and key file ---- */

static int put_u32(struct buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    return buf_append(b, p, 4);
}

static int put_str(struct buf *b, const void *p, size_t n)
{
    return put_u32(b, (uint32_t)n) < 0 ? -ENOBUFS : buf_append(b, p, n);
}

static int put_cstr(struct buf *b, const char *s)
{
    return put_str(b, s, strlen(s));
}

/* BN_bn2mpi's format is SSH's mpint: a 4-byte length, then big-endian bytes
 * with a leading zero when the top bit is set. */
static int put_mpint(struct buf *b, const BIGNUM *bn)
{
    int n = BN_bn2mpi(bn, NULL);
    unsigned char *p = n > 0 ? xmalloc((size_t)n) : NULL;
    int rc = p && BN_bn2mpi(bn, p) == n ? buf_append(b, p, (size_t)n) : -EINVAL;
    if (p)
        OPENSSL_cleanse(p, (size_t)n);
    free(p);
    return rc;
}

static char *base64(const void *p, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* The key file of a key whose public blob is pub and whose private fields
 * (after its type name) are priv: "openssh-key-v1", no cipher, one key. The
 * check integers are derived from the public key so that the same key gives
 * the same file. */
static char *key_file(const char *type, const struct buf *pub, const struct buf *priv,
                      const char *comment)
{
    struct buf sec, all;
    unsigned char md[32];
    unsigned mdlen = 0;
    char *text = NULL;
    buf_init(&sec, KEY_TEXT_MAX);
    buf_init(&all, KEY_TEXT_MAX);
    if (EVP_Digest(pub->data, pub->len, md, &mdlen, EVP_sha256(), NULL) != 1)
        goto out;
    uint32_t check = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
    /* The check integer twice: a reader's test of the passphrase. */
    unsigned char checks[8];
    for (int i = 0; i < 8; i++)
        checks[i] = (unsigned char)(check >> (24 - 8 * (i % 4)));
    if (buf_append(&sec, checks, 8) < 0 || put_cstr(&sec, type) < 0 ||
        buf_append(&sec, priv->data, priv->len) < 0 || put_cstr(&sec, comment) < 0)
        goto out;
    for (unsigned char pad = 1; sec.len % 8; pad++)
        if (buf_append(&sec, &pad, 1) < 0)
            goto out;
    if (buf_append(&all, "openssh-key-v1", 15) < 0 || put_cstr(&all, "none") < 0 ||
        put_cstr(&all, "none") < 0 || put_cstr(&all, "") < 0 || put_u32(&all, 1) < 0 ||
        put_str(&all, pub->data, pub->len) < 0 || put_str(&all, sec.data, sec.len) < 0)
        goto out;
    char *b64 = base64(all.data, all.len);
    struct buf t;
    buf_init(&t, (size_t)KEY_TEXT_MAX * 2);
    int rc = buf_appendf(&t, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (size_t off = 0, len = strlen(b64); rc == 0 && off < len; off += 70)
        rc = buf_appendf(&t, "%.70s\n", b64 + off);
    if (rc == 0 && buf_appendf(&t, "-----END OPENSSH PRIVATE KEY-----\n") == 0)
        text = buf_steal(&t);
    buf_free(&t);
    OPENSSL_cleanse(b64, strlen(b64));
    free(b64);
out:
    if (sec.data)
        OPENSSL_cleanse(sec.data, sec.len);
    if (all.data)
        OPENSSL_cleanse(all.data, all.len);
    buf_free(&sec);
    buf_free(&all);
    return text;
}

static char *pub_line(const char *type, const struct buf *pub)
{
    char *b64 = base64(pub->data, pub->len);
    char *line = xasprintf("%s %s", type, b64);
    free(b64);
    return line;
}

static void hmac_sha256(const unsigned char *key, size_t keylen, const void *msg, size_t n,
                        unsigned char out[32])
{
    unsigned len = 32;
    if (!HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &len))
        abort();
}

int lan_trail_hostkey(const unsigned char secret[LAN_TRAIL_SECRET_LEN], const char *hn,
                      const char *ip, const char *comment, struct lan_trail_key *out)
{
    unsigned char seed[32], pk[32], sk[64];
    size_t pklen = sizeof(pk);
    struct buf msg, pub, priv;
    int rc = -EIO;
    buf_init(&msg, 1024);
    buf_init(&pub, 1024);
    buf_init(&priv, 1024);
    memset(out, 0, sizeof(*out));
    if (buf_append(&msg, "hostkey", 8) < 0 || buf_append(&msg, hn, strlen(hn) + 1) < 0 ||
        buf_append(&msg, ip, strlen(ip)) < 0) {
        rc = -EINVAL;
        goto out;
    }
    hmac_sha256(secret, LAN_TRAIL_SECRET_LEN, msg.data, msg.len, seed);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
    if (!k)
        goto out;
    int ok = EVP_PKEY_get_raw_public_key(k, pk, &pklen) == 1 && pklen == sizeof(pk);
    EVP_PKEY_free(k);
    if (!ok)
        goto out;
    /* OpenSSH keeps the seed and the public key as its 64-byte secret key. */
    memcpy(sk, seed, 32);
    memcpy(sk + 32, pk, 32);
    if (put_cstr(&pub, "ssh-ed25519") < 0 || put_str(&pub, pk, 32) < 0 ||
        put_str(&priv, pk, 32) < 0 || put_str(&priv, sk, 64) < 0)
        goto out;
    out->priv = key_file("ssh-ed25519", &pub, &priv, comment);
    out->pub = pub_line("ssh-ed25519", &pub);
    rc = out->priv ? 0 : -ENOBUFS;
    if (rc < 0)
        lan_trail_key_free(out);
out:
    OPENSSL_cleanse(seed, sizeof(seed));
    OPENSSL_cleanse(sk, sizeof(sk));
    if (priv.data)
        OPENSSL_cleanse(priv.data, priv.len);
    buf_free(&msg);
    buf_free(&pub);
    buf_free(&priv);
    return rc;
}

/* A new RSA 3072 key's file. */
static char *rsa_file(const char *comment)
{
    EVP_PKEY *k = EVP_RSA_gen(3072);
    const char *names[] = {OSSL_PKEY_PARAM_RSA_N,       OSSL_PKEY_PARAM_RSA_E,
                           OSSL_PKEY_PARAM_RSA_D,       OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
                           OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2};
    BIGNUM *bn[6] = {0}; /* n e d iqmp p q */
    struct buf pub, priv;
    char *text = NULL;
    buf_init(&pub, KEY_TEXT_MAX);
    buf_init(&priv, KEY_TEXT_MAX);
    bool ok = k != NULL;
    for (int i = 0; i < 6 && ok; i++)
        ok = EVP_PKEY_get_bn_param(k, names[i], &bn[i]) == 1;
    /* Public: e, n; private: n, e, d, iqmp (q⁻¹ mod p, OpenSSL's first
     * coefficient), p, q. */
    if (ok && put_cstr(&pub, "ssh-rsa") == 0 && put_mpint(&pub, bn[1]) == 0 &&
        put_mpint(&pub, bn[0]) == 0 && put_mpint(&priv, bn[0]) == 0 &&
        put_mpint(&priv, bn[1]) == 0 && put_mpint(&priv, bn[2]) == 0 &&
        put_mpint(&priv, bn[3]) == 0 && put_mpint(&priv, bn[4]) == 0 &&
        put_mpint(&priv, bn[5]) == 0)
        text = key_file("ssh-rsa", &pub, &priv, comment);
    for (int i = 0; i < 6; i++)
        BN_clear_free(bn[i]);
    EVP_PKEY_free(k);
    if (priv.data)
        OPENSSL_cleanse(priv.data, priv.len);
    buf_free(&pub);
    buf_free(&priv);
    return text;
}

char *lan_trail_dir(const char *store_dir, const char *hn)
{
    char *d = xasprintf("%s/trails/%s", store_dir, hn);
    for (char *p = d + strlen(store_dir) + 8; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-", *p)) ||
            (p[0] == '.' && p[-1] == '/'))
            *p = '_';
    return d;
}

static int read_text(const char *path, char **out)
{
    struct buf b;
    char chunk[4096];
    ssize_t n;
    int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    buf_init(&b, KEY_TEXT_MAX);
    while (rc == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0)
        rc = n < 0 ? -errno : buf_append(&b, chunk, (size_t)n);
    close(fd);
    if (rc == 0 && buf_append(&b, "", 1) < 0)
        rc = -EFBIG;
    if (rc == 0)
        *out = b.data ? buf_steal(&b) : xstrdup("");
    buf_free(&b);
    return rc;
}

/* The public line of the private key text priv, read by libssh. */
static int public_of(const char *priv, char **out)
{
    ssh_key key = NULL;
    char *b64 = NULL;
    int rc = -EPROTO;
    if (ssh_pki_import_privkey_base64(priv, NULL, NULL, NULL, &key) == SSH_OK &&
        ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK) {
        *out = xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(key)), b64);
        rc = 0;
    }
    ssh_string_free_char(b64);
    ssh_key_free(key);
    return rc;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            rc = -errno;
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

int lan_trail_userkey(const char *store_dir, const char *hn, struct lan_trail_key *out)
{
    char *dir = lan_trail_dir(store_dir, hn), *path = xasprintf("%s/id_rsa", dir);
    char *text = NULL;
    memset(out, 0, sizeof(*out));
    int rc = read_text(path, &text);
    if (rc == -ENOENT) {
        /* Made here, then linked: the first one linked is the honeynet's. */
        char *tmp = xasprintf("%s.%d.%lld", path, (int)getpid(), util_mono_us());
        char *made = rsa_file(LAN_TRAIL_KEY_COMMENT);
        int fd = -1;
        rc = !made ? -EIO : mkdir_p(dir, 0700);
        if (rc == 0 && (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
            rc = -errno;
        if (rc == 0) {
            size_t len = strlen(made);
            rc = write(fd, made, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -EIO;
        }
        if (fd >= 0)
            close(fd);
        if (rc == 0 && link(tmp, path) < 0 && errno != EEXIST)
            rc = -errno;
        unlink(tmp);
        if (made)
            OPENSSL_cleanse(made, strlen(made));
        free(made);
        free(tmp);
        if (rc == 0)
            rc = read_text(path, &text);
    }
    if (rc == 0 && (rc = public_of(text, &out->pub)) == 0)
        out->priv = text;
    else
        free(text);
    free(path);
    free(dir);
    return rc;
}

int lan_trail_remove(const char *store_dir, const char *hn)
{
    char *dir = lan_trail_dir(store_dir, hn);
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
            rc = -errno;
    if (d)
        closedir(d);
    if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
        rc = -errno;
    free(dir);
    return rc;
}

void lan_trail_key_free(struct lan_trail_key *k)
{
    if (k->priv)
        OPENSSL_cleanse(k->priv, strlen(k->priv));
    free(k->priv);
    free(k->pub);
    k->priv = k->pub = NULL;
}

/* ---- the files ---- */

/* The planned hosts the trails of self name, in order: the others, from
 * after self in the plan (the gateway, not in it: from the first). */
static size_t named(const struct lan_plan *plan, uint32_t self, const struct lan_host **out,
                    size_t max)
{
    size_t start = 0, n = 0;
    for (size_t i = 0; i < plan->count; i++)
        if (plan->hosts[i].ip == self)
            start = i + 1;
    for (size_t k = 0; k < plan->count && n < max; k++) {
        const struct lan_host *h = &plan->hosts[(start + k) % plan->count];
        if (h->ip != self)
            out[n++] = h;
    }
    return n;
}

/* The first named host whose hostname starts with prefix, else the first. */
static const struct lan_host *by_role(const struct lan_host **h, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(h[i]->hostname, prefix, strlen(prefix)) == 0)
            return h[i];
    return h[0];
}

char *lan_trail_hosts(const struct lan_plan *plan, uint32_t self)
{
    const struct lan_host *h[NAMED_MAX];
    size_t n = named(plan, self, h, NAMED_MAX);
    struct buf b;
    buf_init(&b, FILE_MAX);
    for (size_t i = 0; i < n; i++) {
        char ip[UTIL_IPV4_LEN];
        util_ipv4_format(h[i]->ip, ip);
        if (buf_appendf(&b, "%s\t%s\n", ip, h[i]->hostname) < 0)
            break;
    }
    return b.data ? buf_steal(&b) : xstrdup("");
}

/* A hashed known_hosts name, as HashKnownHosts writes it: "|1|" salt "|"
 * HMAC-SHA1(salt, name), both in base64; the salt derived from the secret
 * (the file is the same every time it is made). */
static char *hashed(const unsigned char *secret, const char *hn, uint32_t self, const char *name)
{
    unsigned char salt[32], mac[20];
    unsigned maclen = sizeof(mac);
    char *msg = xasprintf("knownhosts-salt/%s/%08x/%s", hn, self, name);
    hmac_sha256(secret, LAN_TRAIL_SECRET_LEN, msg, strlen(msg), salt);
    free(msg);
    if (!HMAC(EVP_sha1(), salt, 20, (const unsigned char *)name, strlen(name), mac, &maclen))
        abort();
    char *s = base64(salt, 20), *m = base64(mac, 20);
    char *out = xasprintf("|1|%s|%s", s, m);
    free(s);
    free(m);
    return out;
}

static int add(struct lan_trail_set *s, const char *path, char *data, mode_t mode, uid_t uid)
{
    if (!data)
        return -ENOBUFS;
    if (s->n == LAN_TRAIL_FILES_MAX) {
        free(data);
        return -ENOSPC;
    }
    s->files[s->n++] = (struct lan_trail_file){path, data, mode, uid};
    return 0;
}

static char *history(const struct lan_host **h, size_t n, bool root)
{
    char ip[UTIL_IPV4_LEN], dbip[UTIL_IPV4_LEN];
    const struct lan_host *db = by_role(h, n, "db"), *bk = by_role(h, n, "backup");
    const struct lan_host *fs = by_role(h, n, "fs"), *web = by_role(h, n, "web");
    struct buf b;
    util_ipv4_format(h[0]->ip, ip);
    util_ipv4_format(db->ip, dbip);
    buf_init(&b, FILE_MAX);
    int rc = buf_appendf(
        &b,
        "ls -la\ndf -h\nssh %s\nexit\nssh admin@%s\nuptime\n"
        "mysql -h %s -u app -p\nmysql -h %s -u root -p -e 'show databases;'\n"
        "tar czf /tmp/etc-backup.tgz /etc\nscp /tmp/etc-backup.tgz admin@%s:/srv/backup/\n"
        "scp admin@%s:/var/www/html/config.php .\nssh %s 'uptime; df -h'\n",
        web->hostname, ip, dbip, db->hostname, bk->hostname, web->hostname, fs->hostname);
    if (rc == 0 && root)
        rc = buf_appendf(&b,
                         "apt update\napt upgrade -y\nssh -i /root/.ssh/id_rsa admin@%s\n"
                         "systemctl status ssh\n",
                         fs->hostname);
    else if (rc == 0)
        rc = buf_appendf(&b, "cat .ssh/config\nssh %s\nvi .ssh/config\nhistory\n", db->hostname);
    char *text = rc == 0 && b.data ? buf_steal(&b) : NULL;
    buf_free(&b);
    return text;
}

int lan_trail_files(const struct lan_plan *plan, const char *hn, uint32_t self,
                    const unsigned char secret[LAN_TRAIL_SECRET_LEN],
                    const struct lan_trail_key *user, bool decoy, struct lan_trail_set *out)
{
    const struct lan_host *h[NAMED_MAX];
    size_t n = named(plan, self, h, NAMED_MAX);
    struct buf kh, khr, cfg;
    int rc = 0;
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return -ENOENT;
    buf_init(&kh, FILE_MAX);
    buf_init(&khr, FILE_MAX);
    buf_init(&cfg, FILE_MAX);
    rc = buf_appendf(&cfg, "HashKnownHosts no\n");
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ip[UTIL_IPV4_LEN];
        struct lan_trail_key k;
        util_ipv4_format(h[i]->ip, ip);
        if ((rc = lan_trail_hostkey(secret, hn, ip, "", &k)) < 0)
            break;
        char *hname = hashed(secret, hn, self, h[i]->hostname), *hip = hashed(secret, hn, self, ip);
        rc = buf_appendf(&kh, "%s,%s %s\n", h[i]->hostname, ip, k.pub);
        if (rc == 0)
            rc = buf_appendf(&khr, "%s %s\n%s %s\n", hname, k.pub, hip, k.pub);
        if (rc == 0 && i < CONFIG_MAX)
            rc = buf_appendf(&cfg,
                             "\nHost %s\n    HostName %s\n    User admin\n"
                             "    IdentityFile ~/.ssh/id_rsa\n",
                             h[i]->hostname, ip);
        free(hname);
        free(hip);
        lan_trail_key_free(&k);
    }
    char *conf = rc == 0 && cfg.data ? xstrdup(cfg.data) : NULL;
    /* root's config: the same hosts, without the HashKnownHosts line (the
     * system's default, yes, stays). */
    char *rconf = conf ? xstrdup(conf + strlen("HashKnownHosts no\n\n")) : NULL;
    char *pubc = xasprintf("%s %s\n", user->pub, LAN_TRAIL_KEY_COMMENT);
    if (rc == 0)
        rc = add(out, "/home/admin/.ssh/known_hosts", kh.data ? buf_steal(&kh) : NULL, 0644,
                 LAN_TRAIL_ADMIN_UID);
    if (rc == 0)
        rc = add(out, "/home/admin/.ssh/config", conf, 0644, LAN_TRAIL_ADMIN_UID);
    else
        free(conf);
    /* Copied in with sudo cp, as on a sloppy server: root's and readable
     * by all (ssh takes a key of another owner whatever its mode). */
    if (rc == 0)
        rc = add(out, "/home/admin/.ssh/id_rsa", xstrdup(user->priv), 0644, 0);
    if (rc == 0)
        rc = add(out, "/home/admin/.ssh/id_rsa.pub", xstrdup(pubc), 0644, LAN_TRAIL_ADMIN_UID);
    if (rc == 0)
        rc = add(out, "/home/admin/.bash_history", history(h, n, false), 0644, LAN_TRAIL_ADMIN_UID);
    if (rc == 0)
        rc = add(out, "/root/.ssh/known_hosts", khr.data ? buf_steal(&khr) : NULL, 0600, 0);
    if (rc == 0)
        rc = add(out, "/root/.ssh/config", rconf, 0600, 0);
    else
        free(rconf);
    if (rc == 0)
        rc = add(out, "/root/.ssh/id_rsa", xstrdup(user->priv), 0600, 0);
    if (rc == 0)
        rc = add(out, "/root/.ssh/id_rsa.pub", xstrdup(pubc), 0644, 0);
    if (rc == 0)
        rc = add(out, "/root/.bash_history", history(h, n, true), 0600, 0);
    if (rc == 0 && decoy)
        rc = add(out, "/home/admin/.ssh/authorized_keys", xstrdup(pubc), 0600, LAN_TRAIL_ADMIN_UID);
    free(pubc);
    buf_free(&kh);
    buf_free(&khr);
    buf_free(&cfg);
    if (rc < 0)
        lan_trail_set_free(out);
    return rc;
}

static const struct {
    const char *path;
    mode_t mode;
    uid_t uid;
} dirs[] = {
    {"/home", 0755, 0},
    {"/home/admin", 0755, LAN_TRAIL_ADMIN_UID},
    {"/home/admin/.ssh", 0755, LAN_TRAIL_ADMIN_UID},
    {"/root", 0700, 0},
    {"/root/.ssh", 0700, 0},
};

/* The host's ids of the container's root under root: the owner of root
 * itself (0, or the start of the engine's range with user-namespace
 * remapping). */
static int id_base(const char *root, uid_t *uid, gid_t *gid)
{
    struct stat st;
    if (stat(root, &st) < 0)
        return -errno;
    *uid = st.st_uid;
    *gid = st.st_gid;
    return 0;
}

int lan_trail_dirs(const char *root)
{
    uid_t ub = 0;
    gid_t gb = 0;
    int rc = id_base(root, &ub, &gb);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc == 0; i++) {
        char *p = xasprintf("%s%s", root, dirs[i].path);
        if (mkdir(p, dirs[i].mode) == 0) {
            /* mkdir's mode is cut by the umask; the owner is the image's. */
            if (chmod(p, dirs[i].mode) < 0 || lchown(p, ub + dirs[i].uid, gb + dirs[i].uid) < 0)
                rc = -errno;
        } else if (errno != EEXIST) {
            rc = -errno;
        }
        free(p);
    }
    return rc;
}

int lan_trail_write(const char *root, const struct lan_trail_set *s)
{
    uid_t ub = 0;
    gid_t gb = 0;
    int rc = lan_trail_dirs(root);
    if (rc == 0)
        rc = id_base(root, &ub, &gb);
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        const struct lan_trail_file *f = &s->files[i];
        char *p = xasprintf("%s%s", root, f->path);
        /* Written over, then cut to length: ext4 flushes a file cut to
         * nothing and rewritten at its close (auto_da_alloc), tens of ms. */
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, f->mode);
        free(p);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        size_t len = strlen(f->data);
        if (write(fd, f->data, len) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
            rc = -EIO;
        else if (fchmod(fd, f->mode) < 0 || fchown(fd, ub + f->uid, gb + f->uid) < 0)
            rc = -errno;
        close(fd);
    }
    return rc;
}

void lan_trail_set_free(struct lan_trail_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        OPENSSL_cleanse(s->files[i].data, strlen(s->files[i].data));
        free(s->files[i].data);
    }
    s->n = 0;
}
