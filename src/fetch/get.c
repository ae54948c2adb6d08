/* fetch get: see get.h. */
#include "fetch/get.h"

#include "common/util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool fetch_addr_allowed(uint32_t ip, uint32_t pool_net, uint32_t pool_mask,
                        const struct fetch_local *local)
{
    static const struct {
        uint32_t net;
        unsigned bits;
    } refused[] = {
        {0x00000000u, 8},  /* this network */
        {0x0a000000u, 8},  /* private */
        {0x64400000u, 10}, /* shared (CGN) */
        {0x7f000000u, 8},  /* loopback */
        {0xa9fe0000u, 16}, /* link-local */
        {0xac100000u, 12}, /* private */
        {0xc0000000u, 24}, /* IETF protocol assignments */
        {0xc0a80000u, 16}, /* private */
        {0xc6120000u, 15}, /* benchmarking */
        {0xe0000000u, 4},  /* multicast */
        {0xf0000000u, 4},  /* reserved, broadcast */
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if ((ip & util_ipv4_mask(refused[i].bits)) == refused[i].net)
            return false;
    }
    if (pool_mask && (ip & pool_mask) == (pool_net & pool_mask))
        return false;
    for (size_t i = 0; local && i < local->n; i++)
        if (ip == local->net[i] || (ip & local->mask[i]) == (local->net[i] & local->mask[i]))
            return false;
    return true;
}

void fetch_get_local(struct fetch_local *out)
{
    struct ifaddrs *ifa = NULL;
    out->n = 0;
    if (getifaddrs(&ifa) < 0)
        return;
    for (struct ifaddrs *i = ifa; i && out->n < sizeof(out->net) / sizeof(out->net[0]);
         i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        out->net[out->n] = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
        out->mask[out->n] = i->ifa_netmask
                                ? ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr)
                                : 0xffffffffu;
        out->n++;
    }
    freeifaddrs(ifa);
}

/* The most libcurl hands on_body at once. */
#define FETCH_GET_PIECE (256 * 1024)

struct ctx {
    const struct fetch_get_req *r;
    CURL *h;
    bool passed; /* r->pass has had the head */
    struct fetch_get_result *out;
    bool refused; /* an address was not allowed */
    size_t head;  /* bytes of response headers, redirects' included */
};

/* Every socket libcurl would open: only to an allowed address. */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct ctx *c = ud;
    (void)purpose;
    if (a->family != AF_INET || a->addrlen < sizeof(struct sockaddr_in)) {
        c->refused = true;
        return CURL_SOCKET_BAD;
    }
    uint32_t ip = ntohl(((struct sockaddr_in *)&a->addr)->sin_addr.s_addr);
    if (!fetch_addr_allowed(ip, c->r->pool_net, c->r->pool_mask, c->r->local)) {
        c->refused = true;
        return CURL_SOCKET_BAD;
    }
    util_ipv4_format(ip, c->out->ip);
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t on_body(char *d, size_t size, size_t n, void *ud)
{
    struct ctx *c = ud;
    size_t len = size * n;
    long long room = c->r->max_bytes - c->out->size;
    size_t keep = (long long)len > room ? (size_t)(room > 0 ? room : 0) : len;
    /* Passed on first: the client does not wait for the disk. */
    if (c->r->pass && keep) {
        struct fetch_get_head head = {.length = -1};
        curl_off_t cl = -1;
        char *ct = NULL;
        if (!c->passed) {
            curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &head.status);
            if (curl_easy_getinfo(c->h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK)
                head.content_type = ct;
            if (curl_easy_getinfo(c->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK)
                head.length = (long long)cl;
        }
        c->r->pass(c->r->pass_ud, c->passed ? NULL : &head, d, keep);
        c->passed = true;
    }
    for (size_t off = 0; off < keep;) {
        ssize_t w = write(c->out->fd, d + off, keep - off);
        if (w <= 0)
            return 0; /* the disk: stops the transfer */
        off += (size_t)w;
    }
    c->out->size += (long long)keep;
    if (keep < len) {
        c->out->truncated = true;
        return 0; /* not read further: CURLE_WRITE_ERROR, taken as cut */
    }
    return len;
}

static size_t on_header(char *d, size_t size, size_t n, void *ud)
{
    struct ctx *c = ud;
    (void)d;
    c->head += size * n;
    return c->head > FETCH_GET_HEAD_MAX ? 0 : size * n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct ctx *c = ud;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return c->r->stop && *c->r->stop;
}

int fetch_get(const struct fetch_get_req *r, struct fetch_get_result *out)
{
    *out = (struct fetch_get_result){.fd = -1};
    struct ctx c = {.r = r, .out = out};
    char connect_to[400];
    struct curl_slist *to = NULL;
    out->fd = open(r->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (out->fd < 0) {
        int e = errno;
        snprintf(out->error, sizeof(out->error), "cannot make a file in the store");
        return -e;
    }
    CURL *h = curl_easy_init();
    c.h = h;
    if (!h) {
        snprintf(out->error, sizeof(out->error), "libcurl");
        close(out->fd);
        out->fd = -1;
        return -ENOMEM;
    }
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,ftp,tftp");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_GET_REDIRECTS);
    curl_easy_setopt(h, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* the host's proxy settings are not ours */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)FETCH_GET_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_GET_SLOW_BYTES);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)FETCH_GET_SLOW_S);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &c);
    /* Fewer, larger pieces: one send to the client and one write to the
     * file for each (16 KB by default). */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)FETCH_GET_PIECE);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c);
    /* A malware server is not asked to prove who it is: what it serves is
     * the point. */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0); /* no limit: on_body cuts */
    if (r->username && *r->username) {
        curl_easy_setopt(h, CURLOPT_USERNAME, r->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, r->password ? r->password : "");
    }
    if (r->user_agent && *r->user_agent)
        curl_easy_setopt(h, CURLOPT_USERAGENT, r->user_agent);
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (r->connect_ip && u && curl_url_set(u, CURLUPART_URL, r->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        /* The URL's own host and port go to the address the client
         * connected to, whatever its name resolves to here (as the client
         * got it); a redirect elsewhere is resolved as usual. */
        char a[UTIL_IPV4_LEN];
        util_ipv4_format(r->connect_ip, a);
        snprintf(connect_to, sizeof(connect_to), "%.300s:%s:%s:%u", host, port, a,
                 (unsigned)r->connect_port);
        to = curl_slist_append(NULL, connect_to);
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, to);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    CURLcode rc = curl_easy_perform(h);
    char *ct = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && out->truncated)) {
        if (c.refused)
            snprintf(out->error, sizeof(out->error), "address not allowed");
        else if (c.head > FETCH_GET_HEAD_MAX)
            snprintf(out->error, sizeof(out->error), "headers too long");
        else if (rc == CURLE_ABORTED_BY_CALLBACK)
            snprintf(out->error, sizeof(out->error), "stopping");
        else
            snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(to);
    if (lseek(out->fd, 0, SEEK_SET) != 0) {
        close(out->fd);
        out->fd = -1;
    }
    /* A response that did not come whole (a redirect not followed, a cut
     * connection) is not the file. */
    if (out->error[0]) {
        if (out->fd >= 0)
            close(out->fd);
        out->fd = -1;
        return -EIO;
    }
    return 0;
}
