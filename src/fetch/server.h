/* fetch server: the fetcher, where the firewall redirects what honeynet
 * hosts send to web, FTP and TFTP servers off the machine
 * (contain/firewall.h, KARAKURI-FETCH). One thread (common/netsrv.h), one
 * listening TCP socket and one UDP socket on the given port; the destination a client
 * meant comes from SO_ORIGINAL_DST (TCP) or the conntrack table (UDP,
 * fetch/tftp.h); port 21 is FTP (fetch/ftp.h), 443 TLS (fetch/tls.h: the
 * ClientHello recorded as tcpip.tls, then an alert), the rest HTTP.
 *
 * With [capture] fetch = no (the default): HTTP gets 404 Not Found as soon
 * as its head is read, FTP a server with no files (550), TFTP an ERROR
 * "File not found"; every request is a file.download event (url, tool, who
 * asked: honeynet and host through owner). Nothing is fetched or executed.
 * With fetch = yes, HTTP GET/HEAD, FTP RETR and TFTP read requests are
 * fetched from the host's side by jobs (fetch/job.h) and handed over
 * (TFTP block by block: fetch/tftpx.h).
 *
 * Caps: FETCH_CONN_MAX connections at once, 16 from one address (more are
 * closed at accept),
 * FETCH_HTTP_HEAD_MAX bytes of request head, FETCH_FTP_MAX_CMDS commands,
 * FETCH_CONN_MS per connection; a connection not from the honeynet pool or
 * not redirected is closed unread. file.* events are outside the event
 * budgets, so a source's downloads are recorded at a burst of 200, then 20
 * a second; the rest are answered and counted into the next one recorded
 * (unrecorded).
 *
 * Lifecycle: fetch_server_start → (thread) → fetch_server_stop. */
#ifndef KARAKURI_FETCH_SERVER_H
#define KARAKURI_FETCH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct fetch_server;

#define FETCH_CONN_MAX 64
#define FETCH_CONN_MS 10000

/* Who holds a honeynet address: its honeynet's name and the host's; false
 * when unknown (the same as contain_owner_fn, lan_responder_owner). */
typedef bool (*fetch_owner_fn)(void *ud, uint32_t ip, char *honeynet, size_t hlen, char *host,
                               size_t hostlen);

/* cfg, p and ud are borrowed; owner may be NULL. port: where the firewall
 * redirects to (CONTAIN_FETCH_PORT). */
int fetch_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                       fetch_owner_fn owner, void *ud, struct fetch_server **out, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

/* Stops the thread and closes every connection. NULL is fine. */
void fetch_server_stop(struct fetch_server *s);

#endif
