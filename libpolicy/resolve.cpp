#include "libpolicy/resolve.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif

namespace llh {
namespace {

// openat2(2) arrived in Linux 5.6 (Landlock needs 5.13), but a libc or kernel header may be older
// than that: the ABI is fixed, so define what is missing.
#ifndef RESOLVE_NO_MAGICLINKS
struct open_how {
    std::uint64_t flags;
    std::uint64_t mode;
    std::uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif

#ifndef SYS_openat2
constexpr long kOpenat2 = 437;
#else
constexpr long kOpenat2 = SYS_openat2;
#endif

// With RESOLVE_IN_ROOT the kernel answers EAGAIN when a concurrent rename could have let ".."
// escape; the lookup is safe to repeat, a few times before giving up.
constexpr int kRetries = 8;

std::string quoted(std::string_view path) {
    return "\"" + std::string(path) + "\"";
}

}  // namespace

Result<ResolutionRoot> ResolutionRoot::open(int root_fd) {
    if (root_fd != AT_FDCWD) return ResolutionRoot(UniqueFd(), root_fd);
    // RESOLVE_IN_ROOT takes dirfd as "/": AT_FDCWD would make the working directory the root,
    // so the caller's own root is opened explicitly to keep one resolution rule for both cases.
    UniqueFd own_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!own_root.valid()) return fail_errno(errno, "cannot open \"/\" to resolve paths in it");
    const int fd = own_root.get();
    return ResolutionRoot(std::move(own_root), fd);
}

Result<ResolvedPath> ResolutionRoot::resolve(std::string_view path) const {
    if (path.empty() || path.front() != '/') {
        return fail_errno(EINVAL, "cannot resolve " + quoted(path), "paths are absolute, as the workload sees them");
    }
    if (path.find('\0') != std::string_view::npos) {
        return fail_errno(EINVAL, "cannot resolve a path with a NUL byte");
    }

    const std::string text(path);
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    // Magic links (/proc/PID/root, /proc/self/fd/N) jump anywhere, past any root: never follow.
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

    long fd = -1;
    for (int attempt = 0; attempt < kRetries; ++attempt) {
        fd = ::syscall(kOpenat2, fd_, text.c_str(), &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN) break;
    }
    if (fd < 0 && errno == ENOSYS && own_root_.valid()) {
        // systemd's RestrictSUIDSGID= seccomp filter answers ENOSYS to every openat2(2), whose
        // mode it cannot inspect. In the caller's own root there is nothing to stay beneath, so
        // openat(2) resolves the same path (magic links aside, which only the root's owner —
        // the admin writing the unit — could name).
        fd = ::openat(AT_FDCWD, text.c_str(), O_PATH | O_CLOEXEC);
    }
    if (fd < 0) {
        const int error = errno;
        std::string hint;
        if (error == ENOENT || error == ENOTDIR) {
            hint = "create it or fix the path";
        } else if (error == ELOOP) {
            hint = "the path goes through a magic link such as /proc/self/root or too many symlinks";
        } else if (error == ENOSYS) {
            hint = "openat2(2) needs Linux 5.6 or newer";
        }
        return fail_errno(error, "cannot open " + quoted(path), std::move(hint));
    }

    ResolvedPath resolved;
    resolved.fd.reset(static_cast<int>(fd));
    struct stat status {};
    if (::fstat(resolved.fd.get(), &status) != 0) return fail_errno(errno, "cannot stat " + quoted(path));
    resolved.is_directory = S_ISDIR(status.st_mode);
    resolved.dev = status.st_dev;
    resolved.ino = status.st_ino;
    return resolved;
}

Result<ResolvedPath> open_in_root(int root_fd, std::string_view path) {
    auto root = ResolutionRoot::open(root_fd);
    if (!root) return tl::unexpected(std::move(root.error()));
    return root->resolve(path);
}

Result<UniqueFd> open_root(std::string_view directory) {
    const std::string text(directory);
    UniqueFd fd(::open(text.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
        const int error = errno;
        return fail_errno(error, "cannot open the root directory " + quoted(directory),
                          error == ENOTDIR ? "the root must be a directory" : "");
    }
    return fd;
}

}  // namespace llh
