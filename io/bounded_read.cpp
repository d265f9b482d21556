#include "io/bounded_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "libpolicy/unique_fd.hpp"

namespace llh {

namespace {
constexpr std::size_t kFirstReadBytes = 4096;
}  // namespace

Result<std::string> read_up_to(int fd, std::size_t limit, std::size_t expected) {
    const std::size_t most = limit + 1;
    std::string data;
    std::size_t capacity = std::min(std::max(expected + 1, kFirstReadBytes), most);
    for (;;) {
        const std::size_t used = data.size();
        if (used == capacity) {
            if (used == most) return data;
            capacity = std::min(capacity * 2, most);
        }
        data.resize(capacity);
        const ssize_t n = ::read(fd, data.data() + used, capacity - used);
        data.resize(used + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno(errno, "read");
        }
        if (n == 0) return data;
    }
}

Result<std::string> read_file_up_to(const std::string& path, std::size_t limit) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return fail_errno(errno, "open");
    return read_up_to(fd.get(), limit);
}

Result<std::string> read_proc_file(const std::string& path) {
    constexpr std::size_t kMaxProcFileBytes = 4U << 20;
    auto text = read_file_up_to(path, kMaxProcFileBytes);
    if (!text) return fail_errno(text.error().errno_value, "cannot read " + path);
    if (text->size() > kMaxProcFileBytes) return fail(path + " is larger than 4 MiB", "", EFBIG);
    return text;
}

}  // namespace llh
