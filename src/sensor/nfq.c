/* sensor nfq: NFQUEUE over libmnl (nfq.h). Configuration messages ask for
 * an acknowledgement, read back at once, so that a failed bind (no
 * CAP_NET_ADMIN, the queue taken by another program) is an error of
 * sensor_nfq_open and not a silence. */
#include "sensor/nfq.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif

#define RX_BYTES ((size_t)(SENSOR_NFQ_COPY + 512) * 64)

struct sensor_nfq {
    struct mnl_socket *nl;
    unsigned portid;
    uint16_t queue;
    char *rx; /* RX_BYTES */
    char tx[8192];
    sensor_nfq_fn fn;
    void *ud;
    int count;
};

/* Sends nlh and reads its acknowledgement. */
static int talk(struct sensor_nfq *q, struct nlmsghdr *nlh)
{
    nlh->nlmsg_flags |= NLM_F_ACK;
    unsigned seq = nlh->nlmsg_seq = (unsigned)time(NULL);
    if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(q->nl, q->rx, RX_BYTES);
        if (n < 0)
            return -errno;
        int rc = mnl_cb_run(q->rx, (size_t)n, seq, q->portid, NULL, NULL);
        if (rc < 0)
            return -errno;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

static int configure(struct sensor_nfq *q, char *err, size_t errlen)
{
    char eb[128];
    struct nlmsghdr *nlh = nfq_nlmsg_put(q->tx, NFQNL_MSG_CONFIG, q->queue);
    nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
    int rc = talk(q, nlh);
    if (rc < 0) {
        snprintf(err, errlen, "binding NFQUEUE %u: %s", (unsigned)q->queue,
                 util_strerror(-rc, eb, sizeof(eb)));
        return rc;
    }
    nlh = nfq_nlmsg_put(q->tx, NFQNL_MSG_CONFIG, q->queue);
    nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, SENSOR_NFQ_COPY);
    nfq_nlmsg_cfg_put_qmaxlen(nlh, SENSOR_NFQ_MAXLEN);
    mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
    mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
    rc = talk(q, nlh);
    if (rc < 0)
        snprintf(err, errlen, "configuring NFQUEUE %u: %s", (unsigned)q->queue,
                 util_strerror(-rc, eb, sizeof(eb)));
    return rc;
}

int sensor_nfq_open(uint16_t queue, struct sensor_nfq **out, char *err, size_t errlen)
{
    char eb[128];
    struct sensor_nfq *q = xcalloc(1, sizeof(*q));
    int rc, one = 1;

    q->queue = queue;
    q->rx = xmalloc(RX_BYTES);
    q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!q->nl || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        snprintf(err, errlen, "netfilter netlink socket: %s", util_strerror(-rc, eb, sizeof(eb)));
        goto fail;
    }
    q->portid = mnl_socket_get_portid(q->nl);
    (void)mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
    if ((rc = configure(q, err, errlen)) < 0)
        goto fail;
    int fd = mnl_socket_get_fd(q->nl);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        rc = -errno;
        snprintf(err, errlen, "NFQUEUE socket: %s", util_strerror(-rc, eb, sizeof(eb)));
        goto fail;
    }
    *out = q;
    return 0;
fail:
    sensor_nfq_close(q);
    return rc < 0 ? rc : -EIO;
}

int sensor_nfq_fd(const struct sensor_nfq *q)
{
    return mnl_socket_get_fd(q->nl);
}

static void verdict(struct sensor_nfq *q, uint32_t id, enum sensor_verdict v)
{
    struct nlmsghdr *nlh = nfq_nlmsg_put(q->tx, NFQNL_MSG_VERDICT, q->queue);
    nfq_nlmsg_verdict_put(nlh, (int)id, v == SENSOR_DROP ? NF_DROP : NF_ACCEPT);
    /* A verdict that cannot be sent: the kernel's queue keeps the packet
     * until its length forces fail-open; nothing better to do here. */
    (void)mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
}

static int on_packet(const struct nlmsghdr *nlh, void *data)
{
    struct sensor_nfq *q = data;
    struct nlattr *attr[NFQA_MAX + 1] = {0};

    if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
        return MNL_CB_OK;
    if (mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(struct nfqnl_msg_packet_hdr))
        return MNL_CB_OK;
    const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
    uint32_t id = ntohl(ph->packet_id);
    const uint8_t *pkt = NULL;
    size_t len = 0;
    uint32_t indev = 0;
    if (attr[NFQA_PAYLOAD]) {
        pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
        len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
    }
    if (attr[NFQA_IFINDEX_INDEV] && mnl_attr_get_payload_len(attr[NFQA_IFINDEX_INDEV]) >= 4)
        indev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
    enum sensor_verdict v = pkt ? q->fn(q->ud, pkt, len, indev) : SENSOR_ACCEPT;
    verdict(q, id, v);
    q->count++;
    return MNL_CB_OK;
}

int sensor_nfq_dispatch(struct sensor_nfq *q, sensor_nfq_fn fn, void *ud)
{
    q->fn = fn;
    q->ud = ud;
    q->count = 0;
    for (int round = 0; round < 64; round++) {
        ssize_t n = mnl_socket_recvfrom(q->nl, q->rx, RX_BYTES);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            if (errno == ENOBUFS)
                continue;
            return -errno;
        }
        if (mnl_cb_run(q->rx, (size_t)n, 0, q->portid, on_packet, q) < 0 && errno != 0 &&
            errno != ENOENT)
            break;
    }
    return q->count;
}

void sensor_nfq_close(struct sensor_nfq *q)
{
    if (!q)
        return;
    if (q->nl) {
        struct nlmsghdr *nlh = nfq_nlmsg_put(q->tx, NFQNL_MSG_CONFIG, q->queue);
        nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
        (void)mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
        mnl_socket_close(q->nl);
    }
    free(q->rx);
    free(q);
}
