/* fuzz_lan_decide: sequences of frames an intruder can put on a LAN through
 * the responder's decisions (lan/decide.h), with the claimer's outcomes
 * (decoys going live, failing, stopped when idle) played in between.
 * Input: byte 0 the caps, byte 1 the echo room, then records of
 * [ctl][len hi][len lo][frame]: ctl's low 5 bits advance the clock by
 * 100 ms steps, its high 3 bits pick an outcome; a short last record is
 * decided on as it is. Checked after every frame: the caps and counters
 * hold (decoys per LAN and in all, chain depth, live equals the hosts
 * pending or live), actions stay within their bounds, ARP replies are
 * for a host that exists at its address with its MAC and never for the
 * gateway, the bridge, .0 or .255, echo replies are well formed and come
 * from planned hosts within the room, frames are held only for pending
 * hosts and never more than LAN_DECIDE_MAX_HELD. */
#include "fuzz.h"
#include "lan/decide.h"

#include <string.h>

#define BASE 0x0a0d0000u /* 10.13.0.0/24, the corpus frames' LAN */
#define GW (BASE | 5)

static struct lan_decide_net net;

static void setup(struct lan_decide_shared *s, uint8_t caps)
{
    struct lan_plan plan;
    memset(&net, 0, sizeof(net));
    memcpy(net.name, "fuzz", 5);
    memcpy(net.gw_name, "gw", 3);
    net.base = BASE;
    net.gw_ip = GW;
    lan_plan_make(net.name, BASE, 6, GW, &plan);
    plan.hosts[0].ip = BASE | 23; /* what the corpus frames are sent to */
    for (size_t i = 0; i < plan.count; i++) {
        net.hosts[i].h = plan.hosts[i];
        net.hosts[i].planned = true;
    }
    net.nhosts = plan.count;
    *s = (struct lan_decide_shared){.chain_depth = 1u + (caps & 3u),
                                    .decoys_max = (caps >> 2) & 7u,
                                    .decoys_total = (caps >> 5) & 7u,
                                    .seed = 1};
}

/* The claimer's and the housekeeping's doings, as the responder does them. */
static void outcome(struct lan_decide_shared *s, unsigned op)
{
    for (size_t i = 0; i < net.nhosts; i++) {
        struct lan_decide_host *h = &net.hosts[i];
        if (op == 4 && h->st == LAN_DECIDE_PENDING) { /* published */
            h->st = LAN_DECIDE_LIVE;
            h->claiming = false;
            h->nheld = 0;
            return;
        }
        if ((op == 5 && h->st == LAN_DECIDE_PENDING) || (op == 6 && h->st == LAN_DECIDE_LIVE)) {
            h->st = LAN_DECIDE_EMPTY; /* failed, or stopped when idle */
            h->claiming = false;
            h->cap_reported = op == 5 && h->cap_reported;
            h->nheld = 0;
            net.live--;
            s->live_total--;
            return;
        }
    }
}

static void check_arp(const struct lan_action *a)
{
    struct lan_pkt r;
    CHECK(a->len == LAN_PKT_ARP_LEN);
    CHECK(lan_pkt_parse(a->frame, a->len, &r) == 0 && r.kind == LAN_PKT_ARP_REPLY);
    uint32_t t = r.src_ip;
    CHECK((t & 0xffffff00u) == BASE && t != GW && t != (BASE | 1) && (t & 0xff) != 0 &&
          (t & 0xff) != 0xff);
    const struct lan_decide_host *h = lan_decide_host_find(&net, t);
    CHECK(h && h->st != LAN_DECIDE_LIVE && memcmp(h->h.mac, r.src_mac, 6) == 0);
}

static void check_echo(const struct lan_action *a, long long now)
{
    struct lan_pkt r;
    CHECK(a->len > 34 && a->len <= LAN_PKT_MAX_ECHO);
    CHECK(lan_pkt_checksum(a->frame + 14, 20) == 0);
    CHECK(lan_pkt_parse(a->frame, a->len, &r) == 0 && r.kind == LAN_PKT_ICMP);
    const struct lan_decide_host *h = lan_decide_host_find(&net, r.src_ip);
    CHECK(h && h->planned && memcmp(h->h.mac, r.src_mac, 6) == 0);
    CHECK(a->due_us >= now + 200 && a->due_us < now + 2000);
}

static void check(const struct lan_decide_shared *s, const struct lan_decide_out *out,
                  size_t echo_room, long long now)
{
    size_t echoes = 0, planned = 0;
    unsigned live = 0;
    CHECK(out->n <= LAN_DECIDE_MAX_ACTIONS && net.nhosts <= LAN_DECIDE_MAX_HOSTS);
    for (size_t i = 0; i < out->n; i++) {
        const struct lan_action *a = &out->a[i];
        if (a->kind == LAN_ACT_ARP_REPLY)
            check_arp(a);
        if (a->kind == LAN_ACT_ECHO) {
            check_echo(a, now);
            echoes++;
        }
        if (a->kind == LAN_ACT_ICMP)
            CHECK(a->count == echoes);
        if (a->kind == LAN_ACT_FLOW)
            CHECK(a->proto == 6 || a->proto == 17 || (a->proto == 1 && !a->dst_port));
        if (a->kind == LAN_ACT_CAP_HIT)
            CHECK(strcmp(a->cap, "chain_depth") == 0 ? a->value == s->chain_depth
                  : strcmp(a->cap, "decoys_max") == 0
                      ? a->value == s->decoys_max
                      : strcmp(a->cap, "decoys_total") == 0 && a->value == s->decoys_total);
        if (a->kind == LAN_ACT_HOLD) {
            CHECK(a->host < net.nhosts && net.hosts[a->host].st == LAN_DECIDE_PENDING);
            CHECK(net.hosts[a->host].nheld < LAN_DECIDE_MAX_HELD);
            net.hosts[a->host].nheld++; /* what the responder keeps */
        }
    }
    CHECK(echoes <= echo_room);
    for (size_t i = 0; i < net.nhosts; i++) {
        const struct lan_decide_host *h = &net.hosts[i];
        planned += h->planned;
        live += h->st != LAN_DECIDE_EMPTY;
        CHECK(h->st == LAN_DECIDE_EMPTY || (h->depth >= 1 && h->depth <= s->chain_depth));
    }
    CHECK(planned == 6 && live == net.live);
    CHECK(net.live <= s->decoys_max && s->live_total <= s->decoys_total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lan_decide_out out;
    struct lan_decide_shared s;
    long long now = 1000000;
    if (size < 2)
        return 0;
    setup(&s, data[0]);
    size_t echo_room = data[1] % (LAN_DECIDE_MAX_HOSTS + 2);
    for (size_t at = 2; at < size;) {
        uint8_t ctl = data[at];
        size_t len = size - at - 1;
        const uint8_t *frame = data + at + 1;
        if (size - at >= 3 && ((size_t)data[at + 1] << 8 | data[at + 2]) <= size - at - 3) {
            len = (size_t)data[at + 1] << 8 | data[at + 2];
            frame = data + at + 3;
        }
        now += (long long)(ctl & 31) * 100000;
        outcome(&s, ctl >> 5);
        lan_decide_frame(&net, &s, frame, len, now, echo_room, &out);
        check(&s, &out, echo_room, now);
        at = (size_t)(frame - data) + len;
    }
    return 0;
}
