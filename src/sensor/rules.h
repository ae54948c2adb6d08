/* sensor rules: the firewall rules that hand the sensor its probes. One
 * chain of karakuri's own per family, KARAKURI-SENSOR in the mangle table
 * (before the host's own filter rules, which still apply to what the
 * sensor lets through), jumped to from mangle INPUT for each of
 * [sensor] interfaces:
 *   - a packet for a port with any socket (-m socket --nowildcard: a
 *     listener bound to the wildcard address too, karakuri's own, the
 *     host's services, the sensor's listeners) RETURNs;
 *   - so does one not addressed to this host (broadcast, multicast) and one
 *     to the given skip ports (karakuri's own, in case they are not bound
 *     yet);
 *   - a TCP SYN and a UDP datagram of a new conntrack flow go to NFQUEUE
 *     `queue` with --queue-bypass: with no karakuri bound to the queue they
 *     pass as if the rule were not there (fail-open; the queue itself is
 *     fail-open too, nfq.h).
 * Each jump is commented "karakuri-sensor". sensor_rules_remove takes them
 * out again: at stop, at start (what a killed run left), in `karakuri
 * cleanup`. */
#ifndef KARAKURI_SENSOR_RULES_H
#define KARAKURI_SENSOR_RULES_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define SENSOR_CHAIN "KARAKURI-SENSOR"
#define SENSOR_IFACES_MAX 8

/* Splits "eth0,eth1" into up to SENSOR_IFACES_MAX names (each < 16 bytes).
 * Returns how many, or -EINVAL. */
int sensor_rules_ifaces(const char *list, char names[][16], size_t max)
    __attribute__((warn_unused_result));

/* The iptables-restore input for family (AF_INET or AF_INET6). Pure. */
int sensor_rules_text(int family, char names[][16], size_t nnames, uint16_t queue,
                      const uint16_t *skip_tcp, size_t nskip, struct buf *out)
    __attribute__((warn_unused_result));

/* Removes what an earlier run left, then installs the rules for both
 * families. err says what failed. */
int sensor_rules_install(char names[][16], size_t nnames, uint16_t queue, const uint16_t *skip_tcp,
                         size_t nskip, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Removes the jumps and the chains; *removed counts the chains removed. */
int sensor_rules_remove(unsigned *removed, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
