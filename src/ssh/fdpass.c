/* ssh fdpass: messages with descriptors (see fdpass.h). */
#include "ssh/fdpass.h"

#include "common/xalloc.h"
#include "ssh/monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int kssh_fds_send(int sock, json_t *msg, const int *fds, size_t nfds)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    union {
        char buf[CMSG_SPACE(KSSH_FDS_MAX * sizeof(int))];
        struct cmsghdr align;
    } u;
    int rc = 0;

    json_decref(msg);
    if (!text || nfds > KSSH_FDS_MAX) {
        free(text);
        return -EINVAL;
    }
    size_t n = strlen(text);
    struct iovec iov = {.iov_base = text, .iov_len = n};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds) {
        memset(&u, 0, sizeof(u));
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    if (n > KSSH_MSG_MAX) {
        rc = -EMSGSIZE;
    } else {
        ssize_t w;
        do {
            w = sendmsg(sock, &mh, MSG_NOSIGNAL);
        } while (w < 0 && errno == EINTR);
        if (w < 0)
            rc = -errno;
    }
    free(text);
    return rc;
}

int kssh_fds_recv(int sock, json_t **out, int *fds, size_t max, size_t *nfds)
{
    char *buf = xmalloc(KSSH_MSG_MAX + 1);
    union {
        char buf[CMSG_SPACE(KSSH_FDS_MAX * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = buf, .iov_len = KSSH_MSG_MAX + 1};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    size_t got = 0;
    ssize_t n;
    int rc = 0;

    do {
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        rc = -errno;
        goto out;
    }
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (got < max)
                fds[got++] = fd;
            else
                close(fd);
        }
    }
    if (n == 0) {
        *out = NULL;
    } else if (n > KSSH_MSG_MAX || (mh.msg_flags & MSG_CTRUNC)) {
        rc = -EMSGSIZE;
    } else {
        json_t *v = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(v)) {
            *out = v;
        } else {
            json_decref(v);
            rc = -EPROTO;
        }
    }
    if (rc < 0) {
        for (size_t i = 0; i < got; i++)
            close(fds[i]);
        got = 0;
    }
    *nfds = got;
out:
    free(buf);
    return rc;
}
