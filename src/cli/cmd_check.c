/* karakuri check: one line per prerequisite, what to do about each failure,
 * exit 0 only when everything passes. */
#include "cli/cli.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "images/images.h"
#include "monitor/exec.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char help[] =
    "usage: karakuri [-c FILE] check\n"
    "\n"
    "Checks everything karakuri needs: the configuration, privileges, the state\n"
    "directory, the Docker engine and its API version, the honeynet images, and\n"
    "the kernel features karakuri uses. One line per item, with what to do about\n"
    "a failure. Exits 0 only when every item passes.\n";

struct check_state {
    int failed;
};

/* report()'s ok: passed, failed, or passed with a caveat worth reading. */
enum { CHECK_FAIL = 0, CHECK_OK = 1, CHECK_WARN = 2 };

static void report(struct check_state *st, int ok, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct check_state *st, int ok, const char *item, const char *fmt, ...)
{
    va_list ap;
    printf("%-5s %-18s ", ok == CHECK_WARN ? "warn" : ok ? "ok" : "FAIL", item);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!ok)
        st->failed++;
}

/* Effective capabilities from /proc/self/status, so no libcap is needed. */
static unsigned long long effective_caps(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long caps = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "CapEff:", 7) == 0)
            caps = strtoull(line + 7, NULL, 16);
    fclose(f);
    return caps;
}

static void check_privileges(struct check_state *st)
{
    /* CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_SYS_ADMIN 21: netns, veth, pcap, rules. */
    static const struct {
        int bit;
        const char *name;
    } need[] = {{12, "CAP_NET_ADMIN"}, {13, "CAP_NET_RAW"}, {21, "CAP_SYS_ADMIN"}};
    unsigned long long caps = effective_caps();
    char missing[128] = "";

    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!(caps & (1ULL << need[i].bit))) {
            size_t n = strlen(missing);
            snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? " " : "", need[i].name);
        }
    }
    if (!*missing)
        report(st, 1, "privileges", geteuid() == 0 ? "running as root" : "capabilities present");
    else
        report(st, 0, "privileges", "missing %s: run karakuri as root", missing);
}

static void check_state_dir(struct check_state *st, const struct config *cfg)
{
    char err[512] = "";
    struct store_options so;
    cli_store_options(cfg, &so);
    if (store_open_check(&so, err, sizeof(err)) < 0)
        report(st, 0, "state directory", "%s: fix the permissions or set [store] dir", err);
    else
        report(st, 1, "state directory", "%s writable, database opens", cfg->store.dir);
    int rc = store_remote_check(&so, err, sizeof(err));
    if (rc < 0)
        report(st, 0, "postgresql", "%s: check [store] url and that the server is up", err);
    else if (rc == 0)
        report(st, 1, "postgresql", "%s", err);
}

static void check_images(struct check_state *st, struct docker *d, const struct config *cfg)
{
    struct images_options o;
    struct images_status ist;
    char *workdir = NULL;

    cli_images_options(cfg, &o, &workdir);
    if (images_status(d, &o, &ist) < 0) {
        report(st, 0, "images", "cannot inspect images: %s", docker_last_error(d));
        free(workdir);
        return;
    }
    for (size_t i = 0; i < ist.count; i++) {
        const struct images_image_status *s = &ist.images[i];
        if (!s->present)
            report(st, 0, "image", "%s missing: run 'karakuri images build'", s->tag);
        else if (!s->up_to_date)
            report(st, 0, "image", "%s built from an older recipe: run 'karakuri images build'",
                   s->tag);
        else
            report(st, 1, "image", "%s up to date", s->tag);
    }
    free(workdir);
}

static struct docker *check_docker(struct check_state *st, const struct config *cfg)
{
    struct docker *d = NULL;
    json_t *v = NULL;
    char err[512];

    int rc = docker_open(cfg->docker.host, &d, err, sizeof(err));
    if (rc < 0) {
        report(st, 0, "docker",
               "%s: start an engine ('make run' or 'scripts/setup engine' do; "
               "by hand: apt-get install docker.io && dockerd &)",
               err);
        return NULL;
    }
    if (docker_version(d, &v) < 0) {
        report(st, 0, "docker", "GET /version failed: %s", docker_last_error(d));
        docker_close(d);
        return NULL;
    }
    report(st, 1, "docker", "Engine %s, API %s (server %s) at %s",
           json_string_value(json_object_get(v, "Version")) ?: "?", docker_api_version(d),
           json_string_value(json_object_get(v, "ApiVersion")) ?: "?", docker_socket_path(d));
    json_decref(v);
    return d;
}

/* Root in a container is root towards the kernel unless the engine remaps
 * it to an unprivileged range (README, "Threat model"). */
static void check_userns(struct check_state *st, struct docker *d)
{
    json_t *info = NULL, *it;
    size_t i;
    bool remapped = false;
    if (docker_request(d, "GET", "/info", NULL, NULL, &info) < 0) {
        report(st, CHECK_FAIL, "user namespaces", "GET /info failed: %s", docker_last_error(d));
        return;
    }
    json_array_foreach(json_object_get(info, "SecurityOptions"), i, it)
    {
        const char *o = json_string_value(it);
        remapped |= o && strstr(o, "name=userns") != NULL;
    }
    json_decref(info);
    if (remapped)
        report(st, CHECK_OK, "user namespaces",
               "the engine remaps container root to an unprivileged range");
    else
        report(st, CHECK_WARN, "user namespaces",
               "off: root in a honeynet container is uid 0 to the kernel; start dockerd with "
               "--userns-remap=default to remap it (README, Threat model)");
}

/* The chains exist while karakuri runs and after, until cleanup. */
static void check_firewall(struct check_state *st)
{
    char err[256];
    if (contain_fw_check(err, sizeof(err)) == 0)
        report(st, CHECK_OK, "firewall", "karakuri's chains and jumps are in place");
    else
        report(st, CHECK_OK, "firewall", "%s: karakuri run installs them", err);
}

static int path_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;
    int found = 0;

    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", dir, prog);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(copy);
    return found;
}

/* Docker limits containers through either cgroup version. */
static void check_cgroups(struct check_state *st)
{
    if (path_exists("/sys/fs/cgroup/cgroup.controllers"))
        report(st, 1, "cgroups", "v2 (container limits)");
    else if (path_exists("/sys/fs/cgroup/memory") && path_exists("/sys/fs/cgroup/pids"))
        report(st, 1, "cgroups", "v1 with memory and pids controllers (container limits)");
    else
        report(st, 0, "cgroups",
               "no memory/pids controllers under /sys/fs/cgroup (container "
               "limits): mount cgroup v2 or the v1 controllers");
}

static void check_kernel(struct check_state *st)
{
    check_cgroups(st);
    static const struct {
        const char *item, *path, *why, *fix;
    } files[] = {
        {"network namespaces", "/proc/self/ns/net", "attacker and container isolation",
         "a kernel with CONFIG_NET_NS"},
        {"bridge netfilter", "/proc/sys/net/bridge/bridge-nf-call-iptables",
         "holding SYNs on honeynet bridges", "modprobe br_netfilter"},
        {"BTF", "/sys/kernel/btf/vmlinux", "eBPF process monitoring",
         "a kernel with CONFIG_DEBUG_INFO_BTF"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (path_exists(files[i].path))
            report(st, 1, files[i].item, "%s present (%s)", files[i].path, files[i].why);
        else
            report(st, 0, files[i].item, "%s missing (%s): needs %s", files[i].path, files[i].why,
                   files[i].fix);
    }
    char err[256];
    if (monitor_exec_probe(err, sizeof(err)) == 0)
        report(st, 1, "exec monitor", "eBPF program on sched_process_exec loads (proc.exec)");
    else
        report(st, 0, "exec monitor", "%s: no proc.exec events", err);
    static const struct {
        const char *prog, *why, *pkg;
    } progs[] = {
        {"iptables", "containment rules", "iptables"},
        {"debootstrap", "building the images", "debootstrap"},
        {"tar", "building the images", "tar"},
    };
    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        if (in_path(progs[i].prog))
            report(st, 1, progs[i].prog, "found (%s)", progs[i].why);
        else
            report(st, 0, progs[i].prog, "not found (%s): apt-get install %s", progs[i].why,
                   progs[i].pkg);
    }
}

int cli_check(const struct config *cfg, int argc, char **argv)
{
    struct check_state st = {0};

    if (cli_wants_help(argc, argv, help))
        return 0;
    if (argc > 1) {
        fprintf(stderr, "karakuri check: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    report(&st, 1, "configuration", "%s", cfg->path ? cfg->path : "built-in defaults");
    check_privileges(&st);
    check_state_dir(&st, cfg);
    struct docker *d = check_docker(&st, cfg);
    if (d) {
        check_images(&st, d, cfg);
        check_userns(&st, d);
        docker_close(d);
    } else {
        report(&st, 0, "images", "not checked: no Docker engine");
    }
    check_kernel(&st);
    check_firewall(&st);
    printf("%s\n", st.failed ? "some checks failed" : "all checks passed");
    return st.failed ? 1 : 0;
}
