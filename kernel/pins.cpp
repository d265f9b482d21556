#include "kernel/pins.hpp"

#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace llh::cgroup {
namespace {

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

constexpr const char* kRunDirectory = "/run/landlock-hooks";
constexpr const char* kLockFile = "/run/landlock-hooks/cgroup-mode.lock";

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

Result<void> make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno(errno, "cannot create " + quoted(path));
    return {};
}

}  // namespace

Result<PinLock> PinLock::acquire(int lock_fd) {
    while (::flock(lock_fd, LOCK_EX) != 0) {
        if (errno != EINTR) return fail_errno(errno, std::string("cannot lock ") + kLockFile);
    }
    return PinLock(lock_fd);
}

PinLock::~PinLock() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

Result<UniqueFd> open_lock_file() {
    if (::mkdir("/run", 0755) != 0 && errno != EEXIST) return fail_errno(errno, "cannot create /run");
    if (auto made = make_dir(kRunDirectory); !made) return tl::unexpected(made.error());
    UniqueFd fd(::open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return fail_errno(errno, std::string("cannot open ") + kLockFile);
    return fd;
}

bool bpffs_mounted(const std::string& directory) {
    struct statfs fs {};
    return ::statfs(directory.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

Result<void> mount_bpffs(const std::string& directory) {
    if (bpffs_mounted(directory)) return {};
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
        return fail_errno(errno, "cannot create " + quoted(directory));
    if (::mount("bpf", directory.c_str(), "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0) {
        return fail_errno(errno, "cannot mount bpffs on " + quoted(directory),
                          "cgroup mode pins its programs there; mount it: mount -t bpf bpf /sys/fs/bpf");
    }
    return {};
}

Result<void> make_pin_dirs(const PinPaths& paths) {
    for (const std::string& path : {paths.root, paths.maps(), paths.links()}) {
        if (auto made = make_dir(path); !made) return made;
    }
    return {};
}

Result<UniqueFd> open_meta(const PinPaths& paths) {
    UniqueFd fd(bpf_obj_get(paths.meta().c_str()));
    if (!fd.valid()) return fail_errno(errno, "cannot open " + quoted(paths.meta()));
    bpf_map_info info{};
    std::uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0)
        return fail_errno(errno, "cannot inspect " + quoted(paths.meta()));
    if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != 4 || info.value_size < 4 || info.max_entries != 1) {
        return fail(quoted(paths.meta()) + " is not landlock-hooks' meta map",
                    "something else is pinned under " + paths.root + "; remove it");
    }
    return fd;
}

Result<UniqueFd> create_meta(const PinPaths& paths, const PinMeta& initial) {
    bpf_map_create_opts options{};
    options.sz = sizeof(options);
    UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, "llh_meta", 4, sizeof(PinMeta), 1, &options));
    if (!fd.valid()) return fail_errno(errno, "cannot create the meta map");
    if (auto written = write_meta(fd.get(), initial); !written) return tl::unexpected(written.error());
    if (bpf_obj_pin(fd.get(), paths.meta().c_str()) != 0)
        return fail_errno(errno, "cannot pin " + quoted(paths.meta()));
    return fd;
}

Result<PinMeta> read_meta(int meta_fd) {
    // The stored value may be larger (a later layout): read it whole, take our prefix.
    bpf_map_info info{};
    std::uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(meta_fd, &info, &length) != 0) return fail_errno(errno, "cannot inspect the meta map");
    std::vector<unsigned char> value(std::max<std::size_t>(info.value_size, sizeof(PinMeta)));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(meta_fd, &key, value.data()) != 0) return fail_errno(errno, "cannot read the meta map");
    PinMeta meta;
    std::memcpy(&meta, value.data(), std::min<std::size_t>(info.value_size, sizeof(PinMeta)));
    return meta;
}

Result<void> write_meta(int meta_fd, const PinMeta& meta) {
    const std::uint32_t key = 0;
    if (bpf_map_update_elem(meta_fd, &key, &meta, BPF_ANY) != 0) return fail_errno(errno, "cannot write the meta map");
    return {};
}

Result<std::vector<std::string>> pinned_names(const std::string& directory) {
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) return fail_errno(errno, "cannot list " + quoted(directory));
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    return names;
}

}  // namespace llh::cgroup
