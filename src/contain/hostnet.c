/* contain hostnet: the host's networks and honeynet ports over rtnetlink
 * (see hostnet.h). */
#include "contain/hostnet.h"

#include "common/util.h"
#include "contain/firewall.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Newer than the installed headers (Linux 6.8). */
#define KK_IFLA_BR_FDB_MAX_LEARNED 49
#define HOSTNET_LINKS 1024
#define NL_BUF 32768

struct link {
    int index, master, peer; /* peer: IFLA_LINK, in netns nsid */
    int nsid;                /* -1: none */
    bool bridge;
    char name[IF_NAMESIZE];
};

static int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int one = 1;
    struct timeval tv = {2, 0};
    if (fd < 0)
        return -errno;
    /* Strict: a dump honours its filters (IFA_TARGET_NETNSID, ifa_index). */
    if (setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

static void put_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

typedef void (*nl_fn)(const struct nlmsghdr *h, void *ud);

/* Sends req and hands every answer to fn until the dump (or ack) ends. */
static int nl_talk(int fd, struct nlmsghdr *req, nl_fn fn, void *ud)
{
    static unsigned seq;
    char buf[NL_BUF] __attribute__((aligned(4)));
    req->nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    if (send(fd, req, req->nlmsg_len, 0) < 0)
        return -errno;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != req->nlmsg_seq)
                continue;
            if (h->nlmsg_type == NLMSG_DONE)
                return 0;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                return e->error;
            }
            if (fn)
                fn(h, ud);
        }
    }
}

struct links {
    struct link l[HOSTNET_LINKS];
    size_t n;
};

static void on_link(const struct nlmsghdr *h, void *ud)
{
    struct links *ls = ud;
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWLINK || ls->n == HOSTNET_LINKS)
        return;
    struct link *l = &ls->l[ls->n];
    *l = (struct link){.index = ifi->ifi_index, .nsid = -1};
    int len = (int)IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        size_t alen = RTA_PAYLOAD(a);
        if (a->rta_type == IFLA_IFNAME && alen <= IF_NAMESIZE)
            snprintf(l->name, IF_NAMESIZE, "%.*s", (int)alen, (const char *)RTA_DATA(a));
        else if (a->rta_type == IFLA_MASTER && alen == 4)
            memcpy(&l->master, RTA_DATA(a), 4);
        else if (a->rta_type == IFLA_LINK && alen == 4)
            memcpy(&l->peer, RTA_DATA(a), 4);
        else if (a->rta_type == IFLA_LINK_NETNSID && alen == 4)
            memcpy(&l->nsid, RTA_DATA(a), 4);
        else if (a->rta_type == IFLA_LINKINFO) {
            int ilen = (int)alen;
            for (struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
                if (i->rta_type == IFLA_INFO_KIND && RTA_PAYLOAD(i) >= 6 &&
                    memcmp(RTA_DATA(i), "bridge", 6) == 0)
                    l->bridge = true;
        }
    }
    ls->n++;
}

static int dump_links(int fd, struct links *ls)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                   .nlmsg_type = RTM_GETLINK,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
             .i = {.ifi_family = AF_UNSPEC}};
    ls->n = 0;
    return nl_talk(fd, &req.h, on_link, ls);
}

#define WANT_MAX 64

/* Interfaces by index. */
struct want {
    int index[WANT_MAX];
    size_t n;
};

static bool wanted(const struct want *w, int index)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->index[i] == index)
            return true;
    return false;
}

static void want_add(struct want *w, int index)
{
    if (index > 0 && !wanted(w, index) && w->n < WANT_MAX)
        w->index[w->n++] = index;
}

/* Addresses, as prefixes, of the interfaces in want. */
struct addrs {
    const struct want *want; /* NULL: every interface */
    int only_index;          /* > 0: that interface only */
    uint32_t match;          /* counts addresses equal to it */
    unsigned matched;
    struct contain_prefix *out;
    size_t max, n;
};

static void add_prefix(struct addrs *as, uint32_t a, unsigned len)
{
    uint32_t mask = util_ipv4_mask(len);
    struct contain_prefix p = {a & mask, len};
    for (size_t i = 0; i < as->n; i++)
        if (as->out[i].net == p.net && as->out[i].len == p.len)
            return;
    if (as->n < as->max)
        as->out[as->n++] = p;
}

static void on_addr(const struct nlmsghdr *h, void *ud)
{
    struct addrs *as = ud;
    const struct ifaddrmsg *ifa = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
        return;
    if (as->only_index > 0 && (int)ifa->ifa_index != as->only_index)
        return;
    if (as->want && !wanted(as->want, (int)ifa->ifa_index))
        return;
    int len = (int)IFA_PAYLOAD(h);
    for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        uint32_t v;
        if ((a->rta_type != IFA_LOCAL && a->rta_type != IFA_ADDRESS) || RTA_PAYLOAD(a) != 4)
            continue;
        memcpy(&v, RTA_DATA(a), 4);
        v = ntohl(v);
        if (a->rta_type == IFA_ADDRESS && as->out)
            add_prefix(as, v, ifa->ifa_prefixlen);
        if (a->rta_type == IFA_LOCAL && v == as->match)
            as->matched++;
    }
}

/* Dumps the IPv4 addresses of netns nsid (-1: this one). */
static int dump_addrs(int fd, int nsid, int index, struct addrs *as)
{
    struct {
        struct nlmsghdr h;
        struct ifaddrmsg a;
        char attrs[16];
    } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                   .nlmsg_type = RTM_GETADDR,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
             .a = {.ifa_family = AF_INET, .ifa_index = (unsigned)(index > 0 ? index : 0)}};
    if (nsid >= 0)
        put_attr(&req.h, IFA_TARGET_NETNSID, &nsid, sizeof(nsid));
    as->only_index = index;
    return nl_talk(fd, &req.h, on_addr, as);
}

static void on_route(const struct nlmsghdr *h, void *ud)
{
    struct want *d = ud;
    const struct rtmsg *rt = NLMSG_DATA(h);
    if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST)
        return;
    int len = (int)RTM_PAYLOAD(h);
    for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        int oif;
        if (a->rta_type != RTA_OIF || RTA_PAYLOAD(a) != 4)
            continue;
        memcpy(&oif, RTA_DATA(a), 4);
        want_add(d, oif);
    }
}

int contain_hostnet_networks(struct contain_prefix *out, size_t max, size_t *n)
{
    static struct links ls; /* large: not on the stack */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct {
        struct nlmsghdr h;
        struct rtmsg r;
    } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                   .nlmsg_type = RTM_GETROUTE,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
             .r = {.rtm_family = AF_INET}};
    int fd = nl_open(), rc;
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&lock);
    struct want w = {.n = 0};
    if ((rc = nl_talk(fd, &req.h, on_route, &w)) < 0 || (rc = dump_links(fd, &ls)) < 0)
        goto out;
    for (size_t i = 0; i < ls.n; i++)
        if (ls.l[i].bridge &&
            strncmp(ls.l[i].name, CONTAIN_BRIDGE_PREFIX, strlen(CONTAIN_BRIDGE_PREFIX)) != 0)
            want_add(&w, ls.l[i].index);
    struct addrs as = {.want = &w, .out = out, .max = max};
    if ((rc = dump_addrs(fd, -1, 0, &as)) < 0)
        goto out;
    *n = as.n;
out:
    pthread_mutex_unlock(&lock);
    close(fd);
    return rc;
}

int contain_hostnet_port(uint32_t ip, char port[IF_NAMESIZE])
{
    static struct links ls;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    char bridge[IF_NAMESIZE], found[IF_NAMESIZE] = "";
    unsigned matches = 0;
    contain_bridge_name(ip & 0xffffff00u, bridge);
    int fd = nl_open(), rc;
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&lock);
    if ((rc = dump_links(fd, &ls)) < 0)
        goto out;
    int br = 0;
    for (size_t i = 0; i < ls.n; i++)
        if (strcmp(ls.l[i].name, bridge) == 0)
            br = ls.l[i].index;
    for (size_t i = 0; br && i < ls.n; i++) {
        const struct link *l = &ls.l[i];
        if (l->master != br || l->nsid < 0 || l->peer <= 0)
            continue;
        struct addrs as = {.match = ip};
        if (dump_addrs(fd, l->nsid, l->peer, &as) == 0 && as.matched) {
            matches++;
            snprintf(found, sizeof(found), "%s", l->name);
        }
    }
    rc = matches == 1 ? 0 : matches ? -EEXIST : -ENOENT;
    if (rc == 0)
        snprintf(port, IF_NAMESIZE, "%s", found);
out:
    pthread_mutex_unlock(&lock);
    close(fd);
    return rc;
}

static int write_sysctl(const char *bridge, const char *key, const char *value)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", bridge, key);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t len = strlen(value);
    int rc = fd >= 0 && write(fd, value, len) == (ssize_t)len ? 0 : -errno;
    if (fd >= 0)
        close(fd);
    return rc;
}

int contain_hostnet_harden(const char *bridge)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
        char attrs[64];
    } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                   .nlmsg_type = RTM_NEWLINK,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
             .i = {.ifi_family = AF_UNSPEC}};
    int rc;
    unsigned idx = if_nametoindex(bridge);
    if (!idx)
        return -ENODEV;
    if ((rc = write_sysctl(bridge, "arp_ignore", "1")) < 0 ||
        (rc = write_sysctl(bridge, "arp_announce", "2")) < 0)
        return rc;
    req.i.ifi_index = (int)idx;
    /* IFLA_LINKINFO { IFLA_INFO_KIND "bridge", IFLA_INFO_DATA { max } } */
    struct rtattr *info = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
    put_attr(&req.h, IFLA_LINKINFO, NULL, 0);
    put_attr(&req.h, IFLA_INFO_KIND, "bridge", 6);
    struct rtattr *data = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
    put_attr(&req.h, IFLA_INFO_DATA, NULL, 0);
    uint32_t max = CONTAIN_FDB_MAX;
    put_attr(&req.h, KK_IFLA_BR_FDB_MAX_LEARNED, &max, sizeof(max));
    data->rta_len = (unsigned short)((char *)&req + req.h.nlmsg_len - (char *)data);
    info->rta_len = (unsigned short)((char *)&req + req.h.nlmsg_len - (char *)info);
    int fd = nl_open();
    if (fd < 0)
        return fd;
    rc = nl_talk(fd, &req.h, NULL, NULL);
    close(fd);
    return rc;
}

unsigned contain_hostnet_harden_all(void)
{
    DIR *d = opendir("/sys/class/net");
    unsigned failed = 0;
    if (!d)
        return 1;
    for (struct dirent *e; (e = readdir(d));) {
        char path[300];
        snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", e->d_name);
        if (strncmp(e->d_name, CONTAIN_BRIDGE_PREFIX, strlen(CONTAIN_BRIDGE_PREFIX)) == 0 &&
            access(path, F_OK) == 0 && contain_hostnet_harden(e->d_name) < 0)
            failed++;
    }
    closedir(d);
    return failed;
}
