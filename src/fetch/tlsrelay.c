/* fetch tlsrelay: see tlsrelay.h. */
#include "fetch/tlsrelay.h"

#include "common/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DIAL_MS 10000
/* The fetcher's own handshake, for the certificate. */
#define PROBE_S 5
#define PIPE_BUF_BYTES 16384

static void seterr(struct fetch_tls_relay_result *out, const char *what)
{
    snprintf(out->error, sizeof(out->error), "%s", what);
}

/* A non-blocking TCP connection to ip:port, or -errno. */
static int dial(uint32_t ip, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(ip);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        int e = -errno;
        close(fd);
        return e;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int soerr = ETIMEDOUT;
    socklen_t sl = sizeof(soerr);
    if (poll(&p, 1, DIAL_MS) == 1)
        (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
        close(fd);
        return -soerr;
    }
    return fd;
}

/* The first allowed IPv4 address name has here, or 0. */
static uint32_t lookup(const char *name, const struct fetch_tls_relay_req *r)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    uint32_t ip = 0;
    if (!name[0] || getaddrinfo(name, NULL, &hints, &res) != 0)
        return 0;
    for (struct addrinfo *a = res; a && !ip; a = a->ai_next) {
        uint32_t cand = ntohl(((struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr);
        if (fetch_addr_allowed(cand, r->pool_net, r->pool_mask, r->local))
            ip = cand;
    }
    freeaddrinfo(res);
    return ip;
}

static void bio_text(BIO *b, char *out, size_t n)
{
    int got = BIO_read(b, out, (int)n - 1);
    out[got > 0 ? got : 0] = '\0';
}

static void describe_cert(X509 *x, struct fetch_tls_cert *c)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    BIO *b = BIO_new(BIO_s_mem());
    if (b) {
        X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
        bio_text(b, c->subject, sizeof(c->subject));
        (void)BIO_reset(b);
        X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
        bio_text(b, c->issuer, sizeof(c->issuer));
        (void)BIO_reset(b);
        ASN1_TIME_print(b, X509_get0_notAfter(x));
        bio_text(b, c->not_after, sizeof(c->not_after));
        BIO_free(b);
    }
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
        for (unsigned i = 0; i < mdlen && i < 32; i++)
            snprintf(c->sha256 + (size_t)2 * i, 3, "%02x", md[i]);
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_DNS)
            continue;
        int len = ASN1_STRING_length(g->d.dNSName);
        const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
        if (len <= 0 || used + (size_t)len + 2 > sizeof(c->san))
            break;
        if (used)
            c->san[used++] = ',';
        memcpy(c->san + used, s, (size_t)len);
        used += (size_t)len;
        c->san[used] = '\0';
    }
    GENERAL_NAMES_free(names);
    c->got = true;
}

/* The server's certificate, from a handshake of the fetcher's own (not
 * verified: whatever the server shows is what is recorded). */
static void probe_cert(uint32_t ip, uint16_t port, const char *sni, struct fetch_tls_cert *c)
{
    int fd = dial(ip, port);
    if (fd < 0)
        return;
    struct timeval tv = {.tv_sec = PROBE_S};
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s = ctx ? SSL_new(ctx) : NULL;
    if (s) {
        /* Malware's servers are often old or self-made: shown all the same. */
        SSL_CTX_set_security_level(ctx, 0);
        SSL_set_verify(s, SSL_VERIFY_NONE, NULL);
        SSL_set_fd(s, fd);
        if (sni[0])
            (void)SSL_set_tlsext_host_name(s, sni);
        if (SSL_connect(s) == 1) {
            X509 *x = SSL_get1_peer_certificate(s);
            if (x) {
                describe_cert(x, c);
                X509_free(x);
            }
        }
        SSL_free(s);
    }
    SSL_CTX_free(ctx);
    close(fd);
}

/* One direction of the relay. */
struct pipe {
    int from, to;
    uint8_t buf[PIPE_BUF_BYTES];
    size_t len, off;
    bool eof;
    long long count, cap; /* cap < 0: none */
};

/* Reads what from has (up to the cap): 1 moved, 0 nothing yet, -1 ended
 * (eof or error; eof set), -2 past the cap. */
static int pipe_read(struct pipe *p)
{
    size_t room = sizeof(p->buf);
    if (p->cap >= 0 && (long long)room > p->cap - p->count + 1)
        room = (size_t)(p->cap - p->count + 1); /* one more byte tells "past" */
    ssize_t n = recv(p->from, p->buf, room, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) {
        p->eof = true;
        shutdown(p->to, SHUT_WR);
        return -1;
    }
    if (p->cap >= 0 && p->count + n > p->cap) {
        n = (ssize_t)(p->cap - p->count);
        p->len = (size_t)n;
        p->off = 0;
        return -2;
    }
    p->len = (size_t)n;
    p->off = 0;
    return 1;
}

/* Writes what is held: 0, or -1 when to is gone. */
static int pipe_write(struct pipe *p)
{
    while (p->off < p->len) {
        ssize_t n = send(p->to, p->buf + p->off, p->len - p->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        p->off += (size_t)n;
        p->count += n;
    }
    p->len = p->off = 0;
    return 0;
}

static void relay(const struct fetch_tls_relay_req *r, int server,
                  struct fetch_tls_relay_result *out)
{
    struct pipe up = {.from = r->client, .to = server, .cap = -1};
    struct pipe down = {.from = server, .to = r->client, .cap = r->max_bytes};
    size_t first = r->first_len < sizeof(up.buf) ? r->first_len : sizeof(up.buf);
    memcpy(up.buf, r->first, first);
    up.len = first;
    (void)fcntl(r->client, F_SETFL, fcntl(r->client, F_GETFL) | O_NONBLOCK);
    long long start = util_mono_us(), last = start;
    bool cut = false;
    while (!(up.eof && down.eof) && !*r->stop) {
        long long now = util_mono_us();
        if (now - start > FETCH_GET_TIMEOUT_S * 1000000LL) {
            seterr(out, "time cap");
            break;
        }
        if (now - last > FETCH_TLS_IDLE_S * 1000000LL) {
            seterr(out, "idle");
            break;
        }
        struct pollfd pf[2] = {{.fd = r->client}, {.fd = server}};
        if (!up.eof && !up.len)
            pf[0].events |= POLLIN;
        if (down.len)
            pf[0].events |= POLLOUT;
        if (!down.eof && !down.len && !cut)
            pf[1].events |= POLLIN;
        if (up.len)
            pf[1].events |= POLLOUT;
        if (!pf[0].events && !pf[1].events)
            break; /* cut, and the rest written */
        if (poll(pf, 2, 1000) <= 0)
            continue;
        last = util_mono_us();
        bool gone = false;
        for (int k = 0; k < 2; k++) {
            struct pipe *p = k ? &down : &up;
            if (!p->len && !p->eof && !(k && cut) &&
                (pf[k].revents & (POLLIN | POLLHUP | POLLERR))) {
                int rc = pipe_read(p);
                if (rc == -2) {
                    cut = true;
                    out->truncated = true;
                }
            }
            if (p->len && pipe_write(p) < 0)
                gone = true;
        }
        if (gone || (cut && !down.len))
            break;
    }
    out->up = up.count;
    out->down = down.count;
}

int fetch_tls_relay(const struct fetch_tls_relay_req *r, struct fetch_tls_relay_result *out)
{
    *out = (struct fetch_tls_relay_result){0};
    uint32_t ip = r->dst ? r->dst : lookup(r->sni, r);
    if (!ip) {
        seterr(out, r->sni[0] ? "name not resolved" : "no name to resolve");
        return -EHOSTUNREACH;
    }
    util_ipv4_format(ip, out->ip);
    if (!fetch_addr_allowed(ip, r->pool_net, r->pool_mask, r->local)) {
        seterr(out, "address not allowed");
        return -EPERM;
    }
    probe_cert(ip, r->dst_port, r->sni, &out->cert);
    int server = dial(ip, r->dst_port);
    if (server < 0) {
        char e[64];
        seterr(out, util_strerror(-server, e, sizeof(e)));
        return server;
    }
    out->relayed = true;
    relay(r, server, out);
    close(server);
    return 0;
}
