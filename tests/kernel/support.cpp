#include "tests/kernel/support.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "libpolicy/unique_fd.hpp"
#include "native/landlock.hpp"

namespace llh::test {
namespace {

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t done = ::write(fd, text.data(), text.size());
        if (done < 0) {
            if (errno == EINTR) continue;
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(done));
    }
}

std::string read_all(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
    }
    return text;
}

UniqueFd memfd(const char* name) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd.valid()) throw std::runtime_error("memfd_create failed");
    return fd;
}

}  // namespace

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1000;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1000;
}

int test_open(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
}

int errno_of(int syscall_result) {
    return syscall_result == 0 ? 0 : errno;
}

int kernel_abi() {
    return landlock_support().abi;
}

PathRule path_rule(std::string path, FsAccess allowed, std::string origin) {
    return PathRule{std::move(path), allowed, std::move(origin)};
}

Policy fs_policy(std::vector<PathRule> rules, Compat compat) {
    Policy policy;
    policy.abi = 0;
    policy.handled_fs = fs_all(kernel_abi());
    policy.paths = std::move(rules);
    policy.options.compat = compat;
    policy.options.log = LogMode::off;
    return policy;
}

PathRule system_rule() {
    return path_rule("/usr", fs::execute | fs::read_file | fs::read_dir, "system rule");
}

SandboxOutcome run_sandboxed(const Policy& policy, const std::function<int()>& body) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    UniqueFd reader(pipe_fds[0]);
    UniqueFd writer(pipe_fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        reader.reset();
        // One line per message: "E" error, "W" warning; messages hold no newline.
        auto enforced = enforce(policy);
        if (!enforced) {
            write_all(writer.get(), "E" + enforced.error().what() + "\n");
        } else {
            for (const auto& warning : enforced->warnings) write_all(writer.get(), "W" + warning + "\n");
        }
        writer.reset();
        ::_exit(body());
    }
    writer.reset();
    SandboxOutcome outcome;
    const std::string messages = read_all(reader.get());
    std::size_t start = 0;
    while (start < messages.size()) {
        std::size_t end = messages.find('\n', start);
        if (end == std::string::npos) end = messages.size();
        const std::string line = messages.substr(start, end - start);
        if (!line.empty() && line[0] == 'E') outcome.error = line.substr(1);
        if (!line.empty() && line[0] == 'W') outcome.warnings.push_back(line.substr(1));
        start = end + 1;
    }
    outcome.code = wait_for(pid);
    return outcome;
}

int run_in_child(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) ::_exit(body());
    return wait_for(pid);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input) {
    UniqueFd in = memfd("stdin");
    UniqueFd out = memfd("stdout");
    UniqueFd err = memfd("stderr");
    write_all(in.get(), input);
    ::lseek(in.get(), 0, SEEK_SET);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // dup2 clears O_CLOEXEC on the copies.
        if (::dup2(in.get(), 0) < 0 || ::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) ::_exit(250);
        ::execv(args[0], args.data());
        ::_exit(251);
    }
    ProcessResult result;
    result.exit_code = wait_for(pid);
    ::lseek(out.get(), 0, SEEK_SET);
    ::lseek(err.get(), 0, SEEK_SET);
    result.out = read_all(out.get());
    result.err = read_all(err.get());
    return result;
}

}  // namespace llh::test
