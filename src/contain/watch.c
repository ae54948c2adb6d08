/* contain watch: contain.blocked from the firewall's NFLOG (see watch.h). */
#include "contain/watch.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "event/event.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPEAT_WINDOW_US 10000000LL
#define RECENT_SLOTS 512
/* How often the firewall is checked (contain_fw_verify). */
#define FW_CHECK_US 3000000LL
#define FW_UNCHECKED_MAX_US 60000000LL /* a check that cannot run, tolerated this long */
/* Also the size of libpcap's receive buffer, which must hold a whole batch
 * of records from the kernel (the rules copy 128 bytes of each packet). */
#define SNAPLEN 65535
/* The kernel's queue for NFLOG records, beyond net.core.rmem_max (root): a
 * flood is read in bursts, and what does not fit is lost (counted below). */
#define RCVBUF_BYTES (8 << 20)

/* NFULA_* attribute types (linux/netfilter/nfnetlink_log.h). */
enum { NFLOG_INDEV = 4, NFLOG_PAYLOAD = 9, NFLOG_PREFIX = 10 };

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The transport part: port of TCP/UDP, type of ICMP. */
static void parse_l4(const uint8_t *p, size_t len, struct contain_logged *o)
{
    if ((o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP) && len >= 4) {
        o->has_port = true;
        o->dst_port = rd16(p + 2);
    } else if ((o->proto == IPPROTO_ICMP || o->proto == IPPROTO_ICMPV6) && len >= 1) {
        o->icmp_type = p[0];
    }
}

static int parse_ip(const uint8_t *p, size_t len, struct contain_logged *o)
{
    if (len < 1)
        return -EINVAL;
    if (p[0] >> 4 == 4) {
        size_t ihl = (size_t)(p[0] & 0xf) * 4;
        if (len < 20 || ihl < 20 || ihl > len)
            return -EINVAL;
        o->family = AF_INET;
        o->proto = p[9];
        o->src4 = rd32(p + 12);
        o->dst4 = rd32(p + 16);
        inet_ntop(AF_INET, p + 12, o->src, sizeof(o->src));
        inet_ntop(AF_INET, p + 16, o->dst, sizeof(o->dst));
        if ((rd16(p + 6) & 0x1fff) == 0) /* later fragments carry no header */
            parse_l4(p + ihl, len - ihl, o);
        return 0;
    }
    if (p[0] >> 4 == 6) {
        if (len < 40)
            return -EINVAL;
        o->family = AF_INET6;
        o->proto = p[6];
        inet_ntop(AF_INET6, p + 8, o->src, sizeof(o->src));
        inet_ntop(AF_INET6, p + 24, o->dst, sizeof(o->dst));
        parse_l4(p + 40, len - 40, o);
        return 0;
    }
    return -EINVAL;
}

int contain_nflog_parse(const uint8_t *p, size_t len, struct contain_logged *out)
{
    struct contain_logged o = {.icmp_type = -1};
    const uint8_t *payload = NULL;
    size_t payload_len = 0;

    if (len < 4 || p[1] != 0) /* family, version 0, resource id */
        return -EINVAL;
    for (size_t off = 4; off < len;) {
        uint16_t tlen, type;
        if (len - off < 4)
            return -EINVAL;
        memcpy(&tlen, p + off, 2);
        memcpy(&type, p + off + 2, 2);
        if (tlen < 4 || tlen > len - off)
            return -EINVAL;
        const uint8_t *v = p + off + 4;
        size_t vlen = tlen - 4u;
        if (type == NFLOG_PREFIX) {
            size_t n = strnlen((const char *)v, vlen);
            if (n >= sizeof(o.prefix))
                n = sizeof(o.prefix) - 1;
            memcpy(o.prefix, v, n);
            o.prefix[n] = '\0';
        } else if (type == NFLOG_INDEV && vlen >= 4) {
            o.indev = rd32(v);
        } else if (type == NFLOG_PAYLOAD) {
            payload = v;
            payload_len = vlen;
        }
        off += ((size_t)tlen + 3) & ~(size_t)3;
    }
    if (payload && parse_ip(payload, payload_len, &o) < 0)
        return -EINVAL;
    *out = o;
    return 0;
}

/* ---- the thread ---- */

struct recent {
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    uint8_t proto;
    int port; /* dst_port or ICMP type; -1 none */
    long long since_us;
    unsigned repeats;
    json_t *last; /* the event to send again with repeats, owned */
};

struct contain_watch {
    const struct config *cfg;
    long long fw_us;           /* when the firewall was last checked */
    long long fw_unchecked_us; /* since when checks could not run, 0: they can */
    struct event_pipeline *p;
    uint32_t lan_net, lan_mask;
    long long egress_bytes;
    contain_owner_fn owner;
    void *ud;
    pcap_t *pc;
    struct docker *d; /* NULL: honeynets named only through owner */
    struct {
        char bridge[IF_NAMESIZE], honeynet[64];
    } names[64];
    size_t nnames;
    long long names_us; /* when they were last read */
    int stop;
    pthread_t thread;
    struct recent recent[RECENT_SLOTS];
    unsigned long sock_inode;      /* of the NFLOG socket, in /proc/net/netlink */
    unsigned long long drops_seen; /* kernel drops already reported */
};

static const char *proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_ICMPV6:
        return "icmpv6";
    default:
        snprintf(buf, 8, "%u", (unsigned)proto);
        return buf;
    }
}

/* host: to the machine itself; honeynet: to another honeynet's LAN;
 * outside: anywhere else. */
static const char *rule_of(const struct contain_watch *w, const struct contain_logged *l)
{
    if (strcmp(l->prefix, CONTAIN_PREFIX_HOST) == 0)
        return "host";
    if (l->family == AF_INET && (l->dst4 & w->lan_mask) == w->lan_net)
        return "honeynet";
    return "outside";
}

/* The honeynet of a bridge, from the engine's networks (read again on a
 * miss, at most every 5 s): for when the responder, which knows the hosts
 * too, does not run. */
static bool honeynet_of_bridge(struct contain_watch *w, const char *bridge, char *out, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < w->nnames; i++)
            if (strcmp(w->names[i].bridge, bridge) == 0) {
                snprintf(out, n, "%s", w->names[i].honeynet);
                return true;
            }
        long long now = util_mono_us();
        if (pass || !w->d || now - w->names_us < 5000000LL)
            return false;
        w->names_us = now;
        json_t *f = json_pack("{s:[s]}", "label", "karakuri.honeynet"), *list = NULL, *it;
        size_t i;
        int rc = docker_network_list(w->d, f, &list);
        json_decref(f);
        if (rc < 0)
            return false;
        w->nnames = 0;
        json_array_foreach(list, i, it)
        {
            const char *br = json_string_value(
                json_object_get(json_object_get(it, "Options"), "com.docker.network.bridge.name"));
            const char *hn = json_string_value(
                json_object_get(json_object_get(it, "Labels"), "karakuri.honeynet"));
            if (!br || !hn || w->nnames == sizeof(w->names) / sizeof(w->names[0]))
                continue;
            snprintf(w->names[w->nnames].bridge, IF_NAMESIZE, "%s", br);
            snprintf(w->names[w->nnames].honeynet, sizeof(w->names[0].honeynet), "%s", hn);
            w->nnames++;
        }
        json_decref(list);
    }
    return false;
}

/* What the firewall logged: an attempt it blocked, a connection it let out,
 * or traffic past a container's byte quota. */
static json_t *blocked_event(struct contain_watch *w, const struct contain_logged *l)
{
    char pb[8], hn[64] = "", host[64] = "", ifname[IF_NAMESIZE] = "";
    json_t *ev;
    if (strcmp(l->prefix, CONTAIN_PREFIX_EGRESS) == 0) {
        ev = event_new(EVENT_CONTAIN_EGRESS);
    } else if (strcmp(l->prefix, CONTAIN_PREFIX_EGRESS_CAP) == 0) {
        ev = event_new(EVENT_CONTAIN_LIMIT);
        json_object_set_new(ev, "limit", json_string("bytes"));
        json_object_set_new(ev, "value", json_integer(w->egress_bytes));
    } else {
        ev = event_new(EVENT_CONTAIN_BLOCKED);
        json_object_set_new(ev, "rule", json_string(rule_of(w, l)));
    }
    json_object_set_new(ev, "proto", json_string(proto_name(l->proto, pb)));
    json_object_set_new(ev, "src_ip", json_string(l->src));
    json_object_set_new(ev, "dst_ip", json_string(l->dst));
    if (l->has_port)
        json_object_set_new(ev, "dst_port", json_integer(l->dst_port));
    if (l->icmp_type >= 0)
        json_object_set_new(ev, "icmp_type", json_integer(l->icmp_type));
    if (l->indev && if_indextoname(l->indev, ifname))
        json_object_set_new(ev, "bridge", json_string(ifname));
    if (l->family == AF_INET && w->owner &&
        w->owner(w->ud, l->src4, hn, sizeof(hn), host, sizeof(host))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
        if (host[0])
            json_object_set_new(ev, "host", json_string(host));
    } else if (ifname[0] && honeynet_of_bridge(w, ifname, hn, sizeof(hn))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
    }
    return ev;
}

static void send_event(struct contain_watch *w, json_t *ev, unsigned repeats)
{
    json_object_set_new(ev, "repeats", json_integer(repeats));
    if (event_emit(w->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: a contain.blocked event was not recorded");
}

/* Sends the count of each closed window that saw repeats; all when final. */
static void flush(struct contain_watch *w, long long now, bool final)
{
    for (size_t i = 0; i < RECENT_SLOTS; i++) {
        struct recent *r = &w->recent[i];
        if (!r->last || (!final && now - r->since_us < REPEAT_WINDOW_US))
            continue;
        if (r->repeats)
            send_event(w, json_deep_copy(r->last), r->repeats);
        json_decref(r->last);
        memset(r, 0, sizeof(*r));
    }
}

static uint32_t slot_of(const struct contain_logged *l, int port)
{
    uint32_t h = 2166136261u;
    const char *parts[] = {l->src, l->dst};
    for (size_t k = 0; k < 2; k++)
        for (const char *s = parts[k]; *s; s++)
            h = (h ^ (unsigned char)*s) * 16777619u;
    h = (h ^ l->proto) * 16777619u;
    h = (h ^ (uint32_t)port) * 16777619u;
    return h % RECENT_SLOTS;
}

static void on_logged(struct contain_watch *w, const struct contain_logged *l, long long now)
{
    int port = l->has_port ? l->dst_port : l->icmp_type;
    struct recent *r = &w->recent[slot_of(l, port)];
    if (r->last && strcmp(r->src, l->src) == 0 && strcmp(r->dst, l->dst) == 0 &&
        r->proto == l->proto && r->port == port && now - r->since_us < REPEAT_WINDOW_US) {
        r->repeats++;
        return;
    }
    if (r->last) { /* evicted or expired: its count goes out now */
        if (r->repeats)
            send_event(w, json_deep_copy(r->last), r->repeats);
        json_decref(r->last);
    }
    json_t *ev = blocked_event(w, l);
    *r = (struct recent){.proto = l->proto, .port = port, .since_us = now, .last = ev};
    snprintf(r->src, sizeof(r->src), "%s", l->src);
    snprintf(r->dst, sizeof(r->dst), "%s", l->dst);
    send_event(w, json_deep_copy(ev), 0);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    struct contain_watch *w = (struct contain_watch *)user;
    struct contain_logged l;
    if (contain_nflog_parse(bytes, hdr->caplen, &l) < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: a firewall log record was not understood");
        return;
    }
    if (l.family)
        on_logged(w, &l, util_mono_us());
}

/* The firewall, checked at run time: a reload of ufw or firewalld, or an
 * operator's `iptables -F`, would silently open every honeynet. What is
 * missing is put back and recorded (contain.firewall); when it cannot be,
 * karakuri stops (SIGTERM to itself: sessions are closed and recorded)
 * rather than run honeynets without containment. */
static void check_firewall(struct contain_watch *w, long long now)
{
    char what[160] = "", err[512] = "";
    if (now - w->fw_us < FW_CHECK_US)
        return;
    w->fw_us = now;
    int rc = contain_fw_verify(w->cfg, what, sizeof(what), err, sizeof(err));
    if (rc == 0) {
        w->fw_unchecked_us = 0;
        return;
    }
    /* Too few descriptors or too little memory to run iptables says
     * nothing of the rules: tried again, and only a minute of it stops
     * karakuri (a flood of connections must not be a way to stop it). */
    if ((rc == -EMFILE || rc == -ENFILE || rc == -ENOMEM || rc == -EAGAIN) &&
        (!w->fw_unchecked_us || now - w->fw_unchecked_us < FW_UNCHECKED_MAX_US)) {
        if (!w->fw_unchecked_us)
            w->fw_unchecked_us = now;
        LOG_RATELIMITED(LOG_LEVEL_WARN, "firewall: not checked: %s", what);
        return;
    }
    json_t *ev = event_new(EVENT_CONTAIN_FIREWALL);
    json_object_set_new(ev, "missing", json_string(what[0] ? what : "unknown"));
    json_object_set_new(ev, "restored", json_boolean(rc > 0));
    if (rc < 0)
        json_object_set_new(ev, "error", json_string(err));
    if (event_emit(w->p, ev) < 0)
        LOG_WARN("contain: a contain.firewall event was not recorded");
    if (rc > 0) {
        LOG_WARN("firewall: %s was missing; karakuri's rules are restored", what);
        return;
    }
    LOG_ERROR("firewall: %s; cannot restore it (%s): stopping, no logins without containment",
              what[0] ? what : "the rules could not be read", err);
    kill(getpid(), SIGTERM);
}

/* Messages the kernel dropped on our socket (its receive queue full), from
 * the Drops column of /proc/net/netlink; -1 when not found. */
static long long netlink_drops(unsigned long inode)
{
    FILE *f = fopen("/proc/self/net/netlink", "re");
    char line[256];
    long long drops = -1;
    if (!f)
        return -1;
    while (drops < 0 && fgets(line, sizeof(line), f)) {
        /* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
        unsigned long long v[10];
        char *p = line, *end;
        int n = 0;
        for (; n < 10; n++, p = end) {
            errno = 0;
            v[n] = strtoull(p, &end, n == 0 || n == 3 ? 16 : 10); /* sk, Groups: hex */
            if (end == p || errno)
                break;
        }
        if (n == 10 && v[9] == inode)
            drops = (long long)v[8];
    }
    fclose(f);
    return drops;
}

/* Lost records are not silently lost: contain.log_dropped. The kernel counts
 * the messages it dropped, each a batch of one or more records. */
static void report_drops(struct contain_watch *w)
{
    long long d = w->sock_inode ? netlink_drops(w->sock_inode) : -1;
    if (d < 0 || (unsigned long long)d <= w->drops_seen)
        return;
    json_t *ev = event_new(EVENT_CONTAIN_LOG_DROPPED);
    json_object_set_new(ev, "batches", json_integer(d - (long long)w->drops_seen));
    json_object_set_new(ev, "total_batches", json_integer(d));
    w->drops_seen = (unsigned long long)d;
    if (event_emit(w->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: a contain.log_dropped event was not recorded");
}

static void *watch_main(void *arg)
{
    struct contain_watch *w = arg;
    pthread_setname_np(pthread_self(), "kk-watch");
    struct pollfd fds[2] = {{.fd = pcap_get_selectable_fd(w->pc), .events = POLLIN},
                            {.fd = w->stop, .events = POLLIN}};
    for (;;) {
        int n = poll(fds, 2, 1000);
        if (n < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        if (fds[0].revents && pcap_dispatch(w->pc, 256, on_packet, (u_char *)w) < 0) {
            LOG_WARN("contain: reading the firewall log: %s", pcap_geterr(w->pc));
            break;
        }
        flush(w, util_mono_us(), false);
        report_drops(w);
        check_firewall(w, util_mono_us());
    }
    flush(w, 0, true);
    report_drops(w);
    return NULL;
}

int contain_watch_start(const struct config *cfg, struct event_pipeline *p, contain_owner_fn owner,
                        void *ud, struct contain_watch **out, char *err, size_t errlen)
{
    uint32_t lan_net = cfg->honeynet.lan_pool_net;
    unsigned lan_prefix = cfg->honeynet.lan_pool_prefix;
    char pe[PCAP_ERRBUF_SIZE] = "", dev[32], derr[256];
    struct contain_watch *w = xcalloc(1, sizeof(*w));
    w->cfg = cfg;
    w->fw_us = util_mono_us();
    w->p = p;
    w->lan_mask = util_ipv4_mask(lan_prefix);
    w->lan_net = lan_net & w->lan_mask;
    w->egress_bytes = cfg->containment.egress_bytes;
    w->owner = owner;
    w->ud = ud;
    w->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    snprintf(dev, sizeof(dev), "nflog:%d", CONTAIN_NFLOG_GROUP);
    w->pc = pcap_create(dev, pe);
    if (!w->pc || pcap_set_snaplen(w->pc, SNAPLEN) != 0 || pcap_set_immediate_mode(w->pc, 1) != 0 ||
        pcap_activate(w->pc) < 0 || pcap_setnonblock(w->pc, 1, pe) < 0 ||
        pcap_datalink(w->pc) != DLT_NFLOG || w->stop < 0) {
        snprintf(err, errlen, "reading NFLOG group %d: %s", CONTAIN_NFLOG_GROUP,
                 w->pc ? pcap_geterr(w->pc) : pe);
        goto fail;
    }
    int fd = pcap_get_selectable_fd(w->pc), rcvbuf = RCVBUF_BYTES;
    struct stat st;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        LOG_WARN("contain: the firewall log keeps the kernel's default queue: %s",
                 util_strerror(errno, derr, sizeof(derr)));
    if (fstat(fd, &st) == 0)
        w->sock_inode = (unsigned long)st.st_ino;
    if (docker_open(cfg->docker.host, &w->d, derr, sizeof(derr)) < 0)
        w->d = NULL; /* honeynets are named through owner only */
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        goto fail;
    }
    *out = w;
    return 0;
fail:
    if (w->d)
        docker_close(w->d);
    if (w->pc)
        pcap_close(w->pc);
    if (w->stop >= 0)
        close(w->stop);
    free(w);
    return -EIO;
}

void contain_watch_stop(struct contain_watch *w)
{
    if (!w)
        return;
    uint64_t one = 1;
    if (write(w->stop, &one, sizeof(one)) < 0) {
        /* An eventfd write fails only on overflow: it is already signalled. */
    }
    pthread_join(w->thread, NULL);
    if (w->d)
        docker_close(w->d);
    pcap_close(w->pc);
    close(w->stop);
    free(w);
}
