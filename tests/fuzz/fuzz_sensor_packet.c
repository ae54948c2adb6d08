/* fuzz_sensor_packet: a packet as NFQUEUE hands the port sensor, parsed:
 * whatever the bytes, the parse stays within them, a success describes a
 * TCP or UDP header that fits, and the failure leaves the output alone. */
#include "fuzz.h"
#include "sensor/packet.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sensor_pkt p, untouched;
    memset(&p, 0xa5, sizeof(p));
    untouched = p;
    int rc = sensor_packet_parse(data, size, &p);
    CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP);
    if (rc < 0) {
        CHECK(memcmp(&p, &untouched, sizeof(p)) == 0);
        return 0;
    }
    CHECK(p.family == AF_INET || p.family == AF_INET6);
    CHECK(p.proto == SENSOR_PROTO_TCP || p.proto == SENSOR_PROTO_UDP);
    size_t hdr = (p.family == AF_INET ? 20 : 40) + (p.proto == SENSOR_PROTO_TCP ? 20 : 8);
    CHECK(p.payload_len + hdr <= size);
    char a[46], b[46];
    sensor_packet_addr(&p, false, a);
    sensor_packet_addr(&p, true, b);
    CHECK(strlen(a) < sizeof(a) && strlen(b) < sizeof(b));
    (void)sensor_packet_is_syn(&p);
    return 0;
}
