/* exec-step CMD [ARG...]: does nothing but execve(CMD, [CMD, ARG...]) with the same environment;
 * exec-step alone exits 0 at once (a hook that does nothing).
 * The floor of containers-bench: native mode puts programs in a container's start (with crun, the
 * runtime wrapper before the runtime and the launcher before the workload; with podman, three
 * hooks and the launcher), and these are the least such programs can cost. Built twice:
 * freestanding (no libc: the raw cost of one more execve) and against static glibc (what any
 * program linked with it pays to start before main). */
#include <unistd.h>

#ifdef EXEC_STEP_FREESTANDING
#include <sys/syscall.h>

static long raw_syscall3(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

/* The kernel's initial stack: argc, argv[0..argc-1], NULL, envp..., NULL. */
__attribute__((used, noreturn)) static void exec_step(long* stack) {
    long argc = stack[0];
    char** argv = (char**)(stack + 1);
    char** envp = argv + argc + 1;
    if (argc < 2) raw_syscall3(SYS_exit, 0, 0, 0);
    raw_syscall3(SYS_execve, (long)argv[1], (long)(argv + 1), (long)envp);
    for (;;) raw_syscall3(SYS_exit, 127, 0, 0);
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call exec_step\n");
#else
int main(int argc, char** argv) {
    if (argc < 2) return 0;
    execv(argv[1], argv + 1);
    return 127;
}
#endif
