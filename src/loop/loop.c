/* loop: the event loop (loop.h). One epoll set; each watch (an fd, a timer's
 * timerfd, the signalfd, the stop eventfd) is a struct watch whose address is
 * the epoll data. A watch removed while events are being dispatched is only
 * marked dead and freed after the batch, so a callback may remove any watch,
 * its own or one whose event is still pending in the batch. */
#include "loop/loop.h"

#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum kind { W_FD, W_TIMER, W_SIGNAL, W_STOP };

struct watch {
    enum kind kind;
    int fd;
    bool dead;
    loop_fd_cb fd_cb;
    loop_timer_cb timer_cb;
    void *ud;
    struct watch *next; /* all watches, or the dead ones */
};

struct loop_timer {
    struct watch w; /* first: a timer is its watch */
};

#define MAX_SIGNALS 65
#define BATCH 64

struct loop {
    int epfd;
    struct watch *watches;
    struct watch *dead;
    struct watch stop; /* eventfd */
    struct watch sig;  /* signalfd, fd -1 until a signal is added */
    sigset_t sigmask;
    loop_signal_cb sig_cb[MAX_SIGNALS];
    void *sig_ud[MAX_SIGNALS];
    atomic_bool stopping; /* set by loop_stop from any thread */
};

static uint32_t to_epoll(unsigned events)
{
    return (events & LOOP_READ ? EPOLLIN : 0u) | (events & LOOP_WRITE ? EPOLLOUT : 0u);
}

static int watch_add(struct loop *l, struct watch *w, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = w};
    return epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &e) < 0 ? -errno : 0;
}

int loop_new(struct loop **out)
{
    struct loop *l = xcalloc(1, sizeof(*l));
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->stop.kind = W_STOP;
    l->stop.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    l->sig.kind = W_SIGNAL;
    l->sig.fd = -1;
    sigemptyset(&l->sigmask);
    int rc = l->epfd < 0 || l->stop.fd < 0 ? -errno : watch_add(l, &l->stop, EPOLLIN);
    if (rc < 0) {
        loop_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static void free_list(struct watch *w, bool close_fd)
{
    while (w) {
        struct watch *next = w->next;
        if (close_fd && w->kind == W_TIMER)
            close(w->fd);
        free(w);
        w = next;
    }
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    free_list(l->watches, true);
    free_list(l->dead, false); /* their timerfds were closed at removal */
    if (l->sig.fd >= 0)
        close(l->sig.fd);
    if (l->stop.fd >= 0)
        close(l->stop.fd);
    if (l->epfd >= 0)
        close(l->epfd);
    free(l);
}

static struct watch *find_fd(struct loop *l, int fd)
{
    for (struct watch *w = l->watches; w; w = w->next)
        if (w->kind == W_FD && w->fd == fd)
            return w;
    return NULL;
}

/* Unlinks w from the watches, out of epoll, onto the dead list. */
static void retire(struct loop *l, struct watch *w)
{
    for (struct watch **p = &l->watches; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
    if (w->kind == W_TIMER)
        close(w->fd);
    w->dead = true;
    w->next = l->dead;
    l->dead = w;
}

int loop_add_fd(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud)
{
    if (!l || fd < 0 || !cb)
        return -EINVAL;
    if (find_fd(l, fd))
        return -EEXIST;
    struct watch *w = xcalloc(1, sizeof(*w));
    w->kind = W_FD;
    w->fd = fd;
    w->fd_cb = cb;
    w->ud = ud;
    int rc = watch_add(l, w, to_epoll(events));
    if (rc < 0) {
        free(w);
        return rc;
    }
    w->next = l->watches;
    l->watches = w;
    return 0;
}

int loop_mod_fd(struct loop *l, int fd, unsigned events)
{
    struct watch *w = l ? find_fd(l, fd) : NULL;
    if (!w)
        return -ENOENT;
    struct epoll_event e = {.events = to_epoll(events), .data.ptr = w};
    return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &e) < 0 ? -errno : 0;
}

int loop_del_fd(struct loop *l, int fd)
{
    struct watch *w = l ? find_fd(l, fd) : NULL;
    if (!w)
        return -ENOENT;
    retire(l, w);
    return 0;
}

static struct timespec ms_ts(unsigned ms)
{
    return (struct timespec){.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
}

int loop_add_timer(struct loop *l, unsigned first_ms, unsigned interval_ms, loop_timer_cb cb,
                   void *ud, struct loop_timer **out)
{
    if (!l || !cb || !out)
        return -EINVAL;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0)
        return -errno;
    /* 0 would disarm it: "at once" is the next nanosecond */
    struct itimerspec its = {.it_value = first_ms ? ms_ts(first_ms) : (struct timespec){0, 1},
                             .it_interval = ms_ts(interval_ms)};
    struct loop_timer *t = xcalloc(1, sizeof(*t));
    t->w.kind = W_TIMER;
    t->w.fd = fd;
    t->w.timer_cb = cb;
    t->w.ud = ud;
    int rc = timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : watch_add(l, &t->w, EPOLLIN);
    if (rc < 0) {
        close(fd);
        free(t);
        return rc;
    }
    t->w.next = l->watches;
    l->watches = &t->w;
    *out = t;
    return 0;
}

void loop_del_timer(struct loop *l, struct loop_timer *t)
{
    if (l && t && !t->w.dead)
        retire(l, &t->w);
}

int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *ud)
{
    if (!l || !cb || signo <= 0 || signo >= MAX_SIGNALS)
        return -EINVAL;
    if (l->sig_cb[signo])
        return -EEXIST;
    sigset_t mask = l->sigmask;
    sigaddset(&mask, signo);
    /* signalfd(fd, ...) with our fd changes its mask in place */
    int fd = signalfd(l->sig.fd, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (l->sig.fd < 0) {
        l->sig.fd = fd;
        int rc = watch_add(l, &l->sig, EPOLLIN);
        if (rc < 0) {
            close(fd);
            l->sig.fd = -1;
            return rc;
        }
    }
    l->sigmask = mask;
    l->sig_cb[signo] = cb;
    l->sig_ud[signo] = ud;
    return 0;
}

static int on_signals(struct loop *l)
{
    struct signalfd_siginfo si;
    int n = 0;
    while (read(l->sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int signo = (int)si.ssi_signo;
        if (signo > 0 && signo < MAX_SIGNALS && l->sig_cb[signo]) {
            l->sig_cb[signo](l, signo, l->sig_ud[signo]);
            n++;
        }
    }
    return n;
}

static int dispatch(struct loop *l, struct watch *w, uint32_t ev)
{
    uint64_t v;
    switch (w->kind) {
    case W_STOP:
        if (read(w->fd, &v, sizeof(v)) < 0) {
            /* drained already: the flag is what counts */
        }
        return 0;
    case W_SIGNAL:
        return on_signals(l);
    case W_TIMER:
        if (read(w->fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
            return 0; /* spurious, or re-armed meanwhile */
        w->timer_cb(l, (struct loop_timer *)w, w->ud);
        return 1;
    case W_FD: {
        unsigned e = (ev & EPOLLIN ? LOOP_READ : 0u) | (ev & EPOLLOUT ? LOOP_WRITE : 0u) |
                     (ev & (EPOLLHUP | EPOLLERR) ? LOOP_HUP : 0u);
        w->fd_cb(l, w->fd, e, w->ud);
        return 1;
    }
    }
    return 0;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
    struct epoll_event evs[BATCH];
    int n = epoll_wait(l->epfd, evs, BATCH, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    int called = 0;
    for (int i = 0; i < n; i++) {
        struct watch *w = evs[i].data.ptr;
        if (!w->dead)
            called += dispatch(l, w, evs[i].events);
    }
    free_list(l->dead, false);
    l->dead = NULL;
    return called;
}

int loop_run(struct loop *l)
{
    int rc = 0;
    while (!atomic_load(&l->stopping) && rc >= 0)
        rc = loop_run_once(l, -1);
    atomic_store(&l->stopping, false); /* it may be run again */
    return rc < 0 ? rc : 0;
}

void loop_stop(struct loop *l)
{
    uint64_t one = 1;
    atomic_store(&l->stopping, true);
    if (write(l->stop.fd, &one, sizeof(one)) < 0) {
        /* the counter is full: a wake-up is pending anyway */
    }
}
