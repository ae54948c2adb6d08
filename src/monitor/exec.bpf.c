/* exec monitor, kernel side: on every exec in a watched pid namespace (one
 * per honeynet container) sends pids, uid, argv and cwd to user space.
 * Built with clang -target bpf; the kernel structures are declared here with
 * only the fields read, and CO-RE relocates them against the running
 * kernel's BTF, so no vmlinux.h is needed. */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exec_record.h"

#define PAI __attribute__((preserve_access_index))

struct ns_common {
    unsigned int inum;
} PAI;
struct pid_namespace {
    struct ns_common ns;
} PAI;
struct upid {
    int nr;
    struct pid_namespace *ns;
} PAI;
struct pid {
    unsigned int level;
    struct upid numbers[1];
} PAI;
struct qstr {
    const unsigned char *name;
} PAI;
struct dentry {
    struct dentry *d_parent;
    struct qstr d_name;
} PAI;
struct vfsmount {
    struct dentry *mnt_root;
} PAI;
struct mount {
    struct mount *mnt_parent;
    struct dentry *mnt_mountpoint;
    struct vfsmount mnt;
} PAI;
struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
} PAI;
struct fs_struct {
    struct path root;
    struct path pwd;
} PAI;
struct mm_struct {
    unsigned long arg_start;
    unsigned long arg_end;
} PAI;
struct task_struct {
    int tgid;
    struct task_struct *real_parent;
    struct pid *thread_pid;
    struct mm_struct *mm;
    struct fs_struct *fs;
} PAI;
struct linux_binprm;

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Pid namespace inode numbers of the watched containers. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, EXEC_WATCH_MAX);
    __type(key, __u32);
    __type(value, __u8);
} watched SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} records SEC(".maps");

/* Records the ring had no room for, per CPU (user space sums and reports
 * them: proc.dropped). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} drops SEC(".maps");

/* t's pid as seen in its own (innermost) pid namespace, and that
 * namespace's inode number. */
static __always_inline int ns_pid(struct task_struct *t, __u32 *inum)
{
    struct pid *p = BPF_CORE_READ(t, thread_pid);
    unsigned int level = BPF_CORE_READ(p, level);
    struct upid u = {0};

    bpf_core_read(&u, sizeof(u), &p->numbers[level & 31]);
    *inum = BPF_CORE_READ(u.ns, ns.inum);
    return u.nr;
}

/* The cwd's components, leaf first, each NUL-terminated; user space puts
 * them in order. Mount points are crossed; the walk ends at the process's
 * root (the container's), so the path is the one the intruder sees. */
static __always_inline void cwd_components(struct task_struct *t, struct exec_record *r)
{
    struct fs_struct *fs = BPF_CORE_READ(t, fs);
    struct dentry *root = BPF_CORE_READ(fs, root.dentry);
    struct vfsmount *root_mnt = BPF_CORE_READ(fs, root.mnt);
    struct dentry *d = BPF_CORE_READ(fs, pwd.dentry);
    struct vfsmount *mnt = BPF_CORE_READ(fs, pwd.mnt);
    __u32 off = 0;

    for (int i = 0; i < EXEC_CWD_DEPTH; i++) {
        if (d == root && mnt == root_mnt)
            return;
        if (d == BPF_CORE_READ(mnt, mnt_root)) {
            struct mount *m = (void *)((char *)mnt - bpf_core_field_offset(struct mount, mnt));
            struct mount *parent = BPF_CORE_READ(m, mnt_parent);
            if (parent == m)
                return;
            d = BPF_CORE_READ(m, mnt_mountpoint);
            mnt = (struct vfsmount *)((char *)parent + bpf_core_field_offset(struct mount, mnt));
            continue;
        }
        struct dentry *up = BPF_CORE_READ(d, d_parent);
        if (up == d)
            return;
        if (off >= EXEC_CWD_MAX - EXEC_NAME_MAX) {
            r->flags |= EXEC_CWD_TRUNCATED;
            return;
        }
        long n =
            bpf_probe_read_kernel_str(&r->cwd[off], EXEC_NAME_MAX, BPF_CORE_READ(d, d_name.name));
        if (n <= 0)
            return;
        /* Masked so that the verifier sees one range for off on every pass
         * (no-op: off < EXEC_CWD_MAX here) and does not explore each. */
        off = (off + (__u32)n) & (EXEC_CWD_MAX - 1);
        r->cwd_len = off;
        d = up;
    }
    r->flags |= EXEC_CWD_TRUNCATED;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *t, int old_pid, struct linux_binprm *bprm)
{
    __u32 inum = 0;
    int pid = ns_pid(t, &inum);

    if (!bpf_map_lookup_elem(&watched, &inum))
        return 0;
    struct exec_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
    if (!r) {
        __u32 zero = 0;
        __u64 *n = bpf_map_lookup_elem(&drops, &zero);
        if (n)
            (*n)++;
        return 0;
    }
    __u32 parent_inum = 0;
    int ppid = ns_pid(BPF_CORE_READ(t, real_parent), &parent_inum);
    r->pidns = inum;
    r->pid = (__u32)pid;
    /* A parent outside the container (docker exec's runc) is 0, as getppid()
     * says inside. */
    r->ppid = parent_inum == inum ? (__u32)ppid : 0;
    r->host_pid = (__u32)BPF_CORE_READ(t, tgid);
    r->uid = (__u32)bpf_get_current_uid_gid();
    r->flags = 0;
    r->argv_len = 0;
    r->cwd_len = 0;

    struct mm_struct *mm = BPF_CORE_READ(t, mm);
    unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
    unsigned long len = end > start ? end - start : 0;
    if (len > EXEC_ARGV_MAX - 1) {
        len = EXEC_ARGV_MAX - 1;
        r->flags |= EXEC_ARGV_TRUNCATED;
    }
    /* The new image's arguments were just copied onto its stack: resident.
     * The mask is for the verifier (EXEC_ARGV_MAX is a power of two). */
    len &= EXEC_ARGV_MAX - 1;
    if (bpf_probe_read_user(r->argv, len, (void *)start) == 0)
        r->argv_len = (__u32)len;
    cwd_components(t, r);
    bpf_ringbuf_submit(r, 0);
    return 0;
}
