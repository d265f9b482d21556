#include "tests/support/temp_tree.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "libpolicy/unique_fd.hpp"

namespace llh::test {
namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
    return ::remove(path);
}

}  // namespace

TempTree::TempTree(std::string_view prefix) {
    root_ = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(root_.data()) == nullptr) throw std::runtime_error("mkdtemp " + root_ + ": " + std::strerror(errno));
}

TempTree::~TempTree() {
    // FTW_PHYS: a test's symlinks (even to "/") are removed, never followed.
    ::nftw(root_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string TempTree::make_dir(std::string_view relative) const {
    std::string full = path(relative);
    if (::mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) throw std::runtime_error("mkdir " + full);
    return full;
}

std::string TempTree::make_file(std::string_view relative, std::string_view content) const {
    std::string full = path(relative);
    UniqueFd fd(::open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) throw std::runtime_error("create " + full);
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t wrote = ::write(fd.get(), content.data() + done, content.size() - done);
        if (wrote < 0 && errno != EINTR) break;
        if (wrote > 0) done += static_cast<std::size_t>(wrote);
    }
    return full;
}

}  // namespace llh::test
