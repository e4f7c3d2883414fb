/*
 * IPI workload for the Linux guest's /init (tests/guests/linux/init), built static by
 * scripts/linux-guest.sh.  Makes the kernel send cross-CPU interrupts from every online CPU to
 * every other one, then checks from /proc/interrupts that each CPU received them.
 *
 *   ipi_load [ROUNDS]      run the workload (default 20 rounds); exit 0 when every online CPU's
 *                          CAL, RES and TLB counts grew, 1 otherwise, 2 on a setup error
 *   ipi_load --apic-base   print IA32_APIC_BASE of every online CPU (needs /dev/cpu/N/msr)
 *
 * Phase "busy": one thread per online CPU, pinned, all running (spinning at a barrier between
 * rounds, so no CPU is idle or lazy-TLB).  In each round every thread
 *   - maps a few pages, writes them and unmaps them: TLB shootdown IPIs (TLB and CAL rows) to
 *     the other CPUs running this mm;
 *   - calls membarrier(PRIVATE_EXPEDITED): function-call IPIs (CAL) to the other CPUs;
 *   - sends a signal to the thread running on the next CPU: the kernel kicks a running task
 *     with a rescheduling IPI (RES) so that it notices the signal (kick_process()).
 * Phase "idle": a token passed around a ring of threads, one per CPU, sleeping in futex_wait
 *   between turns: each pass wakes a thread on a CPU that is idle (halted), the wakeup IPI
 *   (CAL through the wake list, or RES) hitting a halted CPU.
 *
 * Every output line starts with "linux-guest: ipi_load: ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 64
#define MAP_PAGES 4
#define P "linux-guest: ipi_load: "

static const char *const rows[] = { "CAL", "RES", "TLB" };
#define NROWS 3

static int ncpus;                 /* online CPUs this process may run on */
static int cpu_of[MAX_CPUS];      /* thread index -> CPU number */
static long rounds;
static long page_size;
static int have_membarrier;

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(P, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long futex(atomic_int *addr, int op, int val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static int pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

/* ---- /proc/interrupts -------------------------------------------------------------------- */

/* counts[row][cpu]; columns[] maps header column -> CPU number. */
static int read_interrupts(unsigned long long counts[NROWS][MAX_CPUS])
{
    FILE *f = fopen("/proc/interrupts", "r");
    char line[4096];
    int columns[MAX_CPUS], ncol = 0;
    memset(counts, 0, sizeof(unsigned long long) * NROWS * MAX_CPUS);
    if (!f || !fgets(line, sizeof(line), f)) {
        say("cannot read /proc/interrupts: %s", strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    for (char *tok = strtok(line, " \t\n"); tok && ncol < MAX_CPUS; tok = strtok(NULL, " \t\n"))
        if (sscanf(tok, "CPU%d", &columns[ncol]) == 1)
            ncol++;
    while (fgets(line, sizeof(line), f)) {
        char *s = line, *end;
        while (*s == ' ')
            s++;
        for (int r = 0; r < NROWS; r++) {
            size_t n = strlen(rows[r]);
            if (strncmp(s, rows[r], n) || s[n] != ':')
                continue;
            s += n + 1;
            for (int c = 0; c < ncol; c++) {
                unsigned long long v = strtoull(s, &end, 10);
                if (end == s)
                    break;
                if (columns[c] < MAX_CPUS)
                    counts[r][columns[c]] = v;
                s = end;
            }
        }
    }
    fclose(f);
    return 0;
}

/* ---- phase "busy" ------------------------------------------------------------------------- */

static atomic_int barrier_count, barrier_sense;
static atomic_int tids[MAX_CPUS];
static atomic_long errors_map, errors_membarrier, errors_signal, signals_taken;
static pid_t pid;

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_taken, 1);
}

static void spin_barrier(int *local_sense)
{
    *local_sense = !*local_sense;
    if (atomic_fetch_add(&barrier_count, 1) == ncpus - 1) {
        atomic_store(&barrier_count, 0);
        atomic_store(&barrier_sense, *local_sense);
    } else {
        while (atomic_load_explicit(&barrier_sense, memory_order_acquire) != *local_sense)
            __builtin_ia32_pause();
    }
}

static void *busy_thread(void *arg)
{
    int i = (int)(long)arg, sense = 0;
    if (pin(cpu_of[i]))
        say("sched_setaffinity(CPU%d): %s", cpu_of[i], strerror(errno));
    atomic_store(&tids[i], (int)syscall(SYS_gettid));
    spin_barrier(&sense);    /* every thread's tid is known, every thread runs on its CPU */
    for (long r = 0; r < rounds; r++) {
        /* TLB shootdown: pages present in this mm's page tables, then unmapped while the other
         * threads run on their CPUs. */
        char *m = mmap(NULL, MAP_PAGES * page_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            atomic_fetch_add(&errors_map, 1);
        } else {
            for (int p = 0; p < MAP_PAGES; p++)
                m[p * page_size] = (char)r;
            if (mprotect(m, MAP_PAGES * page_size, PROT_READ) || munmap(m, MAP_PAGES * page_size))
                atomic_fetch_add(&errors_map, 1);
        }
        /* Function-call IPIs to every other CPU running this mm. */
        if (have_membarrier && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
            atomic_fetch_add(&errors_membarrier, 1);
        /* Rescheduling IPI: a signal for the thread running (spinning) on the next CPU. */
        if (ncpus > 1 && syscall(SYS_tgkill, pid, atomic_load(&tids[(i + 1) % ncpus]), SIGUSR1))
            atomic_fetch_add(&errors_signal, 1);
        spin_barrier(&sense);
    }
    return NULL;
}

/* ---- phase "idle" ------------------------------------------------------------------------- */

static struct {
    atomic_int flag;
    char pad[60];
} slot[MAX_CPUS];

static void *ring_thread(void *arg)
{
    int i = (int)(long)arg, next = (i + 1) % ncpus;
    if (pin(cpu_of[i]))
        say("sched_setaffinity(CPU%d): %s", cpu_of[i], strerror(errno));
    /* Thread 0 starts with the token; each thread passes it on `rounds` times. */
    for (long r = 0; r < rounds; r++) {
        while (atomic_load(&slot[i].flag) == 0)
            futex(&slot[i].flag, FUTEX_WAIT_PRIVATE, 0);
        atomic_store(&slot[i].flag, 0);
        atomic_store(&slot[next].flag, 1);
        futex(&slot[next].flag, FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}

static int run_threads(void *(*fn)(void *))
{
    pthread_t th[MAX_CPUS];
    for (int i = 0; i < ncpus; i++) {
        int e = pthread_create(&th[i], NULL, fn, (void *)(long)i);
        if (e) {
            say("pthread_create: %s", strerror(e));
            return -1;
        }
    }
    for (int i = 0; i < ncpus; i++)
        pthread_join(th[i], NULL);
    return 0;
}

/* ---- IA32_APIC_BASE ----------------------------------------------------------------------- */

static int apic_base(void)
{
    cpu_set_t set;
    int bad = 0;
    sched_getaffinity(0, sizeof(set), &set);
    for (int c = 0; c < CPU_SETSIZE && c < MAX_CPUS; c++) {
        char path[64];
        uint64_t v;
        if (!CPU_ISSET(c, &set))
            continue;
        snprintf(path, sizeof(path), "/dev/cpu/%d/msr", c);
        int fd = open(path, O_RDONLY);
        if (fd < 0 || pread(fd, &v, 8, 0x1b) != 8) {
            say("CPU%d IA32_APIC_BASE unreadable (%s: %s)", c, path, strerror(errno));
            bad = 1;
        } else {
            say("CPU%d IA32_APIC_BASE 0x%llx (%s%s, %s)", c, (unsigned long long)v,
                (v & (1u << 11)) ? "enabled" : "disabled",
                (v & (1u << 10)) ? ", EXTD: x2APIC" : ", xAPIC", (v & (1u << 8)) ? "BSP" : "AP");
        }
        if (fd >= 0)
            close(fd);
    }
    return bad;
}

/* ---- main ----------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static unsigned long long before[NROWS][MAX_CPUS], after[NROWS][MAX_CPUS];
    cpu_set_t set;
    char *end;
    int failed = 0;

    if (argc > 1 && !strcmp(argv[1], "--apic-base"))
        return apic_base();
    rounds = 20;
    if (argc > 1) {
        rounds = strtol(argv[1], &end, 10);
        if (*argv[1] == 0 || *end || rounds < 1) {
            say("usage: ipi_load [ROUNDS >= 1] | --apic-base");
            return 2;
        }
    }
    page_size = sysconf(_SC_PAGESIZE);
    pid = getpid();
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    if (sched_getaffinity(0, sizeof(set), &set)) {
        say("sched_getaffinity: %s", strerror(errno));
        return 2;
    }
    for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_CPUS; c++)
        if (CPU_ISSET(c, &set))
            cpu_of[ncpus++] = c;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
        have_membarrier = 1;
    else
        say("membarrier(REGISTER_PRIVATE_EXPEDITED): %s (skipping membarrier)", strerror(errno));
    if (read_interrupts(before))
        return 2;

    say("%d CPUs, %ld rounds", ncpus, rounds);
    double t0 = now();
    if (run_threads(busy_thread))
        return 2;
    double t1 = now();
    atomic_store(&slot[0].flag, 1);
    if (run_threads(ring_thread))
        return 2;
    double t2 = now();
    say("phase busy (munmap + membarrier + signal, %ld rounds x %d CPUs): %.3f s", rounds, ncpus, t1 - t0);
    say("phase idle (futex token ring, %ld passes x %d CPUs): %.3f s", rounds, ncpus, t2 - t1);
    say("signals taken: %ld", (long)signals_taken);
    if (errors_map || errors_membarrier || errors_signal) {
        say("syscall errors: mmap/mprotect/munmap %ld, membarrier %ld, tgkill %ld",
            (long)errors_map, (long)errors_membarrier, (long)errors_signal);
        failed = 1;
    }

    if (read_interrupts(after))
        return 2;
    for (int r = 0; r < NROWS; r++) {
        char buf[MAX_CPUS * 12 + 1];
        int n = 0;
        for (int i = 0; i < ncpus; i++)
            n += snprintf(buf + n, sizeof(buf) - n, " %llu", after[r][cpu_of[i]] - before[r][cpu_of[i]]);
        say("delta %s%s", rows[r], buf);
        if (ncpus < 2)
            continue;
        for (int i = 0; i < ncpus; i++) {
            if (after[r][cpu_of[i]] == before[r][cpu_of[i]]) {
                say("FAIL: no %s interrupts on CPU%d during the workload", rows[r], cpu_of[i]);
                failed = 1;
            }
        }
    }
    if (ncpus < 2)
        say("1 CPU: no cross-CPU interrupts possible, counts not checked");
    say("%s", failed ? "FAIL" : "PASS");
    return failed;
}
