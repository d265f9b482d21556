#include "oci-hook/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "io/bounded_read.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {

namespace {

// Reads and drops the rest of fd, so that a writer is never left blocked or given EPIPE.
void drain(int fd) {
    char sink[4096];
    for (;;) {
        const ssize_t n = ::read(fd, sink, sizeof sink);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
    }
}

}  // namespace

Result<std::string> read_all(int fd, std::size_t limit, std::string_view what, std::size_t expected) {
    auto data = read_up_to(fd, limit, expected);
    if (!data) return fail_errno(data.error().errno_value, "reading " + std::string(what));
    if (data->size() > limit) {
        drain(fd);
        return fail(std::string(what) + " is larger than " + std::to_string(limit) + " bytes",
                    "this is not a container configuration a runtime would pass");
    }
    return data;
}

Result<std::string> read_bounded_file(const std::string& path, std::size_t limit) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
        return fail_errno(errno, "cannot open " + path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return fail_errno(errno, "cannot stat " + path);
    }
    if (!S_ISREG(st.st_mode)) {
        return fail(path + " is not a regular file");
    }
    if (static_cast<std::size_t>(st.st_size) > limit) {
        return fail(path + " is larger than " + std::to_string(limit) + " bytes");
    }
    return read_all(fd.get(), limit, path, static_cast<std::size_t>(st.st_size));
}

Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno(errno, "write failed");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

namespace {

// Writes `data` to a new temporary file next to `path` and returns its name.
Result<std::string> write_temporary(const std::string& path, std::string_view data, mode_t mode) {
    // Unique enough with O_EXCL behind it: pid, a counter and the clock. (std::random_device
    // probes the CPU with cpuid on first use, which costs a VM exit on every hook start.)
    static unsigned counter = 0;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter) + "." +
                       std::to_string(now.tv_nsec);
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd.valid()) {
        return fail_errno(errno, "cannot create " + temp);
    }
    auto written = write_all(fd.get(), data);
    // The umask must not narrow the mode: the file is read inside containers by any user.
    if (written && ::fchmod(fd.get(), mode) != 0) {
        written = fail_errno(errno, "cannot chmod " + temp);
    }
    if (!written) {
        ::unlink(temp.c_str());
        return tl::unexpected(std::move(written.error()).with_context("writing " + path));
    }
    return temp;
}

// Swaps the temporary with `path` when that is a regular file, whose content then goes with the
// temporary's name; false when there is none or the file system cannot swap (a rename does it).
bool exchange_into_place(const std::string& temp, const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) != 0) return false;
    ::unlink(temp.c_str());  // a failure leaves an orphan temporary, which the store's collection removes
    return true;
}

Result<void> rename_into_place(const std::string& temp, const std::string& path) {
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        Error failed = fail_errno(error, "cannot rename " + temp + " to " + path).value();
        return tl::unexpected(std::move(failed).with_context("writing " + path));
    }
    return {};
}

}  // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
    auto temp = write_temporary(path, data, mode);
    if (!temp) return tl::unexpected(temp.error());
    // No fsync: a config.json is rewritten again from its annotations on the next start; the
    // rename alone keeps readers from seeing a torn file, and ext4 (auto_da_alloc) starts the
    // new content's writeback before a rename over an existing file, so that a crash does not
    // leave an empty one.
    return rename_into_place(*temp, path);
}

Result<void> replace_volatile_file(const std::string& path, std::string_view data, mode_t mode) {
    auto temp = write_temporary(path, data, mode);
    if (!temp) return tl::unexpected(temp.error());
    // A swap, not a rename over the old file: on ext4 that rename allocates and starts writing the
    // new content at once (auto_da_alloc), 0.5-0.8 ms of a container start where /run is ext4 (the
    // development VM). That only protects against a crash, after which a volatile directory is
    // emptied anyway; readers see the old or the new file either way, never none or a torn one.
    if (exchange_into_place(*temp, path)) return {};
    return rename_into_place(*temp, path);
}

Result<void> make_directories(const std::string& path, mode_t mode) {
    // The store's directories exist after the first start: one mkdir says so, the walk from / is
    // for the first time only.
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return {};
    std::string prefix;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        prefix = path.substr(0, end);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
            return fail_errno(errno, "cannot create directory " + prefix);
        }
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return {};
}

}  // namespace llh
