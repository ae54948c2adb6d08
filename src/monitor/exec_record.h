/* exec monitor: the record the kernel side sends for each exec, shared by
 * exec.bpf.c and exec.c (fixed-size fields, no padding holes). */
#ifndef KARAKURI_MONITOR_EXEC_RECORD_H
#define KARAKURI_MONITOR_EXEC_RECORD_H

#include <linux/types.h>

#define EXEC_WATCH_MAX 4096 /* watched containers */
#define EXEC_ARGV_MAX 4096  /* bytes of argv kept (a power of two) */
#define EXEC_CWD_MAX 1024   /* bytes of cwd components kept */
#define EXEC_NAME_MAX 256   /* one path component, with its NUL */
#define EXEC_CWD_DEPTH 32   /* path components walked */

#define EXEC_ARGV_TRUNCATED 1u
#define EXEC_CWD_TRUNCATED 2u

struct exec_record {
    __u32 pidns;    /* inode number of the process's pid namespace */
    __u32 pid;      /* in that namespace (what the intruder sees) */
    __u32 ppid;     /* likewise */
    __u32 host_pid; /* in the host's namespace */
    __u32 uid;
    __u32 flags;    /* EXEC_*_TRUNCATED */
    __u32 argv_len; /* bytes in argv: the arguments, each NUL-terminated */
    __u32 cwd_len;  /* bytes in cwd: components leaf first, each NUL-terminated */
    char argv[EXEC_ARGV_MAX];
    char cwd[EXEC_CWD_MAX];
};

#endif
