/* fetch job: with [capture] fetch = yes, one download retrieved from the
 * host's side (fetch/get.h) on a thread of its own, stored as an artifact
 * and handed to the container that asked, so its tool gets the file. At
 * most FETCH_JOBS_MAX at once; each honeynet (a LAN /24) may fetch
 * [capture] quota bytes in all. The server (fetch/server.h) hands a
 * connection over once its request head is read. */
#ifndef KARAKURI_FETCH_JOB_H
#define KARAKURI_FETCH_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct fetch_jobs;

#define FETCH_JOBS_MAX 16

/* cfg and p are borrowed. */
struct fetch_jobs *fetch_jobs_new(const struct config *cfg, struct event_pipeline *p,
                                  uint32_t pool_net, uint32_t pool_mask);

struct fetch_http_job {
    const char *url, *user_agent;
    uint32_t peer, dst; /* host byte order: who asked, where it meant to go */
    uint16_t dst_port;
    bool by_name; /* dst means nothing: the URL's host is looked up here */
    bool head;    /* HEAD: the response without its body */
};

/* Takes fd (the client's connection) and ev (its file.download, NULL when
 * it is not to be recorded) on 0; on -EBUSY (FETCH_JOBS_MAX running) or
 * -EDQUOT (the honeynet's quota is used) neither is taken, and ev has
 * "error" set for the caller to record. */
int fetch_jobs_http(struct fetch_jobs *j, int fd, json_t *ev, const struct fetch_http_job *h)
    __attribute__((warn_unused_result));

struct fetch_ftp_job {
    const char *url, *username, *password;
    uint32_t peer, dst; /* host byte order */
    uint16_t dst_port;
};

/* As fetch_jobs_http for an FTP RETR: ctl is the client's control
 * connection (a descriptor of the job's own, closed by it: the fetcher
 * keeps reading commands on its own), data its data connection; the job
 * says 150 and 226 (or 550) on ctl. Neither is taken on failure. */
int fetch_jobs_ftp(struct fetch_jobs *j, int ctl, int data, json_t *ev,
                   const struct fetch_ftp_job *f) __attribute__((warn_unused_result));

struct fetch_tftp_job {
    const char *url;
    uint32_t peer, dst; /* host byte order */
    uint16_t dst_port;
    /* Called on the job's thread once fetched: fd (the callee's; -1 when
     * nothing was fetched) holds size bytes. */
    void (*done)(void *ud, int fd, long long size);
    void *ud;
};

/* As fetch_jobs_http for a TFTP read request; t->done is called exactly
 * once when 0 is returned, never otherwise. */
int fetch_jobs_tftp(struct fetch_jobs *j, json_t *ev, const struct fetch_tftp_job *t)
    __attribute__((warn_unused_result));

struct fetch_tls_job {
    const uint8_t *first; /* what the client sent so far: its ClientHello */
    size_t first_len;
    const char *sni;    /* its server name, "" none */
    uint32_t peer, dst; /* host byte order */
    uint16_t dst_port;
    bool by_name; /* dst is a made-up address: sni is looked up here */
};

/* As fetch_jobs_http for an HTTPS connection (fetch/tlsrelay.h): fd is
 * relayed, and ev (its tcpip.tls) gains what the relay saw. */
int fetch_jobs_tls(struct fetch_jobs *j, int fd, json_t *ev, const struct fetch_tls_job *t)
    __attribute__((warn_unused_result));

/* Asks every job to stop, waits for them, frees j. NULL is fine. */
void fetch_jobs_free(struct fetch_jobs *j);

#endif
