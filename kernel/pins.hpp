// Where cgroup mode keeps its BPF objects between processes: a bpffs directory (LLH_PIN_ROOT)
// holding maps/<map name>, links/<program name> and `meta`, plus the lock every mutating caller
// takes. The meta pin is a one-entry ARRAY map created by the loader (not by the BPF object):
// it records the map layout (LLH_ABI_VERSION) the pinned maps were created with, which program
// set is attached, and the next policy id, so that it survives every process that used it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::cgroup {

// The value of the meta pin. abi_version is first and stays first whatever LLH_ABI_VERSION
// becomes: it is how a loader recognises maps of another layout.
struct PinMeta {
    std::uint32_t abi_version = 0;
    std::uint32_t next_policy_id = 1;
    std::uint64_t program_hash = 0;  // of the attached program set's object; 0 until links are pinned
    std::uint32_t links = 0;         // links pinned for that set
    std::uint32_t reserved = 0;
};

struct PinPaths {
    std::string root;  // LLH_PIN_ROOT unless a caller (a test) says otherwise
    std::string maps() const { return root + "/maps"; }
    std::string links() const { return root + "/links"; }
    std::string meta() const { return root + "/meta"; }
    std::string map(const std::string& name) const { return maps() + "/" + name; }
    std::string link(const std::string& name) const { return links() + "/" + name; }
};

// An exclusive flock(2) on /run/landlock-hooks/lock, released on destruction. A file outside
// bpffs, so that it also serializes mounting bpffs (two mounts stacked at /sys/fs/bpf would hide
// each other's pins). One lock fd per Enforcer: flock excludes other open file descriptions, so
// threads sharing an Enforcer also need its mutex.
class PinLock {
public:
    static Result<PinLock> acquire(int lock_fd);
    PinLock(PinLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    PinLock& operator=(PinLock&&) = delete;
    PinLock(const PinLock&) = delete;
    ~PinLock();

private:
    explicit PinLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// Creates /run/landlock-hooks and opens its lock file.
Result<UniqueFd> open_lock_file();

// Is the bpffs at the parent of `root` mounted (statfs magic)? Mounts it when asked to.
bool bpffs_mounted(const std::string& directory);
Result<void> mount_bpffs(const std::string& directory);

// mkdir -p root, root/maps, root/links (mode 0700).
Result<void> make_pin_dirs(const PinPaths& paths);

// The meta pin: absent = nullopt-like (ENOENT error with errno_value ENOENT).
Result<UniqueFd> open_meta(const PinPaths& paths);
Result<UniqueFd> create_meta(const PinPaths& paths, const PinMeta& initial);
Result<PinMeta> read_meta(int meta_fd);
Result<void> write_meta(int meta_fd, const PinMeta& meta);

// Names pinned in a directory (links/), "." and ".." left out.
Result<std::vector<std::string>> pinned_names(const std::string& directory);

}  // namespace llh::cgroup
