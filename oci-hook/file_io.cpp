#include "oci-hook/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <ctime>

#include "libpolicy/unique_fd.hpp"

namespace llh {

Result<std::string> read_all(int fd, std::size_t limit, std::string_view what) {
    std::string data;
    std::array<char, 65536> buffer{};
    bool too_large = false;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno(errno, "reading " + std::string(what));
        }
        if (n == 0) break;
        if (data.size() + static_cast<std::size_t>(n) > limit) {
            too_large = true;  // keep draining so the writer is not left blocked
            continue;
        }
        data.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (too_large) {
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
    return read_all(fd.get(), limit, path);
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

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
    // Unique enough with O_EXCL behind it: pid, a counter and the clock. (std::random_device
    // probes the CPU with cpuid on first use, which costs a VM exit on every hook start.)
    static unsigned counter = 0;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter) + "." +
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
    // No fsync: the store is on tmpfs, and a config.json is rewritten again from its annotations
    // on the next start; the rename alone keeps readers from seeing a torn file.
    fd.reset();
    if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
        written = fail_errno(errno, "cannot rename " + temp + " to " + path);
    }
    if (!written) {
        ::unlink(temp.c_str());
        return tl::unexpected(std::move(written.error()).with_context("writing " + path));
    }
    return {};
}

Result<void> make_directories(const std::string& path, mode_t mode) {
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
