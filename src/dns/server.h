/* dns server: karakuri's resolver for honeynet hosts, where the firewall
 * redirects what they send to port 53 of any address (contain/firewall.h,
 * KARAKURI-FETCH) and the address their /etc/resolv.conf names (the LAN's
 * .1, lan/tells.h). One thread (common/netsrv.h), one UDP socket and one
 * listening TCP socket on the given port. With [capture] fetch = no nothing
 * is ever sent to another resolver.
 *
 * Every query is answered from dns/answer.h and is a dns.query event (qname,
 * qtype, rcode, answer, resolved; who asked: src_ip, honeynet and container through
 * owner; dst_ip over TCP, where SO_ORIGINAL_DST tells it); what is not a
 * query (a datagram too short, a response) is one too, with malformed and
 * size, and gets no answer. dns.* events are
 * under the event budgets (event/budget.h): a source's are recorded at a
 * burst of 200, then 20 a second, the rest counted in contain.budget; every
 * query is answered all the same.
 *
 * Caps: a message is at most DNS_MSG_MAX bytes (over TCP after its two-byte
 * length, a longer one ends the connection); DNS_TCP_MAX connections at
 * once, 8 from one address, DNS_TCP_QUERIES queries and DNS_TCP_MS each; a
 * datagram or connection not from the honeynet pool (or a connection not
 * redirected from port 53) is not answered.
 *
 * [capture] fetch = yes: A and AAAA questions for ordinary names are asked
 * of the host's resolver (dns/resolve.h) and answered with what it says
 * (resolved true, answers: the addresses); a UDP query on a detached thread
 * of its own that sends the answer (at most DNS_LOOKUPS_MAX at once, past
 * that the made-up answer at once), a TCP query on the server's thread (at
 * most DNS_TCP_RESOLVED a connection, DNS_RESOLVE_TIMEOUT_S each, the rest
 * made up); no answer from upstream: the made-up one. The addresses given
 * are the upstream's, whatever they are (the host's own, loopback,
 * private): the fetcher refuses to connect to those (fetch/get.h) and the
 * firewall keeps the rest apart.
 *
 * Lifecycle: dns_server_start → (thread) → dns_server_stop. */
#ifndef KARAKURI_DNS_SERVER_H
#define KARAKURI_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct dns_server;

#define DNS_TCP_MAX 32
#define DNS_TCP_QUERIES 32
#define DNS_TCP_MS 5000
#define DNS_LOOKUPS_MAX 16
#define DNS_TCP_RESOLVED 4

/* Who holds a honeynet address: its honeynet's name and the host's; false
 * when unknown (the same as fetch_owner_fn, lan_responder_owner). */
typedef bool (*dns_owner_fn)(void *ud, uint32_t ip, char *honeynet, size_t hlen, char *host,
                             size_t hostlen);

/* cfg, p and ud are borrowed; owner may be NULL. port: where the firewall
 * redirects to (CONTAIN_DNS_PORT). */
int dns_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                     dns_owner_fn owner, void *ud, struct dns_server **out, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

/* Stops the thread (after the lookup threads end) and closes every
 * connection. NULL is fine. */
void dns_server_stop(struct dns_server *s);

#endif
