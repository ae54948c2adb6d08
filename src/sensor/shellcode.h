/* sensor shellcode: is there x86 / x86-64 machine code in a payload that
 * acts like shellcode? A pure function of the bytes (no I/O, no globals).
 *
 * Two stages, libemu's way (libemu itself is gone from Debian):
 *   1. a fast scan for candidates, the places shellcode has to start from:
 *      GetPC sequences (call/pop, jmp/call/pop, fnstenv/fstenv, x86-64
 *      lea reg,[rip+d]), runs of NOP-like one-byte instructions (sleds),
 *      short backward loops over an xor/add/sub on memory (decoder loops)
 *      and the instructions right before a system call instruction;
 *   2. a bounded emulation (Unicorn) from each candidate, 32- and 64-bit:
 *      the payload mapped at SENSOR_SC_BASE, a zeroed stack, every register
 *      zero but the stack pointer. The verdict is "shellcode" when it
 *      reaches a system call (int 0x80, syscall, sysenter) or writes over
 *      its own bytes the way a decoder does (one instruction writing several
 *      distinct bytes of the payload, or running bytes it wrote). From a
 *      bare system call site the call must also look meant: a Linux system
 *      call number attackers use (execve, socket, connect, dup2, ...).
 *
 * Hard caps: the first SENSOR_SC_MAX_SCAN_BYTES of a payload are scanned, a
 * window of at most SENSOR_SC_WINDOW_BYTES around each candidate is mapped,
 * at most max_candidates candidates are emulated, max_insns instructions
 * each, max_total_us for the whole call. Any input returns; none crashes.
 *
 * sensor_shellcode_disasm gives the Capstone listing of what a verdict
 * found (the decoder, the GetPC), for the event and the analyst. */
#ifndef KARAKURI_SENSOR_SHELLCODE_H
#define KARAKURI_SENSOR_SHELLCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENSOR_SC_MAX_SCAN_BYTES ((size_t)1024 * 1024)
#define SENSOR_SC_WINDOW_BYTES ((size_t)64 * 1024)
/* Where byte 0 of the payload sits in the emulated address space. */
#define SENSOR_SC_BASE 0x10000000u
#define SENSOR_SC_DEFAULT_INSNS 100000
#define SENSOR_SC_DEFAULT_CANDIDATES 32
#define SENSOR_SC_DEFAULT_TOTAL_US 200000
/* The most instructions sensor_shellcode_disasm lists. */
#define SENSOR_SC_DISASM_MAX_INSNS 512

enum sensor_sc_arch {
    SENSOR_SC_ARCH_NONE = 0,
    SENSOR_SC_ARCH_X86 = 32,
    SENSOR_SC_ARCH_X64 = 64,
};

/* What made the candidate a candidate. */
enum sensor_sc_technique {
    SENSOR_SC_TECH_NONE = 0,
    SENSOR_SC_TECH_GETPC_CALLPOP, /* call to a pop just after it */
    SENSOR_SC_TECH_JMPCALLPOP,    /* jmp forward to a call back to a pop */
    SENSOR_SC_TECH_GETPC_FNSTENV, /* an FPU instruction, then fnstenv/fstenv */
    SENSOR_SC_TECH_LEA_RIP,       /* x86-64 lea reg, [rip + d] */
    SENSOR_SC_TECH_SLED,          /* NOP-like one-byte instructions */
    SENSOR_SC_TECH_DECODER_LOOP,  /* loop / dec-jnz back over a memory xor/add/sub */
    SENSOR_SC_TECH_SYSCALL_SITE,  /* the code before a system call instruction */
};

/* What the emulation reached. */
enum sensor_sc_reach {
    SENSOR_SC_REACH_NONE = 0,
    SENSOR_SC_REACH_INT80,   /* int 0x80 */
    SENSOR_SC_REACH_SYSCALL, /* syscall */
    SENSOR_SC_REACH_SYSENTER,
    SENSOR_SC_REACH_SELFMOD, /* wrote over its own bytes like a decoder */
};

struct sensor_sc_limits {
    uint64_t max_insns;      /* per candidate and architecture */
    unsigned max_candidates; /* emulated per call */
    long long max_total_us;  /* emulation time for the whole call */
};

struct sensor_sc_verdict {
    bool detected;
    enum sensor_sc_arch arch;
    enum sensor_sc_technique technique;
    enum sensor_sc_reach reached; /* a system call, or SELFMOD when only that */
    bool self_modifying;          /* it wrote over its own bytes (a decoder), too */
    size_t offset;                /* where the detected candidate starts */
    size_t reach_offset; /* of the system call or writing instruction; SIZE_MAX off the payload */
    uint64_t syscall_nr; /* eax / rax at the system call */
    uint64_t insns;      /* instructions emulated from the candidate to the verdict */
    /* For the whole call, detected or not: */
    unsigned candidates; /* found by the scan (the emulated ones are the first max_candidates) */
    unsigned emulated;   /* candidate and architecture runs */
    uint64_t total_insns;
    bool budget_hit; /* a cap (instructions, candidates, time) cut the search short */
};

/* The defaults: SENSOR_SC_DEFAULT_*. */
void sensor_sc_limits_default(struct sensor_sc_limits *l);

/* Scans buf (borrowed) with the default limits. Returns 0 (out filled,
 * detected or not), -EINVAL on a NULL out or buf with len, -ENOMEM when the
 * emulator cannot be set up. */
int sensor_shellcode_scan(const uint8_t *buf, size_t len, struct sensor_sc_verdict *out)
    __attribute__((warn_unused_result));
/* The same with limits (NULL: the defaults; zero fields: the defaults). */
int sensor_shellcode_scan_limits(const uint8_t *buf, size_t len, const struct sensor_sc_limits *lim,
                                 struct sensor_sc_verdict *out) __attribute__((warn_unused_result));

/* A Capstone listing of at most max_insns (capped at
 * SENSOR_SC_DISASM_MAX_INSNS) instructions of buf from off, one a line:
 * "+0x001a  31 c0                xor eax, eax". Stops at the end of buf or at
 * bytes that decode to no instruction ("(bad)"). arch is SENSOR_SC_ARCH_X86
 * or _X64. Returns a string the caller frees, or NULL for a bad arch, off
 * past len, or when Capstone cannot be opened. */
char *sensor_shellcode_disasm(const uint8_t *buf, size_t len, size_t off, int arch,
                              size_t max_insns);

/* Names for events and listings: "getpc_callpop", "int80", "x86", ... */
const char *sensor_sc_technique_name(enum sensor_sc_technique t);
const char *sensor_sc_reach_name(enum sensor_sc_reach r);
const char *sensor_sc_arch_name(enum sensor_sc_arch a);

#endif
