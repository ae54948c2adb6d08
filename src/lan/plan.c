/* lan plan: the population plan of a honeynet (see plan.h). Randomness comes
 * from SHA-256 of the honeynet's name and subnet in counter mode, so plans
 * look random but are the same every time. */
#include "lan/plan.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint16_t fs_ports[] = {22, 139, 445, 0};
static const uint16_t db_ports[] = {22, 3306, 5432, 0};
static const uint16_t web_ports[] = {22, 80, 443, 0};
static const uint16_t dc_ports[] = {22, 53, 88, 389, 445, 0};
static const uint16_t ws_ports[] = {22, 0};
static const uint16_t backup_ports[] = {22, 873, 0};

static const struct lan_role roles[] = {
    {"file server", "fs", fs_ports},  {"database", "db", db_ports},
    {"web server", "web", web_ports}, {"domain controller", "dc", dc_ports},
    {"workstation", "ws", ws_ports},  {"backup", "backup", backup_ports},
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

/* OUIs of vendors a company LAN is full of: Dell, HPE, Supermicro, Lenovo,
 * Intel, VMware. */
static const uint8_t ouis[][3] = {{0x00, 0x14, 0x22}, {0x3c, 0xd9, 0x2b}, {0x00, 0x25, 0x90},
                                  {0x54, 0xee, 0x75}, {0x00, 0x1b, 0x21}, {0x00, 0x50, 0x56}};

struct rng {
    unsigned char seed[64];
    size_t seed_len;
    uint32_t counter;
    unsigned char block[32];
    size_t used;
};

static uint32_t next(struct rng *r)
{
    if (r->used + 4 > sizeof(r->block)) {
        unsigned int len = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
            abort();
        EVP_DigestUpdate(ctx, r->seed, r->seed_len);
        EVP_DigestUpdate(ctx, &r->counter, sizeof(r->counter));
        EVP_DigestFinal_ex(ctx, r->block, &len);
        EVP_MD_CTX_free(ctx);
        r->counter++;
        r->used = 0;
    }
    uint32_t v;
    memcpy(&v, r->block + r->used, 4);
    r->used += 4;
    return v;
}

/* A MAC of one of the vendors, the rest random. */
static void vendor_mac(struct rng *r, uint8_t mac[6])
{
    const uint8_t *oui = ouis[next(r) % (sizeof(ouis) / sizeof(ouis[0]))];
    uint32_t tail = next(r);
    memcpy(mac, oui, 3);
    mac[3] = (uint8_t)(tail >> 16);
    mac[4] = (uint8_t)(tail >> 8);
    mac[5] = (uint8_t)tail;
}

void lan_plan_make(const char *name, uint32_t net, size_t count, uint32_t avoid_ip,
                   struct lan_plan *out)
{
    struct rng r = {.used = 32};
    unsigned role_seen[NROLES] = {0};

    r.seed_len = (size_t)snprintf((char *)r.seed, sizeof(r.seed), "%s/%08x", name, net);
    if (r.seed_len >= sizeof(r.seed))
        r.seed_len = sizeof(r.seed) - 1;
    memset(out, 0, sizeof(*out));
    out->net = net & 0xffffff00u;
    if (count > LAN_PLAN_MAX)
        count = LAN_PLAN_MAX;
    while (out->count < count) {
        uint32_t ip = out->net | (2 + next(&r) % 252); /* .2 … .253 */
        if (ip == avoid_ip || lan_plan_find(out, ip))
            continue;
        struct lan_host *h = &out->hosts[out->count++];
        h->ip = ip;
        /* Servers first, in order, then a mix: every small LAN has a file
         * server and a domain controller. */
        size_t ri = out->count <= NROLES ? out->count - 1 : next(&r) % NROLES;
        h->role = &roles[ri];
        vendor_mac(&r, h->mac);
        snprintf(h->hostname, sizeof(h->hostname), "%s%02u", h->role->prefix, ++role_seen[ri]);
    }
}

void lan_plan_adopt(const char *name, uint32_t ip, struct lan_host *out)
{
    struct rng r = {.used = 32};
    r.seed_len = (size_t)snprintf((char *)r.seed, sizeof(r.seed), "adopt/%s/%08x", name, ip);
    if (r.seed_len >= sizeof(r.seed))
        r.seed_len = sizeof(r.seed) - 1;
    memset(out, 0, sizeof(*out));
    out->ip = ip;
    out->role = &roles[4]; /* workstations come and go unplanned */
    vendor_mac(&r, out->mac);
    snprintf(out->hostname, sizeof(out->hostname), "pc%03u", ip & 0xffu);
}

size_t lan_role_services(uint16_t *out, size_t max)
{
    size_t n = 0;
    for (uint16_t port = 1; port && n < max; port++) {
        bool used = false;
        for (size_t i = 0; i < NROLES && !used; i++)
            for (const uint16_t *p = roles[i].ports; *p && !used; p++)
                used = *p == port && port != 22;
        if (used)
            out[n++] = port;
    }
    return n;
}

const struct lan_host *lan_plan_find(const struct lan_plan *p, uint32_t ip)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->hosts[i].ip == ip)
            return &p->hosts[i];
    return NULL;
}

void lan_mac_format(const uint8_t mac[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}
