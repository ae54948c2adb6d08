/* fuzz_lan_packet: any frame an intruder can put on a LAN through the
 * parser, and every reply the responder might build from it. Checked: the
 * parsed ICMP message lies inside the frame, replies stay within their
 * buffers and carry valid checksums, a held frame's checksum fix keeps it
 * parseable. */
#include "fuzz.h"
#include "lan/packet.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lan_pkt p;
    static const uint8_t mac[6] = {0x00, 0x14, 0x22, 1, 2, 3};
    uint8_t out[LAN_PKT_MAX_ECHO];

    int rc = lan_pkt_parse(data, size, &p);
    CHECK(rc == 0 || rc == -EINVAL);
    if (rc < 0)
        return 0;
    if (p.icmp)
        CHECK(p.icmp >= data && p.icmp + p.icmp_len <= data + size);
    (void)lan_pkt_is_contact(&p);
    /* A replayed frame's checksum fix stays inside the frame and leaves
     * what the parser sees unchanged. */
    if (size <= 2048) {
        uint8_t copy[2048];
        struct lan_pkt again;
        memcpy(copy, data, size);
        if (lan_pkt_fix_checksum(copy, size) == 0) {
            CHECK(lan_pkt_parse(copy, size, &again) == 0);
            CHECK(again.kind == p.kind && again.dst_port == p.dst_port);
        }
    }
    if (p.kind == LAN_PKT_ARP_REQUEST) {
        uint8_t arp[LAN_PKT_ARP_LEN];
        lan_pkt_arp_reply(&p, mac, arp);
        struct lan_pkt back;
        CHECK(lan_pkt_parse(arp, sizeof(arp), &back) == 0 && back.kind == LAN_PKT_ARP_REPLY);
    }
    size_t n = lan_pkt_echo_reply(&p, mac, 0x0a000002u, 7, out);
    CHECK(n <= sizeof(out));
    if (n) {
        CHECK(lan_pkt_checksum(out + 14, 20) == 0);
        CHECK(lan_pkt_checksum(out + 34, n - 34) == 0);
    }
    return 0;
}
