#include "tests/conformance/actions.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>

namespace llh::conformance {
namespace {

using Words = std::vector<std::string>;

std::string result_of(long syscall_result) {
    return syscall_result < 0 ? errno_token(errno) : "OK";
}

std::string failed(const std::string& what, int error) {
    return what + ": " + errno_token(error);
}

bool parse_int(const std::string& text, long& value) {
    char* end = nullptr;
    errno = 0;
    value = std::strtol(text.c_str(), &end, 0);
    return errno == 0 && end != text.c_str() && *end == '\0';
}

// "r", "w", "rw", "none" with modifiers: "w+trunc+creat", "r+dir", "path+nofollow".
bool parse_flags(const std::string& text, int& flags) {
    static const std::map<std::string, int> kAccess{{"r", O_RDONLY}, {"w", O_WRONLY}, {"rw", O_RDWR}, {"path", O_PATH}};
    static const std::map<std::string, int> kModifiers{{"trunc", O_TRUNC},       {"creat", O_CREAT},
                                                       {"excl", O_EXCL},         {"dir", O_DIRECTORY},
                                                       {"nofollow", O_NOFOLLOW}, {"append", O_APPEND}};
    flags = O_CLOEXEC;
    std::size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
        const std::size_t plus = text.find('+', start);
        const std::string part = text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
        start = plus == std::string::npos ? text.size() + 1 : plus + 1;
        const auto& names = first ? kAccess : kModifiers;
        first = false;
        const auto found = names.find(part);
        if (found == names.end()) return false;
        flags |= found->second;
    }
    return true;
}

bool parse_signal(const std::string& text, int& signal) {
    static const std::map<std::string, int> kNames{{"0", 0},          {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                                                   {"CONT", SIGCONT}, {"TERM", SIGTERM}, {"KILL", SIGKILL}};
    const auto found = kNames.find(text);
    if (found == kNames.end()) return false;
    signal = found->second;
    return true;
}

bool parse_ioctl(const std::string& text, unsigned long& command) {
    static const std::map<std::string, unsigned long> kNames{
        {"FIONREAD", FIONREAD}, {"FIONBIO", FIONBIO}, {"FIOCLEX", FIOCLEX},   {"FIONCLEX", FIONCLEX},
        {"FIOASYNC", FIOASYNC}, {"TCGETS", TCGETS},   {"FIGETBSZ", FIGETBSZ}, {"FIOQSIZE", FIOQSIZE}};
    const auto found = kNames.find(text);
    if (found == kNames.end()) return false;
    command = found->second;
    return true;
}

bool write_file(const std::string& path, const std::string& content, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return false;
    const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::fchmod(fd, mode);
    return ::close(fd) == 0 && ok;
}

std::string mkdirs(const std::string& path) {
    for (std::size_t slash = 1; slash != std::string::npos;) {
        slash = path.find('/', slash + 1);
        const std::string prefix = path.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return failed("mkdir " + prefix, errno);
    }
    return {};
}

std::string abstract_name(const Context& context, const std::string& name) {
    return "llh-conformance-" + context.tag + "-" + name;
}

socklen_t abstract_address(const Context& context, const std::string& name, sockaddr_un& address) {
    address = sockaddr_un{};
    address.sun_family = AF_UNIX;
    const std::string full = abstract_name(context, name);
    std::memcpy(address.sun_path + 1, full.data(), full.size());  // sun_path[0] = 0: abstract
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + full.size());
}

std::string abstract_socket(const Context& context, const std::string& name, int type, int& fd) {
    fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed("socket", errno);
    sockaddr_un address{};
    const socklen_t length = abstract_address(context, name, address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) return failed("bind @" + name, errno);
    if (type == SOCK_STREAM && ::listen(fd, 8) != 0) return failed("listen @" + name, errno);
    return {};
}

// A TCP or UDP socket bound (and for TCP, listening) on the loopback address.
std::string inet_listener(int family, const std::string& port_text, int& fd) {
    long port = 0;
    if (!parse_int(port_text, port)) return "bad port " + port_text;
    fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed("socket", errno);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int result = 0;
    if (family == AF_INET) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        result = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    } else {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(static_cast<std::uint16_t>(port));
        address.sin6_addr = in6addr_loopback;
        result = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    if (result != 0) return failed("bind port " + port_text, errno);
    if (::listen(fd, 8) != 0) return failed("listen", errno);
    return {};
}

// bind() or connect() of a fresh socket to loopback:PORT; the errno of that one call.
std::string inet_op(int family, int type, bool connect_call, const std::string& port_text) {
    long port = 0;
    if (!parse_int(port_text, port)) return "SETUP:bad-port";
    const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return "SETUP:socket:" + errno_token(errno);
    int result = 0;
    if (family == AF_INET) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        result = connect_call ? ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address)
                              : ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    } else {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(static_cast<std::uint16_t>(port));
        address.sin6_addr = in6addr_loopback;
        result = connect_call ? ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address)
                              : ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    const int error = errno;
    ::close(fd);
    return result == 0 ? "OK" : errno_token(error);
}

// connect(AF_UNSPEC) on a TCP socket: a disconnect, which Landlock does not treat as a connect.
std::string tcp_unspec() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "SETUP:socket:" + errno_token(errno);
    sockaddr address{};
    address.sa_family = AF_UNSPEC;
    const int result = ::connect(fd, &address, sizeof address);
    const int error = errno;
    ::close(fd);
    return result == 0 ? "OK" : errno_token(error);
}

// Forks; the child execs (argv[0] = path), reporting an execve() error through a close-on-exec pipe.
std::string exec_program(const std::string& path, const Words& arguments, int path_fd) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return "SETUP:pipe:" + errno_token(errno);
    const pid_t pid = ::fork();
    if (pid < 0) return "SETUP:fork:" + errno_token(errno);
    if (pid == 0) {
        ::close(report[0]);
        std::vector<char*> argv{const_cast<char*>(path.c_str())};
        for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
        argv.push_back(nullptr);
        char* envp[] = {nullptr};
        if (path_fd >= 0) {
            ::syscall(SYS_execveat, path_fd, "", argv.data(), envp, AT_EMPTY_PATH);
        } else {
            ::execve(path.c_str(), argv.data(), envp);
        }
        const int error = errno;
        (void)!::write(report[1], &error, sizeof error);
        ::_exit(127);
    }
    ::close(report[1]);
    int error = 0;
    const ssize_t got = ::read(report[0], &error, sizeof error);
    ::close(report[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got == sizeof error) return errno_token(error);
    if (WIFSIGNALED(status)) return "SIGNAL:" + std::to_string(WTERMSIG(status));
    if (WEXITSTATUS(status) != 0) return "EXIT:" + std::to_string(WEXITSTATUS(status));
    return "OK";
}

std::string open_result(const std::string& path, int flags, int dir_fd = AT_FDCWD) {
    const int fd = ::openat(dir_fd, path.c_str(), flags, 0644);
    if (fd < 0) return errno_token(errno);
    ::close(fd);
    return "OK";
}

std::string proc_reopen(int fd, int flags) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    return open_result(path, flags);
}

int named_fd(const Context& context, const std::string& name) {
    const auto found = context.fds.find(name);
    return found == context.fds.end() ? -1 : found->second;
}

pid_t sleeper() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close_range(3, ~0U, 0);
        for (;;) ::pause();
    }
    return pid;
}

std::string kill_result(pid_t target, const std::string& signal_name) {
    int signal = 0;
    if (!parse_signal(signal_name, signal)) return "SETUP:bad-signal";
    if (target <= 0) return "SETUP:no-target";
    return result_of(::kill(target, signal));
}

volatile int* g_sigio_counter = nullptr;

void on_sigio(int) {
    if (g_sigio_counter != nullptr) *g_sigio_counter = *g_sigio_counter + 1;
}

// Sets up an O_ASYNC pipe owned by `owner`, writes to it, and waits up to a second for `counter`
// to move: "OK" when the SIGIO arrived, "NOSIGNAL" when it was not delivered. Landlock checks
// SIGIO against the domain of the process that called F_SETOWN (file_send_sigiotask), not at fcntl().
std::string sigio_to(pid_t owner, volatile int* counter) {
    if (counter == nullptr || owner <= 0) return "SETUP:no-sigio-target";
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return "SETUP:pipe:" + errno_token(errno);
    const int before = *counter;
    std::string result = "NOSIGNAL";
    if (::fcntl(ends[0], F_SETOWN, owner) != 0) {
        result = "F_SETOWN:" + errno_token(errno);
    } else if (::fcntl(ends[0], F_SETFL, O_ASYNC | O_NONBLOCK) != 0) {
        result = "F_SETFL:" + errno_token(errno);
    } else if (::write(ends[1], "x", 1) != 1) {
        result = "SETUP:write:" + errno_token(errno);
    } else {
        for (int wait = 0; wait < 100 && *counter == before; ++wait) ::usleep(10000);
        if (*counter != before) result = "OK";
    }
    ::close(ends[0]);
    ::close(ends[1]);
    return result;
}

}  // namespace

void count_sigio_into(volatile int* counter) {
    g_sigio_counter = counter;
    struct sigaction action {};
    action.sa_handler = on_sigio;
    ::sigaction(SIGIO, &action, nullptr);
}

std::string errno_token(int error) {
    if (error == 0) return "OK";
    const char* name = ::strerrorname_np(error);
    return name != nullptr ? name : "E" + std::to_string(error);
}

std::string make_fixture(const std::string& root) {
    for (const char* dir : {"a", "a/sub", "a/empty", "b", "b/sub", "c", "dev", "bin", "lib"}) {
        const std::string path = root + "/" + dir;
        if (::mkdir(path.c_str(), 0755) != 0) return failed("mkdir " + path, errno);
    }
    for (const char* file : {"a/f", "a/g", "a/sub/h", "b/f", "b/sub/h"}) {
        if (!write_file(root + "/" + file, "content\n", 0644)) return failed(std::string("create ") + file, errno);
    }
    const std::string null = root + "/dev/null";
    if (::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) return failed("mknod " + null, errno);
    const std::string tiny = tiny_elf("");
    // bin/tiny: a static program; lib/ld: the same bytes, as the interpreter of bin/dyn;
    // lib/sh: the same bytes again, as the #! interpreter of bin/script.
    if (!write_file(root + "/bin/tiny", tiny, 0755) || !write_file(root + "/lib/ld", tiny, 0755) ||
        !write_file(root + "/lib/sh", tiny, 0755) || !write_file(root + "/bin/dyn", tiny_elf(root + "/lib/ld"), 0755) ||
        !write_file(root + "/bin/script", "#!" + root + "/lib/sh\n", 0755)) {
        return failed("write the programs", errno);
    }
    return {};
}

std::string setup_step(const Words& w, Context& context) {
    const std::string& step = w[0];
    const std::size_t n = w.size();
    if (step == "mkdirs" && n == 2) return mkdirs(w[1]);
    if (step == "file" && n >= 2) return write_file(w[1], "content\n", 0644) ? "" : failed("create " + w[1], errno);
    if (step == "symlink" && n == 3) return ::symlink(w[1].c_str(), w[2].c_str()) == 0 ? "" : failed("symlink", errno);
    if (step == "link" && n == 3) return ::link(w[1].c_str(), w[2].c_str()) == 0 ? "" : failed("link", errno);
    if (step == "rmdir" && n == 2) return ::rmdir(w[1].c_str()) == 0 ? "" : failed("rmdir", errno);
    if (step == "unlink" && n == 2) return ::unlink(w[1].c_str()) == 0 ? "" : failed("unlink", errno);
    if (step == "deep" && n == 3) {
        // P/d/d/.../d (N levels) with a file f at the bottom, built through fds (no path limit).
        long levels = 0;
        if (!parse_int(w[2], levels)) return "bad depth";
        if (std::string made = mkdirs(w[1]); !made.empty()) return made;
        int fd = ::open(w[1].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (long level = 0; level < levels && fd >= 0; ++level) {
            if (::mkdirat(fd, "d", 0755) != 0) return failed("mkdir level " + std::to_string(level), errno);
            const int next = ::openat(fd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
            ::close(fd);
            fd = next;
        }
        if (fd < 0) return failed("open a level", errno);
        const int file = ::openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ::close(fd);
        if (file < 0) return failed("create the bottom file", errno);
        ::close(file);
        return {};
    }
    if (step == "openfd" && n == 4) {
        int flags = 0;
        if (!parse_flags(w[3], flags)) return "bad flags " + w[3];
        const int fd = ::open(w[2].c_str(), flags);
        if (fd < 0) return failed("open " + w[2], errno);
        context.fds[w[1]] = fd;
        return {};
    }
    if ((step == "bind" && n == 3) || (step == "tmpfs" && n == 2)) {
        if (!context.private_mounts) {
            if (::unshare(CLONE_NEWNS) != 0) return failed("unshare(CLONE_NEWNS)", errno);
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
                return failed("make / private", errno);
            context.private_mounts = true;
        }
        if (step == "bind") {
            return ::mount(w[1].c_str(), w[2].c_str(), nullptr, MS_BIND, nullptr) == 0 ? ""
                                                                                       : failed("bind mount", errno);
        }
        return ::mount("tmpfs", w[1].c_str(), "tmpfs", 0, "mode=0755") == 0 ? "" : failed("mount tmpfs", errno);
    }
    if (step == "netns" && n == 1) {
        // A fresh network namespace: no port clashes with the host, and a loopback the test owns.
        if (::unshare(CLONE_NEWNET) != 0) return failed("unshare(CLONE_NEWNET)", errno);
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return failed("socket", errno);
        ifreq request{};
        std::strcpy(request.ifr_name, "lo");
        request.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
        const int result = ::ioctl(fd, SIOCSIFFLAGS, &request);
        const int error = errno;
        ::close(fd);
        return result == 0 ? "" : failed("bring lo up", error);
    }
    if ((step == "listen4" || step == "listen6") && n == 2) {
        int fd = -1;
        std::string made = inet_listener(step == "listen4" ? AF_INET : AF_INET6, w[1], fd);
        if (made.empty()) context.fds[step + ":" + w[1]] = fd;
        return made;
    }
    if (step == "ulisten" && n == 2) {
        int fd = -1;
        std::string made = abstract_socket(context, w[1], SOCK_STREAM, fd);
        if (made.empty()) context.fds["@" + w[1]] = fd;
        return made;
    }
    if (step == "spawn" && n == 2) {
        const pid_t pid = sleeper();
        if (pid < 0) return failed("fork", errno);
        context.spawned[w[1]] = pid;
        return {};
    }
    return "unknown setup step \"" + step + "\" with " + std::to_string(n - 1) + " arguments";
}

std::string outside_step(const Words& w, const Context& context) {
    int fd = -1;
    if (w[0] == "outside-listen" && w.size() == 2) return abstract_socket(context, w[1], SOCK_STREAM, fd);
    if (w[0] == "outside-dgram" && w.size() == 2) return abstract_socket(context, w[1], SOCK_DGRAM, fd);
    return "unknown outside step \"" + w[0] + "\"";
}

void reap_spawned(Context& context) {
    // A sandboxed child may not be allowed to kill them (scope:signal): the runner, their
    // subreaper, kills what is left.
    for (const auto& [name, pid] : context.spawned) {
        if (::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
    }
    context.spawned.clear();
}

std::string operation(const Words& w, Context& context) {
    const std::string& op = w[0];
    const std::size_t n = w.size();
    int flags = 0;
    if (op == "open" && n == 3) {
        if (!parse_flags(w[2], flags)) return "SETUP:bad-flags";
        return open_result(w[1], flags);
    }
    if (op == "openat" && n == 4) {
        // openat(named fd, NAME): beneath a directory opened before the sandbox.
        const int fd = named_fd(context, w[1]);
        if (fd < 0 || !parse_flags(w[3], flags)) return "SETUP:bad-openat";
        return open_result(w[2], flags, fd);
    }
    if (op == "openat-path" && n == 4) {
        // openat() beneath an O_PATH directory fd opened inside the sandbox.
        if (!parse_flags(w[3], flags)) return "SETUP:bad-flags";
        const int dir = ::open(w[1].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return "open-path:" + errno_token(errno);
        std::string result = open_result(w[2], flags, dir);
        ::close(dir);
        return result;
    }
    if (op == "openat-chain" && n == 4) {
        // Walks P/d/d/... N levels down with O_PATH opens (no path-length limit), then opens f.
        long levels = 0;
        if (!parse_int(w[2], levels) || !parse_flags(w[3], flags)) return "SETUP:bad-chain";
        int fd = ::open(w[1].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (long level = 0; level < levels && fd >= 0; ++level) {
            const int next = ::openat(fd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
            ::close(fd);
            fd = next;
        }
        if (fd < 0) return "walk:" + errno_token(errno);
        std::string result = open_result("f", flags, fd);
        ::close(fd);
        return result;
    }
    if (op == "readdir" && n == 2) {
        const int fd = ::open(w[1].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return errno_token(errno);
        char buffer[4096];
        const long got = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        const int error = errno;
        ::close(fd);
        return got < 0 ? "getdents:" + errno_token(error) : "OK";
    }
    if (op == "read-fd" && n == 2) {
        const int fd = named_fd(context, w[1]);
        if (fd < 0) return "SETUP:no-fd";
        char byte = 0;
        return result_of(::pread(fd, &byte, 1, 0));
    }
    if (op == "stat" && n == 2) {
        struct stat status {};
        return result_of(::stat(w[1].c_str(), &status));
    }
    if (op == "chdir" && n == 2) return result_of(::chdir(w[1].c_str()));
    if (op == "readlink" && n == 2) {
        char target[4096];
        return result_of(::readlink(w[1].c_str(), target, sizeof target));
    }
    if (op == "exec" && n >= 2) return exec_program(w[1], Words(w.begin() + 2, w.end()), -1);
    if (op == "fexec" && n == 2) {
        const int fd = ::open(w[1].c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) return "open-path:" + errno_token(errno);
        std::string result = exec_program(w[1], {}, fd);
        ::close(fd);
        return result;
    }
    if (op == "truncate" && n == 2) return result_of(::truncate(w[1].c_str(), 0));
    if (op == "ftruncate" && n == 2) {
        const int fd = ::open(w[1].c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return "open:" + errno_token(errno);
        std::string result = result_of(::ftruncate(fd, 0));
        ::close(fd);
        return result;
    }
    if (op == "ftruncate-fd" && n == 2) {
        const int fd = named_fd(context, w[1]);
        return fd < 0 ? "SETUP:no-fd" : result_of(::ftruncate(fd, 0));
    }
    if (op == "mkdir" && n == 2) return result_of(::mkdir(w[1].c_str(), 0755));
    if (op == "mkdirat" && n == 3) {
        const int fd = named_fd(context, w[1]);
        return fd < 0 ? "SETUP:no-fd" : result_of(::mkdirat(fd, w[2].c_str(), 0755));
    }
    if (op == "mknod-reg" && n == 2) return result_of(::mknod(w[1].c_str(), S_IFREG | 0644, 0));
    if (op == "mkfifo" && n == 2) return result_of(::mknod(w[1].c_str(), S_IFIFO | 0644, 0));
    if (op == "mknod-sock" && n == 2) return result_of(::mknod(w[1].c_str(), S_IFSOCK | 0644, 0));
    if ((op == "mknod-char" || op == "mknod-block") && n == 4) {
        long major_number = 0, minor_number = 0;
        if (!parse_int(w[2], major_number) || !parse_int(w[3], minor_number)) return "SETUP:bad-device";
        const mode_t type = op == "mknod-char" ? S_IFCHR : S_IFBLK;
        return result_of(::mknod(w[1].c_str(), type | 0600,
                                 makedev(static_cast<unsigned>(major_number), static_cast<unsigned>(minor_number))));
    }
    if (op == "symlink" && n == 3) return result_of(::symlink(w[1].c_str(), w[2].c_str()));
    if (op == "unix-bind" && n == 2) {
        // A named socket's inode comes from bind(): Landlock's make_sock.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return "SETUP:socket:" + errno_token(errno);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (w[1].size() >= sizeof address.sun_path) return "SETUP:path-too-long";
        std::strcpy(address.sun_path, w[1].c_str());
        std::string result = result_of(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address));
        ::close(fd);
        return result;
    }
    if (op == "unlink" && n == 2) return result_of(::unlink(w[1].c_str()));
    if (op == "rmdir" && n == 2) return result_of(::rmdir(w[1].c_str()));
    if (op == "link" && n == 3) return result_of(::link(w[1].c_str(), w[2].c_str()));
    if (op == "rename" && n == 3) return result_of(::rename(w[1].c_str(), w[2].c_str()));
    if (op == "exchange" && n == 3) {
        return result_of(::renameat2(AT_FDCWD, w[1].c_str(), AT_FDCWD, w[2].c_str(), RENAME_EXCHANGE));
    }
    if ((op == "ioctl" || op == "ioctl-fd") && n == 3) {
        unsigned long command = 0;
        if (!parse_ioctl(w[2], command)) return "SETUP:bad-ioctl";
        int fd = -1;
        if (op == "ioctl") {
            fd = ::open(w[1].c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return "open:" + errno_token(errno);
        } else {
            fd = named_fd(context, w[1]);
            if (fd < 0) return "SETUP:no-fd";
        }
        int argument = 0;
        std::string result = result_of(::ioctl(fd, command, &argument));
        if (op == "ioctl") ::close(fd);
        return result;
    }
    if (op == "reopen" && n == 3) {
        // O_PATH (no access check), then a real open through /proc/self/fd/N.
        if (!parse_flags(w[2], flags)) return "SETUP:bad-flags";
        const int fd = ::open(w[1].c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) return "open-path:" + errno_token(errno);
        std::string result = proc_reopen(fd, flags);
        ::close(fd);
        return result;
    }
    if (op == "reopen-fd" && n == 3) {
        const int fd = named_fd(context, w[1]);
        if (fd < 0 || !parse_flags(w[2], flags)) return "SETUP:bad-reopen";
        return proc_reopen(fd, flags);
    }
    if (op == "reopen-pipe" && n == 2) {
        int ends[2];
        if (!parse_flags(w[1], flags)) return "SETUP:bad-flags";
        if (::pipe2(ends, O_CLOEXEC) != 0) return "SETUP:pipe:" + errno_token(errno);
        std::string result = proc_reopen((flags & O_ACCMODE) == O_RDONLY ? ends[0] : ends[1], flags);
        ::close(ends[0]);
        ::close(ends[1]);
        return result;
    }
    if ((op == "uring-open" || op == "uring-open-async") && n == 3) {
        if (!parse_flags(w[2], flags)) return "SETUP:bad-flags";
        return uring_open(w[1], flags, op == "uring-open-async");
    }
    if ((op == "tcp4-bind" || op == "tcp6-bind" || op == "tcp4-connect" || op == "tcp6-connect" || op == "udp4-bind" ||
         op == "udp4-connect") &&
        n == 2) {
        const int family = op[3] == '4' ? AF_INET : AF_INET6;
        const int type = op[0] == 't' ? SOCK_STREAM : SOCK_DGRAM;
        return inet_op(family, type, op.ends_with("connect"), w[1]);
    }
    if (op == "tcp-unspec" && n == 1) return tcp_unspec();
    if (op == "sigio-outside" && n == 1) return sigio_to(context.outside, context.outside_sigio);
    if (op == "sigio-self" && n == 1) {
        static volatile int own = 0;
        count_sigio_into(&own);
        return sigio_to(::getpid(), &own);
    }
    if (op == "kill-outside" && n == 2) return kill_result(context.outside, w[1]);
    if (op == "kill-parent" && n == 2) return kill_result(::getppid(), w[1]);
    if (op == "kill-self" && n == 2) return kill_result(::getpid(), w[1]);
    if (op == "kill-spawned" && n == 3) {
        const auto found = context.spawned.find(w[1]);
        return found == context.spawned.end() ? "SETUP:no-spawned" : kill_result(found->second, w[2]);
    }
    if (op == "kill-child" && n == 2) {
        // A child forked inside the sandbox: same domain, same cgroup.
        const pid_t pid = sleeper();
        if (pid < 0) return "SETUP:fork:" + errno_token(errno);
        std::string result = kill_result(pid, w[1]);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return result;
    }
    if ((op == "uconnect" || op == "usend") && n == 2) {
        const bool stream = op == "uconnect";
        const int fd = ::socket(AF_UNIX, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
        if (fd < 0) return "SETUP:socket:" + errno_token(errno);
        sockaddr_un address{};
        const socklen_t length = abstract_address(context, w[1], address);
        const char byte = 'x';
        const long result = stream ? ::connect(fd, reinterpret_cast<sockaddr*>(&address), length)
                                   : ::sendto(fd, &byte, 1, 0, reinterpret_cast<sockaddr*>(&address), length);
        const int error = errno;
        ::close(fd);
        return result < 0 ? errno_token(error) : "OK";
    }
    if ((op == "uself-connect" || op == "uself-send") && n == 1) {
        // Both ends created inside the sandbox.
        const bool stream = op == "uself-connect";
        int server = -1;
        const std::string name = stream ? "self-stream" : "self-dgram";
        if (std::string made = abstract_socket(context, name, stream ? SOCK_STREAM : SOCK_DGRAM, server);
            !made.empty()) {
            return "SETUP:" + made;
        }
        Words again{stream ? "uconnect" : "usend", name};
        std::string result = operation(again, context);
        ::close(server);
        return result;
    }
    return "SETUP:unknown operation \"" + op + "\" with " + std::to_string(n - 1) + " arguments";
}

}  // namespace llh::conformance
