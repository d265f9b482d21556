// kill-at-syscall N COMMAND [ARGS...]: runs COMMAND under ptrace and SIGKILLs it when it enters its
// N-th system call (counted from the first one after execve, the call itself never runs). Used to
// prove that a hook killed at any point leaves either nothing or its complete work behind.
// stdin, stdout and stderr are COMMAND's own.
// Exit status: 0 when COMMAND was killed at its N-th call; 3 when it ended by itself before that
// (its exit status is printed on stderr as "exited STATUS" or "killed by signal SIGNAL"); 2 on a
// usage or ptrace error.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr int kKilled = 0;
constexpr int kEndedBefore = 3;
constexpr int kUsage = 2;

int usage() {
    std::fputs("usage: kill-at-syscall N COMMAND [ARGS...]   (N >= 1)\n", stderr);
    return kUsage;
}

int fail(const char* what) {
    std::fprintf(stderr, "kill-at-syscall: %s: %s\n", what, std::strerror(errno));
    return kUsage;
}

// The child: stop so the parent can set its options before execve, then become COMMAND.
[[noreturn]] void run_child(char** argv) {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(127);
    ::raise(SIGSTOP);
    ::execvp(argv[0], argv);
    std::fprintf(stderr, "kill-at-syscall: %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
}

bool at_syscall_entry(pid_t pid) {
    __ptrace_syscall_info info{};
    const long size = ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
    return size > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY;
}

int report_end(int status) {
    if (WIFEXITED(status)) {
        std::fprintf(stderr, "exited %d\n", WEXITSTATUS(status));
    } else {
        std::fprintf(stderr, "killed by signal %d\n", WTERMSIG(status));
    }
    return kEndedBefore;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    const std::string_view n_text(argv[1]);
    unsigned long target = 0;
    if (auto [end, ec] = std::from_chars(n_text.begin(), n_text.end(), target);
        ec != std::errc() || end != n_text.end() || target == 0) {
        return usage();
    }

    const pid_t pid = ::fork();
    if (pid < 0) return fail("fork");
    if (pid == 0) run_child(argv + 2);

    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return fail("waiting for the child to stop");
    // TRACESYSGOOD tells system-call stops apart from signals; EXITKILL takes COMMAND down with us;
    // TRACEEXEC makes execve an event, so counting starts in COMMAND itself.
    if (::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC) !=
        0) {
        return fail("PTRACE_SETOPTIONS");
    }
    bool exec_seen = false;
    unsigned long entries = 0;
    int deliver = 0;  // a signal COMMAND got, passed on when it resumes
    for (;;) {
        if (::ptrace(PTRACE_SYSCALL, pid, nullptr, deliver) != 0) return fail("PTRACE_SYSCALL");
        deliver = 0;
        if (::waitpid(pid, &status, 0) != pid) return fail("waitpid");
        if (WIFEXITED(status) || WIFSIGNALED(status)) return report_end(status);
        if (!WIFSTOPPED(status)) continue;
        const int signal = WSTOPSIG(status);
        if (signal == (SIGTRAP | 0x80)) {
            if (exec_seen && at_syscall_entry(pid) && ++entries == target) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                return kKilled;
            }
        } else if (signal == SIGTRAP && (status >> 16) == PTRACE_EVENT_EXEC) {
            exec_seen = true;
        } else if (signal != SIGSTOP || exec_seen) {
            deliver = signal;
        }
    }
}
