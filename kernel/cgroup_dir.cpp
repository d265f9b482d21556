#include "kernel/cgroup_dir.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "kernel/llh_bpf_abi.h"

namespace llh::cgroup {
namespace {

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

// include/linux/exportfs.h: kernfs (cgroup2) file handles hold the 64-bit node id.
constexpr int kFileidKernfs = 0xfe;

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

bool is_cgroup2(int fd) {
    struct statfs fs {};
    return ::fstatfs(fd, &fs) == 0 && static_cast<unsigned long>(fs.f_type) == CGROUP2_SUPER_MAGIC;
}

// struct file_handle ends in a flexible array: give it room for the 8-byte kernfs id.
class KernfsHandle {
public:
    explicit KernfsHandle(std::uint64_t id = 0) {
        header()->handle_bytes = sizeof(id);
        header()->handle_type = kFileidKernfs;
        std::memcpy(header()->f_handle, &id, sizeof(id));
    }
    file_handle* header() { return reinterpret_cast<file_handle*>(storage_); }
    std::uint64_t id() {
        std::uint64_t id = 0;
        std::memcpy(&id, header()->f_handle, sizeof(id));
        return id;
    }

private:
    alignas(file_handle) unsigned char storage_[sizeof(file_handle) + sizeof(std::uint64_t)] = {};
};

// name_to_handle_at() gives the kernfs id on every word size; st_ino equals it on 64-bit only.
std::uint64_t cgroup_id_of(int fd, const struct stat& status) {
    KernfsHandle handle;
    int mount_id = 0;
    if (::name_to_handle_at(fd, "", handle.header(), &mount_id, AT_EMPTY_PATH) == 0 &&
        handle.header()->handle_type == kFileidKernfs && handle.header()->handle_bytes == sizeof(std::uint64_t)) {
        return handle.id();
    }
    return status.st_ino;
}

// Levels up to the root of the cgroup2 mount: ".." until the parent is not cgroup2 any more
// (the mount point's directory) or is the directory itself (the root of a chroot).
Result<std::uint32_t> level_of(int fd, const std::string& path) {
    std::uint32_t level = 0;
    UniqueFd current(::openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!current.valid()) return fail_errno(errno, "cannot open " + quoted(path));
    struct stat here {};
    if (::fstat(current.get(), &here) != 0) return fail_errno(errno, "cannot stat " + quoted(path));
    for (;;) {
        UniqueFd parent(::openat(current.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!parent.valid()) return fail_errno(errno, "cannot open the parent of " + quoted(path));
        struct stat above {};
        if (::fstat(parent.get(), &above) != 0) return fail_errno(errno, "cannot stat the parent of " + quoted(path));
        if (!is_cgroup2(parent.get()) || (above.st_dev == here.st_dev && above.st_ino == here.st_ino)) return level;
        if (++level > 4096) return fail("cannot find the root of the cgroup hierarchy above " + quoted(path));
        current = std::move(parent);
        here = above;
    }
}

// cgroup2 mounts where cgroup mode looks ids up: the unified layout's and the hybrid one's.
constexpr std::array<const char*, 2> kCgroup2Mounts = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

}  // namespace

Result<CgroupDir> open_cgroup_dir(const std::string& path) {
    CgroupDir dir;
    dir.path = path;
    dir.fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.fd.valid()) {
        const int error = errno;
        return fail_errno(error, "cannot open the cgroup " + quoted(path),
                          error == ENOENT ? "create it (mkdir) under the cgroup2 mount first" : "");
    }
    if (!is_cgroup2(dir.fd.get())) {
        return fail(quoted(path) + " is not a cgroup v2 directory",
                    "give a directory under the cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on "
                    "hybrid systems)");
    }
    struct stat status {};
    if (::fstat(dir.fd.get(), &status) != 0) return fail_errno(errno, "cannot stat " + quoted(path));
    dir.id = cgroup_id_of(dir.fd.get(), status);
    auto level = level_of(dir.fd.get(), path);
    if (!level) return tl::unexpected(std::move(level.error()));
    dir.level = *level;
    if (dir.level > LLH_MAX_CGROUP_LEVEL) {
        return fail("the cgroup " + quoted(path) + " is at level " + std::to_string(dir.level) +
                        ", deeper than cgroup mode's limit of " + std::to_string(LLH_MAX_CGROUP_LEVEL),
                    "attach the policy to an ancestor: it holds for every descendant");
    }
    return dir;
}

Result<std::optional<std::string>> find_cgroup(std::uint64_t id) {
    int last_error = ENOENT;
    for (const char* mount : kCgroup2Mounts) {
        UniqueFd mount_fd(::open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!mount_fd.valid() || !is_cgroup2(mount_fd.get())) continue;
        KernfsHandle handle(id);
        UniqueFd found(::open_by_handle_at(mount_fd.get(), handle.header(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!found.valid()) {
            if (errno == ESTALE || errno == ENOENT) return std::optional<std::string>();
            last_error = errno;
            continue;
        }
        char target[4096];
        const std::string link = "/proc/self/fd/" + std::to_string(found.get());
        const ssize_t length = ::readlink(link.c_str(), target, sizeof(target) - 1);
        if (length < 0) return fail_errno(errno, "cannot read " + link);
        std::string path(target, static_cast<std::size_t>(length));
        // readlink() names the path from this process's root; a cgroup outside the mount's
        // subtree (another cgroup namespace) would read relative to the mount, so join only
        // relative answers.
        if (!path.empty() && path.front() != '/') path.insert(0, std::string(mount) + "/");
        return std::optional<std::string>(std::move(path));
    }
    return fail_errno(last_error, "cannot look up cgroup " + std::to_string(id),
                      "cgroup mode needs cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified and "
                      "CAP_DAC_READ_SEARCH");
}

}  // namespace llh::cgroup
