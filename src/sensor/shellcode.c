/* sensor shellcode: candidates by a byte scan, verdicts by a bounded
 * emulation (Unicorn), listings by Capstone. See shellcode.h.
 *
 * The scan is cheap and runs over every byte; emulation is the expensive
 * part, so it only starts where the scan found a candidate, and each engine
 * (one per architecture) is opened on the first candidate that needs it and
 * reused for the next ones: the payload window and the stack are written
 * back and the registers restored from a saved context before each run.
 *
 * Why the verdicts are what they are: benign data emulated from a random
 * place dies within a few instructions on an unmapped access or an invalid
 * opcode, with every register zero it cannot address the payload, and text
 * cannot hold a system call instruction (0xcd 0x80, 0x0f 0x05 / 0x34). Code
 * that reaches a system call or rewrites its own bytes in a loop has found
 * its own address (GetPC) and used it, which is what shellcode does. */
#include "sensor/shellcode.h"

#include "common/buf.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define PAGE 4096u
#define STACK_BASE 0x7ff00000u
#define STACK_BYTES ((size_t)64 * 1024)
/* Room above the stack pointer for code that reads [esp + n]. */
#define STACK_TOP_ROOM ((size_t)16 * 1024)
#define MAX_FOUND 512
/* A system call site is emulated from each of this many bytes before it. */
#define SITE_BACK 64
/* Implausible system calls run past (returning 0) before a run gives up. */
#define SITE_SYSCALLS 8
/* Resumptions after a lock prefix written at run time, per run. */
#define MAX_RESUMES 512
#define SLED_MIN 24
#define GETPC_REACH 1024
#define LOOP_BODY_MAX 64
#define FPU_BACK 32
/* One instruction writing this many distinct payload bytes is a decoder. */
#define SELFMOD_WRITES 4
#define WRITERS 4
#define TIME_CHECK_INSNS 256

struct cand {
    size_t off;
    enum sensor_sc_technique tech;
    unsigned archs; /* 1: x86, 2: x64 */
};

const char *sensor_sc_technique_name(enum sensor_sc_technique t)
{
    switch (t) {
    case SENSOR_SC_TECH_GETPC_CALLPOP:
        return "getpc_callpop";
    case SENSOR_SC_TECH_JMPCALLPOP:
        return "jmpcallpop";
    case SENSOR_SC_TECH_GETPC_FNSTENV:
        return "getpc_fnstenv";
    case SENSOR_SC_TECH_LEA_RIP:
        return "lea_rip";
    case SENSOR_SC_TECH_SLED:
        return "sled";
    case SENSOR_SC_TECH_DECODER_LOOP:
        return "decoder_loop";
    case SENSOR_SC_TECH_SYSCALL_SITE:
        return "syscall_site";
    case SENSOR_SC_TECH_NONE:
        break;
    }
    return "none";
}

const char *sensor_sc_reach_name(enum sensor_sc_reach r)
{
    switch (r) {
    case SENSOR_SC_REACH_INT80:
        return "int80";
    case SENSOR_SC_REACH_SYSCALL:
        return "syscall";
    case SENSOR_SC_REACH_SYSENTER:
        return "sysenter";
    case SENSOR_SC_REACH_SELFMOD:
        return "selfmod";
    case SENSOR_SC_REACH_NONE:
        break;
    }
    return "none";
}

const char *sensor_sc_arch_name(enum sensor_sc_arch a)
{
    switch (a) {
    case SENSOR_SC_ARCH_X86:
        return "x86";
    case SENSOR_SC_ARCH_X64:
        return "x64";
    case SENSOR_SC_ARCH_NONE:
        break;
    }
    return "none";
}

void sensor_sc_limits_default(struct sensor_sc_limits *l)
{
    l->max_insns = SENSOR_SC_DEFAULT_INSNS;
    l->max_candidates = SENSOR_SC_DEFAULT_CANDIDATES;
    l->max_total_us = SENSOR_SC_DEFAULT_TOTAL_US;
}

/* ---- the scan ---------------------------------------------------------- */

static int32_t rd32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

static bool is_pop(const uint8_t *b, size_t len, size_t at)
{
    if (at >= len)
        return false;
    if (b[at] >= 0x58 && b[at] <= 0x5f)
        return true;
    /* pop r8..r15 (REX.B) */
    return b[at] == 0x41 && at + 1 < len && b[at + 1] >= 0x58 && b[at + 1] <= 0x5f;
}

/* One-byte instructions that change nothing that matters to the code after
 * them: nop, inc/dec (REX prefixes in 64-bit), push/pop, xchg eax, cwde,
 * cdq, flags. */
static bool is_sled_byte(uint8_t c)
{
    if (c == 0x90 || (c >= 0x40 && c <= 0x5f) || (c >= 0x91 && c <= 0x99))
        return true;
    switch (c) {
    case 0x27:
    case 0x2f:
    case 0x37:
    case 0x3f:
    case 0x9e:
    case 0x9f:
    case 0xf5:
    case 0xf8:
    case 0xf9:
    case 0xfc:
    case 0xfd:
        return true;
    default:
        return false;
    }
}

/* An instruction that writes memory the way a decoder's body does: xor,
 * add, sub, not, neg or a rotate on a memory operand, or a store string. */
static bool is_mem_arith(const uint8_t *b, size_t len, size_t at)
{
    uint8_t op = b[at];
    if (op == 0xaa || op == 0xab)
        return true;
    if (at + 1 >= len)
        return false;
    uint8_t m = b[at + 1], reg = (m >> 3) & 7;
    if ((m >> 6) == 3)
        return false;
    switch (op) {
    case 0x00:
    case 0x01:
    case 0x28:
    case 0x29:
    case 0x30:
    case 0x31:
        return true;
    case 0x80:
    case 0x81:
    case 0x83:
        return reg == 0 || reg == 5 || reg == 6;
    case 0xf6:
    case 0xf7:
        return reg == 2 || reg == 3;
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
        return reg == 0 || reg == 1;
    default:
        return false;
    }
}

struct found {
    struct cand c[MAX_FOUND];
    unsigned n, total;
};

static void add(struct found *f, size_t off, enum sensor_sc_technique tech, unsigned archs)
{
    f->total++;
    if (f->n < MAX_FOUND)
        f->c[f->n++] = (struct cand){.off = off, .tech = tech, .archs = archs};
}

/* call rel32 to a pop: after it (call/pop) or before it (jmp/call/pop,
 * started at the short or near jmp in front of the pop when there is one). */
static void scan_call(const uint8_t *b, size_t len, size_t i, struct found *f)
{
    if (i + 5 > len)
        return;
    int32_t rel = rd32(b + i + 1);
    if (rel == -1) { /* call $+4: into its own last byte (ff c0..c7: inc), then a pop */
        add(f, i, SENSOR_SC_TECH_GETPC_CALLPOP, 3);
        return;
    }
    if (rel < -GETPC_REACH || rel > GETPC_REACH)
        return;
    long long t = (long long)i + 5 + rel;
    if (t < 0 || !is_pop(b, len, (size_t)t))
        return;
    if (rel >= 0) {
        add(f, i, SENSOR_SC_TECH_GETPC_CALLPOP, 3);
        return;
    }
    size_t start = i;
    if (t >= 2 && b[t - 2] == 0xeb && (long long)t + (int8_t)b[t - 1] == (long long)i)
        start = (size_t)t - 2;
    else if (t >= 5 && b[t - 5] == 0xe9 && t + rd32(b + t - 4) == (long long)i)
        start = (size_t)t - 5;
    add(f, start, SENSOR_SC_TECH_JMPCALLPOP, 3);
}

/* fnstenv / fstenv [mem] (d9 /6), started at the FPU instruction before it
 * (whose address fnstenv stores), or a little before when none is seen. */
static void scan_fnstenv(const uint8_t *b, size_t len, size_t i, struct found *f)
{
    if (i + 1 >= len || ((b[i + 1] >> 3) & 7) != 6 || (b[i + 1] >> 6) == 3)
        return;
    size_t lo = i > FPU_BACK ? i - FPU_BACK : 0;
    for (size_t p = i; p-- > lo;) {
        if (b[p] >= 0xd8 && b[p] <= 0xdf && p + 2 <= i && b[p + 1] >= 0xc0) {
            add(f, p, SENSOR_SC_TECH_GETPC_FNSTENV, 3);
            return;
        }
    }
}

/* lea r64, [rip + d] with a displacement inside the window. */
static void scan_lea(const uint8_t *b, size_t len, size_t i, struct found *f)
{
    if (i + 7 > len || b[i + 1] != 0x8d || (b[i + 2] & 0xc7) != 0x05)
        return;
    int32_t d = rd32(b + i + 3);
    if (d < -(int32_t)(SENSOR_SC_WINDOW_BYTES / 2) || d > (int32_t)(SENSOR_SC_WINDOW_BYTES / 2))
        return;
    add(f, i, SENSOR_SC_TECH_LEA_RIP, 2);
}

/* loop / jnz rel8 back over a body that writes memory: started in front of
 * the body (where its pointer is set up) and at the body itself. */
static void scan_loop(const uint8_t *b, size_t len, size_t i, struct found *f)
{
    if (i + 1 >= len)
        return;
    int d = b[i + 1] < 0x80 ? (int)b[i + 1] : (int)b[i + 1] - 0x100; /* rel8 */
    if (d > -3 || d < -LOOP_BODY_MAX || (long long)i + 2 + d < 0)
        return;
    size_t body = (size_t)((long long)i + 2 + d);
    for (size_t p = body; p < i; p++) {
        if (is_mem_arith(b, len, p)) {
            add(f, body > 32 ? body - 32 : 0, SENSOR_SC_TECH_DECODER_LOOP, 3);
            add(f, body, SENSOR_SC_TECH_DECODER_LOOP, 3);
            return;
        }
    }
}

static void scan(const uint8_t *b, size_t len, struct found *f)
{
    size_t sled = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_sled_byte(b[i])) {
            if (++sled == SLED_MIN)
                add(f, i + 1 - SLED_MIN, SENSOR_SC_TECH_SLED, 3);
        } else {
            sled = 0;
        }
        switch (b[i]) {
        case 0xe8:
            scan_call(b, len, i, f);
            break;
        case 0xd9:
            scan_fnstenv(b, len, i, f);
            break;
        case 0x48:
        case 0x4c:
            scan_lea(b, len, i, f);
            break;
        case 0xe2:
        case 0x75:
            scan_loop(b, len, i, f);
            break;
        case 0xcd:
            if (i + 1 < len && b[i + 1] == 0x80)
                add(f, i, SENSOR_SC_TECH_SYSCALL_SITE, 3);
            break;
        case 0x0f:
            if (i + 1 < len && (b[i + 1] == 0x05 || b[i + 1] == 0x34))
                add(f, i, SENSOR_SC_TECH_SYSCALL_SITE, b[i + 1] == 0x05 ? 2 : 1);
            break;
        default:
            break;
        }
    }
}

static int tech_rank(enum sensor_sc_technique t)
{
    switch (t) {
    case SENSOR_SC_TECH_GETPC_CALLPOP:
    case SENSOR_SC_TECH_JMPCALLPOP:
    case SENSOR_SC_TECH_GETPC_FNSTENV:
        return 0;
    case SENSOR_SC_TECH_LEA_RIP:
        return 1;
    case SENSOR_SC_TECH_DECODER_LOOP:
        return 2;
    case SENSOR_SC_TECH_SLED:
        return 3;
    default:
        return 4;
    }
}

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    int rx = tech_rank(x->tech), ry = tech_rank(y->tech);
    if (rx != ry)
        return rx - ry;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* ---- emulation ---------------------------------------------------------- */

struct writer {
    uint64_t pc, last_addr;
    unsigned count;
};

/* One emulation run's outcome and its running state. */
struct run {
    uint64_t insns, budget;
    long long deadline_us;
    bool out_of_time;
    bool site; /* system calls judged by their number and arguments */
    unsigned syscalls;
    uint64_t last_pc;
    uint32_t last_size;
    enum sensor_sc_reach reached;
    uint64_t nr, reach_pc;
    bool selfmod;
    uint64_t selfmod_pc;
    struct writer writers[WRITERS];
    unsigned nwriters;
    bool wrote; /* into the payload window */
    /* A write may have made an instruction the translator aborts on:
     * sanitize [resan_lo, resan_hi) of the window before going on. */
    bool resan, resync;
    size_t resan_lo, resan_hi;
};

struct engine {
    uc_engine *uc;
    uc_context *ctx; /* the registers every run starts from */
    int arch;
    size_t map_lo, map_len; /* payload offsets mapped (map_len 0: none) */
    size_t payload_len;     /* of them, payload bytes (the rest is 0xcc) */
    uint8_t *win;           /* the window as first written, sanitized */
    uint8_t *shadow;        /* the window as the run has written it */
    uint8_t *written;       /* one bit per window byte */
    bool win_dirty;         /* emulated memory differs from win */
    uint64_t stack_lo, stack_hi;
    struct run run;
    const uint8_t *buf;
    const uint8_t *zeros;
};

struct scanner {
    const uint8_t *buf;
    size_t len;
    uint8_t *zeros; /* STACK_BYTES of zeros */
    struct engine eng[2];
};

/* Whether the lock prefix at w[i] prefixes an instruction that takes one
 * (a read-modify-write on memory). Unicorn 2.0.1's translator aborts the
 * process on some that do not (lock cmp, lock cmps, lock bt on a register)
 * and on far call / jmp through a register (ff /3, ff /5 with mod 3): those,
 * which a CPU refuses anyway (#UD), are made int3 before they are
 * translated, in the window as mapped and after every write that could
 * have made one (found by trying every two-byte opcode and prefix). */
static bool lock_ok(const uint8_t *w, size_t n, size_t i, int arch)
{
    size_t j = i + 1;
    while (j < n && j < i + 15) {
        uint8_t c = w[j];
        if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 || c == 0x65 ||
            c == 0x66 || c == 0x67 || c == 0xf2 || c == 0xf3 || c == 0xf0 ||
            (arch == 64 && c >= 0x40 && c <= 0x4f))
            j++;
        else
            break;
    }
    if (j + 1 >= n)
        return false;
    uint8_t op = w[j], m = w[j + 1];
    if (op == 0x0f) {
        if (j + 2 >= n)
            return false;
        op = w[j + 1];
        m = w[j + 2];
    }
    int reg = (m >> 3) & 7;
    if ((m >> 6) == 3)
        return false;
    if (w[j] == 0x0f) {
        switch (op) {
        case 0xab:
        case 0xb3:
        case 0xbb:
        case 0xb0:
        case 0xb1:
        case 0xc0:
        case 0xc1:
            return true;
        case 0xba:
            return reg >= 5;
        case 0xc7:
            return reg == 1;
        default:
            return false;
        }
    }
    if (op < 0x34 && (op & 7) <= 1)
        return true;
    switch (op) {
    case 0x80:
    case 0x81:
    case 0x82:
    case 0x83:
        return reg != 7;
    case 0x86:
    case 0x87:
        return true;
    case 0xf6:
    case 0xf7:
        return reg == 2 || reg == 3;
    case 0xfe:
    case 0xff:
        return reg <= 1;
    default:
        return false;
    }
}

static bool aborts_translator(const uint8_t *w, size_t n, size_t i, int arch)
{
    if (w[i] == 0xf0)
        return !lock_ok(w, n, i, arch);
    if (w[i] == 0xff && i + 1 < n) {
        uint8_t m = w[i + 1];
        int reg = (m >> 3) & 7;
        return (m >> 6) == 3 && (reg == 3 || reg == 5);
    }
    return false;
}

static bool risky_byte(uint8_t c)
{
    return c == 0xf0 || c == 0xff;
}

/* Makes int3 of what aborts the translator among w[from, to) (of n). */
static void sanitize(uint8_t *w, size_t n, size_t from, size_t to, int arch)
{
    for (size_t i = from; i < to && i < n; i++)
        if (aborts_translator(w, n, i, arch))
            w[i] = 0xcc;
}

static uint64_t reg_read(uc_engine *uc, int reg)
{
    uint64_t v = 0;
    if (uc_reg_read(uc, reg, &v) != UC_ERR_OK)
        return 0;
    return v;
}

/* A NUL-terminated printable string with a '/' at p: a path. */
static bool path_at(const struct engine *e, uint64_t p)
{
    bool slash = false;
    for (size_t n = 0; n < 64; n++) {
        uint8_t c;
        if (uc_mem_read(e->uc, p + n, &c, 1) != UC_ERR_OK)
            return false;
        if (!c)
            return n >= 2 && slash;
        if (c < 0x21 || c > 0x7e)
            return false;
        slash |= c == '/';
    }
    return false;
}

static bool readable(const struct engine *e, uint64_t p)
{
    uint8_t t[8];
    return uc_mem_read(e->uc, p, t, sizeof(t)) == UC_ERR_OK;
}

/* Whether a system call found only by its instruction looks meant: one that
 * shellcode makes (a shell, a socket, dup2 of a socket, executable memory),
 * with arguments that fit it. */
static bool plausible(const struct engine *e, enum sensor_sc_reach r, uint64_t nr)
{
    bool amd64 = r == SENSOR_SC_REACH_SYSCALL;
    uint64_t mask = amd64 ? UINT64_MAX : 0xffffffffu;
    uint64_t a = reg_read(e->uc, amd64 ? UC_X86_REG_RDI : UC_X86_REG_EBX) & mask;
    uint64_t b = reg_read(e->uc, amd64 ? UC_X86_REG_RSI : UC_X86_REG_ECX) & mask;
    uint64_t c = reg_read(e->uc, amd64 ? UC_X86_REG_RDX : UC_X86_REG_EDX) & mask;
    switch (amd64 ? nr : nr + 1000) {
    case 59:   /* execve */
    case 1011: /* execve */
        return path_at(e, a);
    case 322:  /* execveat */
    case 1358: /* execveat */
        return path_at(e, b);
    case 41:   /* socket */
    case 1359: /* socket */
        return a == 1 || a == 2 || a == 10;
    case 42:   /* connect */
    case 49:   /* bind */
    case 1361: /* bind */
    case 1362: /* connect */
        return readable(e, b) && c >= 8 && c <= 128;
    case 1102: /* socketcall */
        return a >= 1 && a <= 20 && readable(e, b);
    case 33:   /* dup2 */
    case 1063: /* dup2 */
        return a >= 3 && a < 65536 && b <= 2;
    case 9:    /* mmap */
    case 10:   /* mprotect */
    case 1125: /* mprotect */
    case 1192: /* mmap2 */
        return (c & 4) && b > 0 && b <= (1u << 24);
    default:
        return false;
    }
}

static void on_syscall(struct engine *e, enum sensor_sc_reach r)
{
    struct run *run = &e->run;
    uint64_t nr = reg_read(e->uc, e->arch == 64 ? UC_X86_REG_RAX : UC_X86_REG_EAX);
    if (r != SENSOR_SC_REACH_SYSCALL)
        nr &= 0xffffffffu;
    if (run->site && !plausible(e, r, nr)) {
        uint64_t zero = 0; /* as if it returned 0; on to the next one */
        if (uc_reg_write(e->uc, e->arch == 64 ? UC_X86_REG_RAX : UC_X86_REG_EAX, &zero) !=
                UC_ERR_OK ||
            ++run->syscalls >= SITE_SYSCALLS)
            uc_emu_stop(e->uc);
        return;
    }
    run->reached = r;
    run->nr = nr;
    run->reach_pc = run->last_pc;
    uc_emu_stop(e->uc);
}

static bool was_written(const struct engine *e, uint64_t addr)
{
    if (addr < SENSOR_SC_BASE + e->map_lo)
        return false;
    uint64_t o = addr - SENSOR_SC_BASE - e->map_lo;
    return o < e->payload_len && (e->written[o / 8] >> (o % 8) & 1);
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct engine *e = user;
    struct run *r = &e->run;
    r->last_pc = address;
    r->last_size = size;
    if (++r->insns > r->budget) {
        uc_emu_stop(uc);
        return;
    }
    if (r->insns % TIME_CHECK_INSNS == 0 && util_mono_us() > r->deadline_us) {
        r->out_of_time = true;
        uc_emu_stop(uc);
        return;
    }
    if (r->wrote && !r->selfmod && size &&
        (was_written(e, address) || was_written(e, address + size - 1))) {
        r->selfmod = true; /* running bytes it wrote: decoded code */
        r->selfmod_pc = address;
    }
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    if (intno == 0x80)
        on_syscall(user, SENSOR_SC_REACH_INT80);
    else
        uc_emu_stop(uc);
}

static void hook_syscall(uc_engine *uc, void *user)
{
    (void)uc;
    on_syscall(user, SENSOR_SC_REACH_SYSCALL);
}

static void hook_sysenter(uc_engine *uc, void *user)
{
    (void)uc;
    on_syscall(user, SENSOR_SC_REACH_SYSENTER);
}

static void note_writer(struct run *r, uint64_t addr)
{
    struct writer *w = NULL;
    for (unsigned k = 0; k < r->nwriters; k++)
        if (r->writers[k].pc == r->last_pc)
            w = &r->writers[k];
    if (!w) {
        unsigned k = r->nwriters < WRITERS ? r->nwriters++ : (unsigned)(r->insns % WRITERS);
        w = &r->writers[k];
        *w = (struct writer){.pc = r->last_pc, .last_addr = addr, .count = 1};
    } else if (w->last_addr != addr) {
        w->last_addr = addr;
        w->count++;
    }
    if (w->count >= SELFMOD_WRITES && !r->selfmod) {
        r->selfmod = true;
        r->selfmod_pc = w->pc;
    }
}

static void hook_write(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                       void *user)
{
    (void)type;
    struct engine *e = user;
    bool payload = false;
    for (int k = 0; k < size; k++) {
        uint64_t a = address + (uint64_t)k;
        if (a < SENSOR_SC_BASE + e->map_lo)
            continue;
        uint64_t o = a - SENSOR_SC_BASE - e->map_lo;
        if (o < e->payload_len) {
            e->written[o / 8] |= (uint8_t)(1u << (o % 8));
            payload = true;
        }
    }
    e->run.wrote = true;
    if (payload)
        note_writer(&e->run, address);
    if (address < SENSOR_SC_BASE + e->map_lo)
        return;
    uint64_t o = address - SENSOR_SC_BASE - e->map_lo;
    if (o >= e->map_len)
        return;
    size_t first = (size_t)o, end = first + (size_t)size;
    if (end > e->map_len)
        end = e->map_len;
    bool risky = size > 8;
    if (size > 8)
        e->run.resync = true; /* the value is not all there: read it back */
    for (size_t k = first; k < end && k - first < 8; k++)
        e->shadow[k] = (uint8_t)((uint64_t)value >> (8 * (k - first)));
    /* A lock prefix or ff up to 15 bytes before, or among, what changed. */
    for (size_t k = first > 15 ? first - 15 : 0; k < end && !risky; k++)
        risky = risky_byte(e->shadow[k]);
    if (!risky)
        return;
    size_t lo = first > 15 ? first - 15 : 0;
    if (!e->run.resan || lo < e->run.resan_lo)
        e->run.resan_lo = lo;
    if (!e->run.resan || end > e->run.resan_hi)
        e->run.resan_hi = end;
    e->run.resan = true;
    uc_emu_stop(uc);
}

static void hook_stack(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                       void *user)
{
    (void)uc;
    (void)type;
    (void)value;
    struct engine *e = user;
    if (address < e->stack_lo)
        e->stack_lo = address;
    if (address + (uint64_t)size > e->stack_hi)
        e->stack_hi = address + (uint64_t)size;
}

static uc_err add_hooks(struct engine *e)
{
    uc_hook h;
    uint64_t base = SENSOR_SC_BASE;
    uc_err err = uc_hook_add(e->uc, &h, UC_HOOK_CODE, (void *)hook_code, e, 1, 0);
    if (err == UC_ERR_OK)
        err = uc_hook_add(e->uc, &h, UC_HOOK_INTR, (void *)hook_intr, e, 1, 0);
    if (err == UC_ERR_OK)
        err = uc_hook_add(e->uc, &h, UC_HOOK_MEM_WRITE, (void *)hook_write, e, base,
                          base + SENSOR_SC_MAX_SCAN_BYTES + PAGE);
    if (err == UC_ERR_OK)
        err = uc_hook_add(e->uc, &h, UC_HOOK_MEM_WRITE, (void *)hook_stack, e, (uint64_t)STACK_BASE,
                          (uint64_t)STACK_BASE + STACK_BYTES - 1);
    if (err == UC_ERR_OK)
        err =
            uc_hook_add(e->uc, &h, UC_HOOK_INSN, (void *)hook_syscall, e, 1, 0, UC_X86_INS_SYSCALL);
    if (err == UC_ERR_OK)
        err = uc_hook_add(e->uc, &h, UC_HOOK_INSN, (void *)hook_sysenter, e, 1, 0,
                          UC_X86_INS_SYSENTER);
    return err;
}

static int engine_open(struct engine *e, const struct scanner *sc, int arch)
{
    e->buf = sc->buf;
    e->zeros = sc->zeros;
    e->arch = arch;
    if (uc_open(UC_ARCH_X86, arch == 64 ? UC_MODE_64 : UC_MODE_32, &e->uc) != UC_ERR_OK) {
        e->uc = NULL;
        return -ENOMEM;
    }
    uint64_t sp = STACK_BASE + STACK_BYTES - STACK_TOP_ROOM;
    /* The stack is not executable: code pushed there and run ends the run
     * (and bytes written there never reach the translator). */
    uc_err err = uc_mem_map(e->uc, STACK_BASE, STACK_BYTES, UC_PROT_READ | UC_PROT_WRITE);
    if (err == UC_ERR_OK)
        err = uc_reg_write(e->uc, arch == 64 ? UC_X86_REG_RSP : UC_X86_REG_ESP, &sp);
    if (err == UC_ERR_OK)
        err = add_hooks(e);
    if (err == UC_ERR_OK)
        err = uc_context_alloc(e->uc, &e->ctx);
    if (err == UC_ERR_OK)
        err = uc_context_save(e->uc, e->ctx);
    if (err != UC_ERR_OK) {
        if (e->ctx)
            uc_context_free(e->ctx);
        uc_close(e->uc);
        e->uc = NULL;
        e->ctx = NULL;
        return -ENOMEM;
    }
    e->stack_lo = STACK_BASE;
    e->stack_hi = STACK_BASE + STACK_BYTES;
    return 0;
}

static void engine_close(struct engine *e)
{
    if (e->ctx)
        uc_context_free(e->ctx);
    if (e->uc)
        uc_close(e->uc);
    free(e->win);
    free(e->shadow);
    free(e->written);
    *e = (struct engine){0};
}

static int engine_map(struct engine *e, size_t lo, size_t hi)
{
    size_t maplen = (hi - lo + PAGE - 1) / PAGE * PAGE;
    if (e->map_len && e->map_lo == lo && e->map_len == maplen)
        return 0;
    if (e->map_len) {
        if (uc_mem_unmap(e->uc, SENSOR_SC_BASE + e->map_lo, e->map_len) != UC_ERR_OK)
            return -EIO;
        free(e->win);
        free(e->shadow);
        free(e->written);
        e->win = e->shadow = e->written = NULL;
        e->map_len = 0;
    }
    if (uc_mem_map(e->uc, SENSOR_SC_BASE + lo, maplen, UC_PROT_ALL) != UC_ERR_OK)
        return -ENOMEM;
    e->map_lo = lo;
    e->map_len = maplen;
    e->payload_len = hi - lo;
    e->win = xmalloc(maplen);
    memcpy(e->win, e->buf + lo, hi - lo);
    /* Past the payload: int3, so running off its end ends the run. */
    memset(e->win + (hi - lo), 0xcc, maplen - (hi - lo));
    sanitize(e->win, maplen, 0, maplen, e->arch);
    e->shadow = xmalloc(maplen);
    e->written = xcalloc(1, maplen / 8 + 1);
    e->win_dirty = true;
    return 0;
}

/* Puts the window (mapped for [lo, hi)), the stack and the registers back
 * as a run starts from; only what the last run changed is written again. */
static int engine_reset(struct engine *e, size_t lo, size_t hi)
{
    int rc = engine_map(e, lo, hi);
    if (rc < 0)
        return rc;
    if (e->run.wrote)
        memset(e->written, 0, e->map_len / 8 + 1);
    if (e->run.wrote || e->win_dirty) {
        if (uc_mem_write(e->uc, SENSOR_SC_BASE + e->map_lo, e->win, e->map_len) != UC_ERR_OK)
            return -EIO;
        memcpy(e->shadow, e->win, e->map_len);
        /* Translations of code a run rewrote must not be reused. */
        if (uc_ctl_remove_cache(e->uc, SENSOR_SC_BASE + e->map_lo,
                                SENSOR_SC_BASE + e->map_lo + e->map_len) != UC_ERR_OK)
            return -EIO;
        e->win_dirty = false;
    }
    if (e->stack_hi > e->stack_lo) {
        if (uc_mem_write(e->uc, e->stack_lo, e->zeros, e->stack_hi - e->stack_lo) != UC_ERR_OK)
            return -EIO;
        e->stack_lo = UINT64_MAX;
        e->stack_hi = 0;
    }
    if (uc_context_restore(e->uc, e->ctx) != UC_ERR_OK)
        return -EIO;
    return 0;
}

/* A write may have made what aborts the translator: make it int3 in the
 * emulated memory before anything is translated from there. */
static int resanitize(struct engine *e)
{
    struct run *r = &e->run;
    size_t lo = r->resan_lo, hi = r->resan_hi;
    if (r->resync) {
        if (uc_mem_read(e->uc, SENSOR_SC_BASE + e->map_lo, e->shadow, e->map_len) != UC_ERR_OK)
            return -EIO;
        lo = 0;
        hi = e->map_len;
        r->resync = false;
    }
    sanitize(e->shadow, e->map_len, lo, hi, e->arch);
    if (uc_mem_write(e->uc, SENSOR_SC_BASE + e->map_lo + lo, e->shadow + lo, hi - lo) !=
            UC_ERR_OK ||
        uc_ctl_remove_cache(e->uc, SENSOR_SC_BASE + e->map_lo + lo,
                            SENSOR_SC_BASE + e->map_lo + hi) != UC_ERR_OK)
        return -EIO;
    r->resan = false;
    e->win_dirty = true;
    return 0;
}

static int emulate(struct engine *e, size_t len, size_t start, bool site,
                   const struct sensor_sc_limits *lim, long long deadline_us)
{
    size_t half = SENSOR_SC_WINDOW_BYTES / 2;
    size_t lo = start > half ? (start - half) / PAGE * PAGE : 0;
    size_t hi = len - lo > SENSOR_SC_WINDOW_BYTES ? lo + SENSOR_SC_WINDOW_BYTES : len;
    int rc = engine_reset(e, lo, hi);
    if (rc < 0)
        return rc;
    struct run *r = &e->run;
    *r = (struct run){.budget = lim->max_insns, .deadline_us = deadline_us, .site = site};
    uint64_t pc = SENSOR_SC_BASE + start;
    for (unsigned k = 0;; k++) {
        /* The outcome is in e->run; an error is how most runs end
         * (unmapped access, invalid opcode). */
        uc_err err = uc_emu_start(e->uc, pc, 0, 0, r->budget + 1 - r->insns);
        if (!r->resan || err != UC_ERR_OK || r->reached != SENSOR_SC_REACH_NONE || r->out_of_time ||
            r->insns >= r->budget || k == MAX_RESUMES)
            break;
        pc = reg_read(e->uc, e->arch == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP);
        /* Stopped on the writing instruction: on after it, not through it
         * again (its write is done and in the shadow). */
        if (pc == r->last_pc)
            pc += r->last_size;
        rc = resanitize(e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* How much a run's outcome says, for choosing between the architectures:
 * 3 the system call of its own architecture, 2 another system call, 1 a
 * decoder without a system call (not from a bare system call site), 0
 * nothing. */
static int run_score(const struct run *r, int arch)
{
    if (r->reached != SENSOR_SC_REACH_NONE) {
        bool own = arch == 64 ? r->reached == SENSOR_SC_REACH_SYSCALL
                              : r->reached != SENSOR_SC_REACH_SYSCALL;
        return own ? 3 : 2;
    }
    return r->selfmod && !r->site ? 1 : 0;
}

static size_t pc_offset(uint64_t pc, size_t len)
{
    if (pc < SENSOR_SC_BASE || pc - SENSOR_SC_BASE >= len)
        return SIZE_MAX;
    return (size_t)(pc - SENSOR_SC_BASE);
}

static void fill(struct sensor_sc_verdict *out, enum sensor_sc_technique tech, size_t start,
                 const struct run *r, int arch, size_t len)
{
    out->detected = true;
    out->arch = arch == 64 ? SENSOR_SC_ARCH_X64 : SENSOR_SC_ARCH_X86;
    out->technique = tech;
    out->offset = start;
    out->insns = r->insns;
    out->self_modifying = r->selfmod;
    if (r->reached != SENSOR_SC_REACH_NONE) {
        out->reached = r->reached;
        out->syscall_nr = r->nr;
        out->reach_offset = pc_offset(r->reach_pc, len);
    } else {
        out->reached = SENSOR_SC_REACH_SELFMOD;
        out->reach_offset = pc_offset(r->selfmod_pc, len);
    }
}

/* One run on engine k (0: x86, 1: x64) from start; its score in *score. */
static int run_at(struct scanner *sc, int k, size_t start, bool site,
                  const struct sensor_sc_limits *lim, long long deadline_us,
                  struct sensor_sc_verdict *out, int *score)
{
    struct engine *e = &sc->eng[k];
    int rc = e->uc ? 0 : engine_open(e, sc, k ? 64 : 32);
    if (rc == 0)
        rc = emulate(e, sc->len, start, site, lim, deadline_us);
    if (rc < 0)
        return rc;
    out->emulated++;
    out->total_insns += e->run.insns > lim->max_insns ? lim->max_insns : e->run.insns;
    if (e->run.out_of_time || e->run.insns > lim->max_insns)
        out->budget_hit = true;
    *score = run_score(&e->run, e->arch);
    return 0;
}

/* A system call site: runs from each byte up to SITE_BACK before it, the
 * farthest first (the most of the code that sets the call up). */
static int try_site(struct scanner *sc, const struct cand *c, const struct sensor_sc_limits *lim,
                    long long deadline_us, struct sensor_sc_verdict *out)
{
    size_t from = c->off > SITE_BACK ? c->off - SITE_BACK : 0;
    for (int k = 0; k < 2; k++) {
        if (!(c->archs & (1u << k)))
            continue;
        for (size_t s = from; s < c->off; s++) {
            int score;
            int rc = run_at(sc, k, s, true, lim, deadline_us, out, &score);
            if (rc < 0)
                return rc;
            if (score >= 2) {
                fill(out, c->tech, s, &sc->eng[k].run, sc->eng[k].arch, sc->len);
                return 1;
            }
            if (util_mono_us() > deadline_us) {
                out->budget_hit = true;
                return 0;
            }
        }
    }
    return 0;
}

/* Runs one candidate on the architectures it allows; fills out on a
 * verdict. Returns 1 on a verdict, 0 without, or a negative errno. */
static int try_cand(struct scanner *sc, const struct cand *c, const struct sensor_sc_limits *lim,
                    long long deadline_us, struct sensor_sc_verdict *out)
{
    if (c->tech == SENSOR_SC_TECH_SYSCALL_SITE)
        return try_site(sc, c, lim, deadline_us, out);
    struct run best = {0};
    int best_score = 0, best_arch = 0;
    for (int k = 0; k < 2; k++) {
        if (!(c->archs & (1u << k)))
            continue;
        int s;
        /* A sled or a loop is weaker evidence than a GetPC: what they reach
         * is judged as from a system call site. */
        bool judge = c->tech == SENSOR_SC_TECH_SLED || c->tech == SENSOR_SC_TECH_DECODER_LOOP;
        int rc = run_at(sc, k, c->off, judge, lim, deadline_us, out, &s);
        if (rc < 0)
            return rc;
        if (s > best_score) {
            best_score = s;
            best = sc->eng[k].run;
            best_arch = sc->eng[k].arch;
        }
        if (best_score == 3 || util_mono_us() > deadline_us)
            break;
    }
    if (!best_score)
        return 0;
    fill(out, c->tech, c->off, &best, best_arch, sc->len);
    return 1;
}

/* The same start by the same way: a system call site is run from the bytes
 * before it, so it is not the same as another candidate at its offset. */
static bool seen_before(const struct cand *c, size_t upto, const struct cand *x)
{
    bool site = x->tech == SENSOR_SC_TECH_SYSCALL_SITE;
    for (size_t k = 0; k < upto; k++)
        if (c[k].off == x->off && (c[k].tech == SENSOR_SC_TECH_SYSCALL_SITE) == site)
            return true;
    return false;
}

static int search(struct scanner *sc, const struct found *f, const struct sensor_sc_limits *lim,
                  struct sensor_sc_verdict *out)
{
    long long deadline_us = util_mono_us() + lim->max_total_us;
    unsigned tried = 0;
    int rc = 0;
    for (size_t k = 0; k < f->n; k++) {
        if (seen_before(f->c, k, &f->c[k]))
            continue;
        if (tried == lim->max_candidates || util_mono_us() > deadline_us) {
            out->budget_hit = true;
            break;
        }
        tried++;
        rc = try_cand(sc, &f->c[k], lim, deadline_us, out);
        if (rc != 0)
            break;
    }
    return rc < 0 ? rc : 0;
}

int sensor_shellcode_scan_limits(const uint8_t *buf, size_t len, const struct sensor_sc_limits *lim,
                                 struct sensor_sc_verdict *out)
{
    struct sensor_sc_limits l;
    sensor_sc_limits_default(&l);
    if (!out || (!buf && len))
        return -EINVAL;
    if (lim) {
        if (lim->max_insns)
            l.max_insns = lim->max_insns;
        if (lim->max_candidates)
            l.max_candidates = lim->max_candidates;
        if (lim->max_total_us > 0)
            l.max_total_us = lim->max_total_us;
    }
    struct sensor_sc_verdict v = {.reach_offset = SIZE_MAX};
    if (len > SENSOR_SC_MAX_SCAN_BYTES) {
        len = SENSOR_SC_MAX_SCAN_BYTES;
        v.budget_hit = true;
    }
    struct found *f = xmalloc(sizeof(*f));
    f->n = f->total = 0;
    scan(buf, len, f);
    v.candidates = f->total;
    int rc = 0;
    if (f->n) {
        qsort(f->c, f->n, sizeof(f->c[0]), cand_cmp);
        struct scanner sc = {.buf = buf, .len = len};
        sc.zeros = xcalloc(1, STACK_BYTES);
        rc = search(&sc, f, &l, &v);
        engine_close(&sc.eng[0]);
        engine_close(&sc.eng[1]);
        free(sc.zeros);
    }
    free(f);
    if (rc == 0)
        *out = v;
    return rc;
}

int sensor_shellcode_scan(const uint8_t *buf, size_t len, struct sensor_sc_verdict *out)
{
    return sensor_shellcode_scan_limits(buf, len, NULL, out);
}

/* ---- listings ------------------------------------------------------------ */

#define DISASM_MAX_BYTES ((size_t)128 * 1024)

static int list_one(struct buf *o, const cs_insn *in)
{
    char hex[3 * 16 + 1] = "";
    size_t at = 0;
    for (size_t k = 0; k < in->size && k < 15; k++) {
        static const char digits[] = "0123456789abcdef";
        hex[at++] = digits[in->bytes[k] >> 4];
        hex[at++] = digits[in->bytes[k] & 15];
        hex[at++] = ' ';
    }
    hex[at ? at - 1 : 0] = '\0';
    return buf_appendf(o, "+0x%04llx  %-30s %s%s%s\n", (unsigned long long)in->address, hex,
                       in->mnemonic, in->op_str[0] ? " " : "", in->op_str);
}

char *sensor_shellcode_disasm(const uint8_t *buf, size_t len, size_t off, int arch,
                              size_t max_insns)
{
    csh h;
    if ((arch != SENSOR_SC_ARCH_X86 && arch != SENSOR_SC_ARCH_X64) || !buf || off > len)
        return NULL;
    if (max_insns > SENSOR_SC_DISASM_MAX_INSNS)
        max_insns = SENSOR_SC_DISASM_MAX_INSNS;
    if (cs_open(CS_ARCH_X86, arch == SENSOR_SC_ARCH_X64 ? CS_MODE_64 : CS_MODE_32, &h) != CS_ERR_OK)
        return NULL;
    cs_insn *in = cs_malloc(h);
    if (!in) {
        cs_close(&h);
        return NULL;
    }
    struct buf o;
    buf_init(&o, DISASM_MAX_BYTES);
    const uint8_t *code = buf + off;
    size_t left = len - off;
    uint64_t addr = off;
    int rc = buf_append(&o, "", 0);
    for (size_t n = 0; rc == 0 && n < max_insns && left; n++) {
        if (!cs_disasm_iter(h, &code, &left, &addr, in)) {
            rc =
                buf_appendf(&o, "+0x%04llx  %02x%29s (bad)\n", (unsigned long long)addr, *code, "");
            break;
        }
        rc = list_one(&o, in);
    }
    cs_free(in, 1);
    cs_close(&h);
    (void)rc; /* a listing cut at the cap is still a listing */
    return buf_steal(&o);
}
