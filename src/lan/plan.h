/* lan plan: which hosts "exist" on a honeynet's LAN besides its gateway: a
 * believable handful (never the whole subnet: answering for every address is
 * how honeyd's arpd gets spotted), at scattered addresses, with MACs of real
 * server and PC vendors, company-like hostnames and a role each (the services
 * the decoy runs). Pure and deterministic: the same honeynet name and subnet
 * always give the same plan, so it survives restarts without being stored. */
#ifndef KARAKURI_LAN_PLAN_H
#define KARAKURI_LAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAN_PLAN_MAX 32

struct lan_role {
    const char *name;      /* "file server", "database", … */
    const char *prefix;    /* hostname stem: "fs", "db", … */
    const uint16_t *ports; /* TCP services, 0-terminated */
};

struct lan_host {
    uint32_t ip; /* host byte order */
    uint8_t mac[6];
    char hostname[32];
    const struct lan_role *role;
};

struct lan_plan {
    uint32_t net; /* the /24, host byte order */
    size_t count;
    struct lan_host hosts[LAN_PLAN_MAX];
};

/* Plans count hosts (at most LAN_PLAN_MAX) on the /24 at net for honeynet
 * name, never at .0, .1 (the bridge), .255 or avoid_ip (the gateway). */
void lan_plan_make(const char *name, uint32_t net, size_t count, uint32_t avoid_ip,
                   struct lan_plan *out);

/* A host for an address outside the plan that the intruder connected to:
 * a workstation with a vendor MAC and a name, deterministic like the plan. */
void lan_plan_adopt(const char *name, uint32_t ip, struct lan_host *out);

/* The planned host at ip, or NULL. */
/* Every role's TCP services but SSH (which every decoy runs), ascending:
 * what a pool decoy listens on until its role is known. Returns how many
 * were written to out (at most max). */
size_t lan_role_services(uint16_t *out, size_t max);

const struct lan_host *lan_plan_find(const struct lan_plan *p, uint32_t ip);

/* "00:50:56:12:34:56" into out (18 bytes). */
void lan_mac_format(const uint8_t mac[6], char out[18]);

#endif
