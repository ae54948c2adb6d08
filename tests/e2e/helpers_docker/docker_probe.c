/* docker_probe: every call of src/docker against the real engine.
 *
 *   docker_probe ID SUBNET_PREFIX FILE_TAR ROOTFS_TAR CONTEXT_TAR BAD_CONTEXT_TAR
 *
 * ID labels everything it makes (karakuri.test=ID, so the calling script can
 * remove leftovers); SUBNET_PREFIX is "10.213.N" (two /24s: .N and .N+1 are
 * not used by anything else). The tars are made by the script: a file to put
 * into a container, a busybox root filesystem to import, a build context on
 * top of it and one whose build fails. Prints one line per check; exits 1 at
 * the first failure. */
#include "docker/docker.h"
#include "docker/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static struct docker *d;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok && d)
        printf(" [last error: %s]", docker_last_error(d));
    printf("\n");
    fflush(stdout);
    if (!ok)
        exit(1);
}

static json_t *labels(const char *id)
{
    return json_pack("{s:s, s:s}", "karakuri.test", id, DOCKER_LABEL_MANAGED, "1");
}

static int open_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    check(fd >= 0, "open %s", path);
    return fd;
}

static void exec_checks(const char *cid)
{
    struct docker_exec_result r;
    const char *const sh[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    struct docker_exec_options o = {.argv = sh};
    check(docker_exec(d, cid, &o, &r) == 0, "exec without a tty");
    check(strcmp(r.out, "out\n") == 0 && strcmp(r.err, "err\n") == 0 && r.exit_code == 3,
          "exec: stdout '%s', stderr '%s', exit %d", r.out, r.err, r.exit_code);
    docker_exec_result_free(&r);

    const char *const cat[] = {"cat", NULL};
    struct docker_exec_options oi = {.argv = cat, .stdin_data = "hello\n", .stdin_len = 6};
    check(docker_exec(d, cid, &oi, &r) == 0 && strcmp(r.out, "hello\n") == 0 && r.exit_code == 0,
          "exec with stdin echoes it back");
    docker_exec_result_free(&r);

    const char *const id[] = {"id", "-un", NULL};
    const char *const env[] = {"KK_PROBE=1", NULL};
    struct docker_exec_options ou = {.argv = id, .user = "nobody", .env = env, .workdir = "/tmp"};
    check(docker_exec(d, cid, &ou, &r) == 0 && strcmp(r.out, "nobody\n") == 0,
          "exec as another user");
    docker_exec_result_free(&r);

    /* More stdin than the process reads: it exits anyway, and that is no
     * failure of the call. */
    size_t big_len = 8u << 20;
    char *big = calloc(1, big_len);
    const char *const t[] = {"true", NULL};
    struct docker_exec_options ot = {.argv = t, .stdin_data = big, .stdin_len = big_len};
    check(big && docker_exec(d, cid, &ot, &r) == 0 && r.exit_code == 0, "exec with unread stdin");
    docker_exec_result_free(&r);
    free(big);

    /* More output than the cap: the rest is read and dropped. */
    const char *const flood[] = {"sh", "-c",
                                 "busybox head -c 6000000 /dev/zero; echo done >&2; exit 4", NULL};
    struct docker_exec_options of = {.argv = flood};
    check(docker_exec(d, cid, &of, &r) == 0, "exec with output over the cap");
    check(r.out_len == DOCKER_EXEC_CAP_BYTES && strcmp(r.err, "done\n") == 0 && r.exit_code == 4,
          "exec output over the cap: %zu bytes kept, stderr '%s', exit %d", r.out_len, r.err,
          r.exit_code);
    docker_exec_result_free(&r);
}

/* Reads from fd until want appears (or EOF); returns whether it did. */
static int read_until(int fd, const char *want, char *acc, size_t cap)
{
    size_t n = strlen(acc);
    while (!strstr(acc, want) && n + 1 < cap) {
        ssize_t r = recv(fd, acc + n, cap - n - 1, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        acc[n] = '\0';
    }
    return strstr(acc, want) != NULL;
}

static void tty_checks(const char *cid)
{
    const char *const sh[] = {"/bin/sh", NULL};
    struct docker_exec_options o = {.argv = sh};
    char *exec_id = NULL, acc[8192] = "";
    int fd = -1;
    json_t *v = NULL;

    check(docker_exec_tty(d, cid, &o, 24, 80, &fd, &exec_id) == 0, "exec with a tty");
    const char cmd1[] = "stty size\n";
    check(send(fd, cmd1, sizeof(cmd1) - 1, MSG_NOSIGNAL) > 0, "write to the tty");
    check(read_until(fd, "24 80", acc, sizeof(acc)), "tty has the size asked for");
    check(docker_exec_resize(d, exec_id, 40, 100) == 0, "resize the tty");
    acc[0] = '\0';
    const char cmd2[] = "stty size; exit 3\n";
    check(send(fd, cmd2, sizeof(cmd2) - 1, MSG_NOSIGNAL) > 0, "write to the tty again");
    check(read_until(fd, "40 100", acc, sizeof(acc)), "tty resized");
    read_until(fd, "\x01never", acc, sizeof(acc)); /* to EOF */
    close(fd);
    int code = -1;
    for (int i = 0; i < 200 && code < 0; i++) {
        check(docker_exec_inspect(d, exec_id, &v) == 0, "exec inspect");
        if (!json_is_true(json_object_get(v, "Running")))
            code = (int)json_integer_value(json_object_get(v, "ExitCode"));
        json_decref(v);
        if (code < 0)
            usleep(10000);
    }
    check(code == 3, "tty exec exit code %d", code);
    free(exec_id);
}

static void file_checks(const char *cid, const char *file_tar)
{
    int fd = open_file(file_tar);
    check(docker_container_archive_put(d, cid, "/tmp", fd) == 0, "archive put");
    close(fd);
    struct docker_exec_result r;
    const char *const cat[] = {"cat", "/tmp/hello.txt", NULL};
    struct docker_exec_options o = {.argv = cat};
    check(docker_exec(d, cid, &o, &r) == 0 && strcmp(r.out, "hi\n") == 0, "put file is there");
    docker_exec_result_free(&r);

    json_t *diff = NULL;
    check(docker_container_diff(d, cid, &diff) == 0 && json_is_array(diff), "diff");
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(diff, i, it)
    {
        found |=
            strcmp(json_string_value(json_object_get(it, "Path")) ?: "", "/tmp/hello.txt") == 0 &&
            json_integer_value(json_object_get(it, "Kind")) == 1;
    }
    json_decref(diff);
    check(found, "diff lists /tmp/hello.txt as added");

    json_t *st_json = NULL;
    check(docker_container_stat_path(d, cid, "/tmp/hello.txt", &st_json) == 0 &&
              json_integer_value(json_object_get(st_json, "size")) == 3 &&
              strcmp(json_string_value(json_object_get(st_json, "name")) ?: "", "hello.txt") == 0,
          "stat of a path");
    json_decref(st_json);
    st_json = NULL;
    check(docker_container_stat_path(d, cid, "/tmp", &st_json) == 0 &&
              (json_integer_value(json_object_get(st_json, "mode")) & (1LL << 31)),
          "stat of a directory");
    json_decref(st_json);
    check(docker_container_stat_path(d, cid, "/no/such/path", &st_json) == -ENOENT,
          "stat of a missing path: -ENOENT");

    char path[] = "/tmp/kk-probe-XXXXXX";
    int out = mkstemp(path);
    check(out >= 0, "temp file");
    check(docker_container_archive_get(d, cid, "/tmp/hello.txt", out, 1 << 20) == 0, "archive get");
    struct stat st;
    check(fstat(out, &st) == 0, "fstat");
    check(st.st_size >= 1024, "archive get wrote a tar (%lld bytes)", (long long)st.st_size);
    check(ftruncate(out, 0) == 0 && lseek(out, 0, SEEK_SET) == 0, "truncate");
    check(docker_container_archive_get(d, cid, "/usr", out, 4096) == -EFBIG,
          "archive get over the cap is refused");
    close(out);
    unlink(path);
    check(docker_container_archive_get(d, cid, "/no/such/path", -1, 1024) == -ENOENT,
          "archive get of a missing path: -ENOENT");
}

static void network_checks(const char *cid, const char *net2, const char *ip2)
{
    json_t *v = NULL;
    check(docker_network_connect(d, net2, cid, ip2) == 0, "connect with a fixed address");
    check(docker_container_inspect(d, cid, &v) == 0, "inspect");
    json_t *nets = json_object_get(json_object_get(v, "NetworkSettings"), "Networks");
    const char *got = NULL;
    const char *key;
    json_t *n;
    json_object_foreach(nets, key, n)
    {
        const char *a = json_string_value(json_object_get(n, "IPAddress"));
        if (a && strcmp(a, ip2) == 0)
            got = a;
    }
    check(got != NULL, "container has %s", ip2);
    json_decref(v);
    check(docker_network_disconnect(d, net2, cid, true) == 0, "disconnect");
    check(docker_network_inspect(d, net2, &v) == 0 &&
              json_object_size(json_object_get(v, "Containers")) == 0,
          "network empty after disconnect");
    json_decref(v);
}

static void container_checks(const char *id, const char *net1, const char *ip1, const char *net2,
                             const char *ip2, const char *file_tar)
{
    char *cid = NULL, *name = NULL;
    json_t *v = NULL;
    if (asprintf(&name, "%s-c", id) < 0)
        exit(1);
    json_t *spec = json_pack("{s:s, s:[s,s], s:[], s:o, s:{s:s}, s:{s:{s:{s:{s:s}}}}}", "Image",
                             "karakuri/decoy:latest", "Cmd", "sleep", "300", "Entrypoint", "Labels",
                             labels(id), "HostConfig", "NetworkMode", net1, "NetworkingConfig",
                             "EndpointsConfig", net1, "IPAMConfig", "IPv4Address", ip1);
    check(docker_container_create(d, name, spec, &cid) == 0 && strlen(cid) == 64,
          "container create");
    check(docker_container_create(d, name, spec, NULL) == -EEXIST, "same name again: -EEXIST");
    json_decref(spec);
    check(docker_container_start(d, cid) == 0, "start");
    check(docker_container_start(d, cid) == 0, "start again (304) is success");
    check(docker_container_inspect(d, cid, &v) == 0 &&
              json_is_true(json_object_get(json_object_get(v, "State"), "Running")),
          "running");
    json_decref(v);
    exec_checks(cid);
    tty_checks(cid);
    file_checks(cid, file_tar);
    network_checks(cid, net2, ip2);

    json_t *filter = json_pack("{s:[s]}", "label", "karakuri.test");
    json_t *list = NULL;
    char *want = NULL;
    if (asprintf(&want, "karakuri.test=%s", id) < 0)
        exit(1);
    json_array_set_new(json_object_get(filter, "label"), 0, json_string(want));
    check(docker_container_list(d, true, filter, &list) == 0 && json_array_size(list) == 1,
          "list with a label filter finds it");
    json_decref(list);

    char *image = NULL;
    check(docker_container_commit(d, cid, "karakuri-test/commit", id, &image) == 0, "commit");
    check(docker_image_inspect(d, image, &v) == 0, "committed image exists");
    json_decref(v);
    check(docker_image_remove(d, image, true) == 0, "remove the committed image");
    free(image);

    check(docker_container_kill(d, cid, "TERM") == 0, "kill TERM");
    check(docker_container_stop(d, cid, 1) == 0, "stop");
    check(docker_container_remove(d, cid, true, true) == 0, "remove");
    check(docker_container_inspect(d, cid, &v) == -ENOENT, "removed: inspect says -ENOENT");
    check(docker_container_list(d, true, filter, &list) == 0 && json_array_size(list) == 0,
          "list is empty again");
    json_decref(list);
    json_decref(filter);
    free(want);
    free(cid);
    free(name);
}

static void progress(const char *line, void *ud)
{
    (*(int *)ud)++;
    (void)line;
}

static void image_checks(const char *id, const char *rootfs_tar, const char *ctx_tar,
                         const char *bad_tar)
{
    int lines = 0, fd = open_file(rootfs_tar);
    char *imported = NULL, *built = NULL, base[128], tag[128];
    json_t *v = NULL;

    check(docker_image_import(d, fd, "karakuri-test/busybox", id, progress, &lines, &imported) == 0,
          "image import");
    close(fd);
    check(strncmp(imported, "sha256:", 7) == 0, "import gives an image id");
    snprintf(base, sizeof(base), "karakuri-test/busybox:%s", id);
    check(docker_image_tag(d, base, "karakuri-test/busybox2", id) == 0, "tag");

    json_t *args = json_pack("{s:s}", "BASE", base);
    json_t *lab = json_pack("{s:s}", "karakuri.test", id);
    snprintf(tag, sizeof(tag), "karakuri-test/built:%s", id);
    struct docker_build_options bo = {.tag = tag, .buildargs = args, .labels = lab};
    fd = open_file(ctx_tar);
    lines = 0;
    check(docker_image_build(d, fd, &bo, progress, &lines, &built) == 0, "build");
    close(fd);
    check(lines > 2 && strncmp(built, "sha256:", 7) == 0, "build progress (%d lines), id", lines);
    check(docker_image_inspect(d, tag, &v) == 0, "built image inspect");
    const char *l = json_string_value(
        json_object_get(json_object_get(json_object_get(v, "Config"), "Labels"), "karakuri.test"));
    check(l && strcmp(l, id) == 0, "build labels applied");
    json_decref(v);

    char badtag[160];
    snprintf(badtag, sizeof(badtag), "karakuri-test/broken:%s", id);
    bo.tag = badtag;
    fd = open_file(bad_tar);
    check(docker_image_build(d, fd, &bo, NULL, NULL, NULL) < 0 &&
              strstr(docker_last_error(d), "non-zero code"),
          "failing build fails with the engine's message");
    close(fd);
    check(docker_image_inspect(d, badtag, &v) == -ENOENT, "failed build left no tag");

    json_t *list = NULL;
    json_t *filter = json_pack("{s:[s]}", "reference", "karakuri-test/*");
    check(docker_image_list(d, filter, &list) == 0 && json_array_size(list) >= 2, "image list");
    json_decref(list);
    json_decref(filter);
    check(docker_image_remove(d, tag, true) == 0, "remove built image");
    check(docker_image_remove(d, "karakuri-test/busybox2:kk-none", false) == -ENOENT,
          "removing a missing image: -ENOENT");
    char base2[128];
    snprintf(base2, sizeof(base2), "karakuri-test/busybox2:%s", id);
    check(docker_image_remove(d, base2, false) == 0, "remove tag");
    check(docker_image_remove(d, base, true) == 0, "remove imported image");
    json_decref(args);
    json_decref(lab);
    free(built);
    free(imported);
}

int main(int argc, char **argv)
{
    char err[512], *net1 = NULL, *net2 = NULL, sub1[64], sub2[64], ip1[32], ip2[32], n1[64], n2[64];
    json_t *v = NULL;

    if (argc != 7) {
        fprintf(stderr,
                "usage: docker_probe ID SUBNET_PREFIX FILE_TAR ROOTFS_TAR CTX_TAR BAD_TAR\n");
        return 2;
    }
    const char *id = argv[1];
    int third = (int)strtol(strrchr(argv[2], '.') + 1, NULL, 10);
    char *prefix2 = strndup(argv[2], (size_t)(strrchr(argv[2], '.') - argv[2]));
    snprintf(sub1, sizeof(sub1), "%s.0/24", argv[2]);
    snprintf(sub2, sizeof(sub2), "%s.%d.0/24", prefix2, third + 1);
    snprintf(ip1, sizeof(ip1), "%s.10", argv[2]);
    snprintf(ip2, sizeof(ip2), "%s.%d.20", prefix2, third + 1);
    snprintf(n1, sizeof(n1), "%s-n1", id);
    snprintf(n2, sizeof(n2), "%s-n2", id);

    check(docker_open("unix:///nonexistent/kk-docker.sock", &d, err, sizeof(err)) < 0 &&
              strstr(err, "/nonexistent/kk-docker.sock"),
          "a dead socket is refused, named: %s", err);
    check(docker_open("tcp://127.0.0.1:2375", &d, err, sizeof(err)) == -EINVAL, "tcp:// refused");
    check(docker_open(NULL, &d, err, sizeof(err)) == 0, "open: %s", err);
    check(docker_version_cmp(docker_api_version(d), DOCKER_API_MIN) >= 0, "API %s",
          docker_api_version(d));
    check(docker_ping(d) == 0, "ping");
    check(docker_version(d, &v) == 0 && json_object_get(v, "ApiVersion"), "version");
    json_decref(v);
    check(docker_container_inspect(d, "kk-no-such-container", &v) == -ENOENT &&
              strstr(docker_last_error(d), "No such container"),
          "inspect of a missing container: -ENOENT with the engine's message");

    for (int i = 0; i < 2; i++) {
        json_t *spec =
            json_pack("{s:s, s:b, s:o, s:{s:[{s:s}]}}", "Name", i ? n2 : n1, "Internal", 1,
                      "Labels", labels(id), "IPAM", "Config", "Subnet", i ? sub2 : sub1);
        check(docker_network_create(d, spec, i ? &net2 : &net1) == 0, "internal network %s",
              i ? sub2 : sub1);
        json_decref(spec);
    }
    json_t *filter = json_pack("{s:[s]}", "name", n1);
    json_t *list = NULL;
    check(docker_network_list(d, filter, &list) == 0 && json_array_size(list) == 1,
          "network list by name");
    json_decref(list);
    json_decref(filter);

    container_checks(id, n1, ip1, n2, ip2, argv[3]);
    image_checks(id, argv[4], argv[5], argv[6]);

    check(docker_network_remove(d, net1) == 0 && docker_network_remove(d, net2) == 0,
          "networks removed");
    check(docker_network_inspect(d, net1, &v) == -ENOENT, "network gone");
    free(net1);
    free(net2);
    free(prefix2);
    docker_close(d);
    printf("all docker checks passed\n");
    return 0;
}
