/* lan netns: veth plumbing over netlink with libnl-route (see netns.h).
 * Entering another namespace is per thread (setns), and every entry here
 * returns the calling thread to its own namespace before it returns. */
#include "lan/netns.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a plug waits for the new link to carry frames (not an error past
 * it: the peer's retransmission will get through). */
#define UP_WAIT_MS 200

static atomic_uint seq;

static struct nl_sock *nl_open(void)
{
    struct nl_sock *s = nl_socket_alloc();
    if (s && nl_connect(s, NETLINK_ROUTE) < 0) {
        nl_socket_free(s);
        return NULL;
    }
    return s;
}

/* A netlink socket inside the network namespace of the process whose /proc
 * directory is proc; sockets stay in the namespace they were made in, so the
 * thread can go home at once. */
static struct nl_sock *nl_open_in(int proc, int *err)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = openat(proc, "ns/net", O_RDONLY | O_CLOEXEC);
    struct nl_sock *s = NULL;
    *err = 0;
    if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
        *err = -errno;
    } else {
        s = nl_open();
        if (setns(self, CLONE_NEWNET) < 0) {
            /* Stuck in the container's namespace: this thread must not go on. */
            abort();
        }
        if (!s)
            *err = -ENOMEM;
    }
    if (self >= 0)
        close(self);
    if (target >= 0)
        close(target);
    return s;
}

static void set_err(char *err, size_t errlen, const char *what, int nlerr)
{
    snprintf(err, errlen, "%s: %s", what, nl_geterror(nlerr));
}

/* In the container: the inner end renamed eth0, IPv6 off, address, up. */
static int configure_inner(struct nl_sock *s, const char *name, uint32_t ip, unsigned prefix,
                           char *err, size_t errlen)
{
    struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
    struct rtnl_addr *addr = rtnl_addr_alloc();
    struct nl_addr *local = NULL, *bcast = NULL;
    uint32_t be = htonl(ip), bbe = htonl(ip | (prefix >= 32 ? 0 : 0xffffffffu >> prefix));
    int rc = rtnl_link_get_kernel(s, 0, name, &link);
    if (rc < 0) {
        set_err(err, errlen, "finding the inner end", rc);
        goto out;
    }
    int ifindex = rtnl_link_get_ifindex(link);
    rtnl_link_set_name(change, "eth0");
    if ((rc = rtnl_link_change(s, link, change, 0)) < 0) {
        set_err(err, errlen, "naming eth0", rc);
        goto out;
    }
    local = nl_addr_build(AF_INET, &be, 4);
    bcast = nl_addr_build(AF_INET, &bbe, 4);
    if (!local || !bcast) {
        rc = -NLE_NOMEM;
        set_err(err, errlen, "address", rc);
        goto out;
    }
    nl_addr_set_prefixlen(local, (int)prefix);
    rtnl_addr_set_ifindex(addr, ifindex);
    rtnl_addr_set_local(addr, local);
    rtnl_addr_set_broadcast(addr, bcast);
    if ((rc = rtnl_addr_add(s, addr, 0)) < 0) {
        set_err(err, errlen, "adding the address", rc);
        goto out;
    }
    rtnl_link_put(change);
    change = rtnl_link_alloc();
    rtnl_link_set_ifindex(link, ifindex);
    rtnl_link_set_flags(change, IFF_UP);
    if ((rc = rtnl_link_change(s, link, change, 0)) < 0)
        set_err(err, errlen, "bringing eth0 up", rc);
out:
    if (local)
        nl_addr_put(local);
    if (bcast)
        nl_addr_put(bcast);
    rtnl_addr_put(addr);
    if (change)
        rtnl_link_put(change);
    if (link)
        rtnl_link_put(link);
    return rc < 0 ? -EIO : 0;
}

/* "default via gw dev eth0" in the namespace of s; one already there stays. */
static int add_default_route(struct nl_sock *s, uint32_t gw)
{
    uint32_t zero = 0, be = htonl(gw);
    struct rtnl_link *l = NULL;
    int rc = rtnl_link_get_kernel(s, 0, "eth0", &l);
    if (rc < 0)
        return -ENODEV;
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    struct nl_addr *dst = nl_addr_build(AF_INET, &zero, 4);
    struct nl_addr *via = nl_addr_build(AF_INET, &be, 4);
    if (!route || !nh || !dst || !via) {
        rc = -ENOMEM;
        if (nh)
            rtnl_route_nh_free(nh);
        goto out;
    }
    nl_addr_set_prefixlen(dst, 0);
    rtnl_route_set_family(route, AF_INET);
    rtnl_route_set_dst(route, dst);
    rtnl_route_nh_set_gateway(nh, via);
    rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(l));
    rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
    rc = rtnl_route_add(s, route, NLM_F_CREATE | NLM_F_EXCL);
    rc = rc == -NLE_EXIST ? 0 : rc < 0 ? -EIO : 0;
out:
    if (dst)
        nl_addr_put(dst);
    if (via)
        nl_addr_put(via);
    if (route)
        rtnl_route_put(route);
    rtnl_link_put(l);
    return rc;
}

/* A token bucket of rate bytes/s as the root qdisc of ifindex: bursts of a
 * tenth of a second (16 KiB at least), half a second of queue. */
static int add_tbf(struct nl_sock *s, int ifindex, int rate)
{
    struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    if (!q)
        return -ENOMEM;
    int bucket = rate / 10 < 16384 ? 16384 : rate / 10;
    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
    int rc = rtnl_tc_set_kind(TC_CAST(q), "tbf");
    if (rc == 0) {
        rtnl_qdisc_tbf_set_rate(q, rate, bucket, 0);
        rc = rtnl_qdisc_tbf_set_limit_by_latency(q, 500000);
    }
    if (rc == 0)
        rc = rtnl_qdisc_add(s, q, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_qdisc_put(q);
    return rc < 0 ? -EIO : 0;
}

/* /proc/<pid>, for the entries that take a pid (-errno). */
static int proc_dir(pid_t pid)
{
    char path[32];
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int lan_netns_shape(pid_t pid, long long rate)
{
    int proc = proc_dir(pid);
    if (proc < 0)
        return proc;
    int rc = lan_netns_shape_in(proc, rate);
    close(proc);
    return rc;
}

int lan_netns_shape_in(int proc, long long rate)
{
    int oserr, peer = 0, irate = rate > INT_MAX ? INT_MAX : (int)rate;
    struct nl_sock *in = nl_open_in(proc, &oserr);
    if (!in)
        return oserr;
    struct rtnl_link *l = NULL;
    int rc = rtnl_link_get_kernel(in, 0, "eth0", &l) < 0 ? -ENODEV : 0;
    if (rc == 0) {
        peer = rtnl_link_get_link(l); /* the host's end of the pair */
        rc = add_tbf(in, rtnl_link_get_ifindex(l), irate);
        rtnl_link_put(l);
    }
    nl_socket_free(in);
    if (rc < 0 || peer <= 0)
        return rc < 0 ? rc : -ENODEV;
    struct nl_sock *host = nl_open();
    if (!host)
        return -ENOMEM;
    rc = add_tbf(host, peer, irate);
    nl_socket_free(host);
    return rc;
}

int lan_netns_default_route(pid_t pid, uint32_t gw)
{
    int oserr, proc = proc_dir(pid);
    if (proc < 0)
        return proc;
    struct nl_sock *in = nl_open_in(proc, &oserr);
    close(proc);
    if (!in)
        return oserr;
    int rc = add_default_route(in, gw);
    nl_socket_free(in);
    return rc;
}

/* Whether both ends are operationally up. The kernel turns a new link on
 * (operstate, and the qdisc that lets it send: noop until then) a little
 * after it is set up, from its link-watch work; a frame sent before that is
 * dropped, so replayed packets wait for it. */
static bool both_up(struct nl_sock *in, const char *host_if)
{
    char path[64], state[8] = "";
    snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", host_if);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, state, sizeof(state) - 1);
    close(fd);
    if (n < 2 || strncmp(state, "up", 2) != 0)
        return false;
    struct rtnl_link *l = NULL;
    if (rtnl_link_get_kernel(in, 0, "eth0", &l) < 0)
        return false;
    bool up = rtnl_link_get_operstate(l) == IF_OPER_UP;
    rtnl_link_put(l);
    return up;
}

static void wait_up(struct nl_sock *in, const char *host_if)
{
    long long deadline = util_mono_us() + UP_WAIT_MS * 1000LL;
    while (!both_up(in, host_if) && util_mono_us() < deadline) {
        struct timespec ts = {0, 100000L};
        nanosleep(&ts, NULL);
    }
}

int lan_netns_plug(const struct proc_ref *init, const char *bridge, const uint8_t mac[6],
                   uint32_t ip, unsigned prefix, char host_if[IF_NAMESIZE], char *err,
                   size_t errlen)
{
    unsigned master = if_nametoindex(bridge);
    unsigned n = atomic_fetch_add(&seq, 1);
    char inner[IF_NAMESIZE], eb[128];
    int rc, oserr, netns = -1;
    unsigned pid = (unsigned)init->pid;

    if (!master) {
        snprintf(err, errlen, "no bridge %s", bridge);
        return -ENODEV;
    }
    /* pid and a counter: unique among this daemon's links; the prefix marks
     * them as karakuri's for cleanup. */
    snprintf(host_if, IF_NAMESIZE, "kk%06x%04x", pid & 0xffffff, n & 0xffff);
    snprintf(inner, sizeof(inner), "ki%06x%04x", pid & 0xffffff, n & 0xffff);

    /* The namespace by handle, not by pid: the inner end never lands in
     * whatever process holds the number now. */
    if ((netns = openat(init->dirfd, "ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "the container is gone");
        return -ESRCH;
    }
    struct nl_sock *s = nl_open();
    if (!s) {
        snprintf(err, errlen, "cannot open a netlink socket");
        close(netns);
        return -ENOMEM;
    }
    struct rtnl_link *veth = rtnl_link_veth_alloc();
    struct rtnl_link *peer = veth ? rtnl_link_veth_get_peer(veth) : NULL;
    struct nl_addr *hw = nl_addr_build(AF_LLC, mac, 6);
    if (!veth || !peer || !hw) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    rtnl_link_set_name(veth, host_if);
    rtnl_link_set_master(veth, (int)master);
    rtnl_link_set_flags(veth, IFF_UP);
    rtnl_link_set_name(peer, inner);
    rtnl_link_set_addr(peer, hw);
    rtnl_link_set_ns_fd(peer, netns);
    if ((rc = rtnl_link_add(s, veth, NLM_F_CREATE | NLM_F_EXCL)) < 0) {
        set_err(err, errlen, "creating the veth pair", rc);
        rc = -EIO;
        goto out;
    }
    struct nl_sock *in = nl_open_in(init->dirfd, &oserr);
    if (!in) {
        snprintf(err, errlen, "entering the container's network namespace: %s",
                 util_strerror(oserr, eb, sizeof(eb)));
        rc = oserr;
    } else {
        rc = configure_inner(in, inner, ip, prefix, err, errlen);
        uint32_t mask = util_ipv4_mask(prefix);
        if (rc == 0 && (rc = add_default_route(in, (ip & mask) + 1)) < 0)
            snprintf(err, errlen, "adding the default route");
        if (rc == 0)
            wait_up(in, host_if);
        nl_socket_free(in);
    }
    if (rc < 0 && lan_netns_unplug(host_if) < 0) {
        /* The error already says what failed; the leftover link carries the
         * kk prefix for cleanup. */
    }
out:
    if (hw)
        nl_addr_put(hw);
    /* get_peer took a reference of its own. */
    if (peer)
        rtnl_link_put(peer);
    if (veth)
        rtnl_link_veth_release(veth);
    nl_socket_free(s);
    close(netns);
    return rc;
}

int lan_netns_unplug(const char *host_if)
{
    struct nl_sock *s = nl_open();
    if (!s)
        return -ENOMEM;
    struct rtnl_link *l = rtnl_link_alloc();
    rtnl_link_set_name(l, host_if);
    int rc = rtnl_link_delete(s, l);
    rtnl_link_put(l);
    nl_socket_free(s);
    if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
        return -ENODEV;
    return rc < 0 ? -EIO : 0;
}

int lan_netns_hostname(int proc, const char *name)
{
    int self = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
    int target = openat(proc, "ns/uts", O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (self < 0 || target < 0 || setns(target, CLONE_NEWUTS) < 0) {
        rc = -errno;
    } else {
        if (sethostname(name, strlen(name)) < 0)
            rc = -errno;
        if (setns(self, CLONE_NEWUTS) < 0)
            abort();
    }
    if (self >= 0)
        close(self);
    if (target >= 0)
        close(target);
    return rc;
}
