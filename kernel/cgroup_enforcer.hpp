// Cgroup mode's user-space side: loads the BPF programs once, pins them under bpffs, and turns a
// Policy into map entries for one cgroup. The same code path serves `landlockctl attach/detach/
// status`, the OCI hook and the systemd helper.
//
// Lifecycle: the first caller on a boot loads the programs, pins maps and links under
// LLH_PIN_ROOT; later callers reuse the pins (attach only updates maps). Callers serialize on a
// lock so concurrent attaches are safe. An upgraded program set reuses the pinned maps when their
// layout (LLH_ABI_VERSION) matches, attaches its links before the old ones are unpinned, and
// refuses (keeping the old programs running) when it does not.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libpolicy/compat.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh::cgroup {

// Landlock's rights that cgroup mode enforces: those of Landlock ABI 6.
inline constexpr int kCgroupModeAbi = 6;

struct AttachRequest {
    std::string cgroup_dir;  // a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice/x.service
    // Rule paths are the workload's paths, opened beneath this directory with
    // openat2(RESOLVE_IN_ROOT) ("" or "/" = this process's root): a container's rootfs, or
    // /proc/PID/root of a task in the service's mount namespace.
    std::string root_dir;
    // The policy holds no task until one in the cgroup completes an execve (LLH_DOMAIN_UNTIL_EXEC):
    // for a container runtime's createRuntime hook, whose init still pivots, mounts and reads the
    // host's /proc before it execs the container's process.
    bool until_exec = false;
};

struct AttachReport {
    std::uint64_t cgroup_id = 0;
    std::uint32_t policy_id = 0;
    std::size_t fs_rules = 0;           // inode rules written
    std::size_t net_rules = 0;          // port rules written
    bool replaced = false;              // the cgroup had a policy before; it was swapped atomically
    CompatReport compat;                // against kCgroupModeAbi
    std::vector<std::string> warnings;  // e.g. a missing path skipped under best-effort
};

struct Attachment {
    std::uint64_t cgroup_id = 0;
    std::string cgroup_dir;  // "" when the cgroup no longer exists (collect() removes it)
    std::uint32_t policy_id = 0;
    std::uint32_t cgroup_level = 0;
    FsAccess handled_fs = 0;
    NetAccess handled_net = 0;
    Scopes scoped = 0;
    std::size_t fs_rules = 0;
    std::size_t net_rules = 0;
    bool waiting_for_exec = false;  // attached with until_exec, and no task has exec'd yet
};

struct OpenOptions {
    std::string pin_root;  // "" = LLH_PIN_ROOT; must be a directory directly in a bpffs mount
    // Load and attach this binary's programs even when the same set is pinned already: the upgrade
    // path (new links pinned over the old ones, maps and attachments kept). Tests use it.
    bool reload = false;
    // false: only open what is pinned, never load, attach or replace programs (status, detach);
    // fails with ENOENT when cgroup mode was never loaded.
    bool load = true;
};

// What open() found or did.
struct OpenInfo {
    bool loaded = false;               // this open() loaded and attached programs (first use or upgrade)
    bool mounted_bpffs = false;        // and mounted bpffs first
    std::uint32_t links = 0;           // links pinned for the attached program set
    std::uint32_t replaced_links = 0;  // old link pins this open() replaced (an upgrade)
    std::uint64_t program_hash = 0;    // which program set is attached (FNV-1a of the BPF object)
};

class Enforcer {
public:
    // Loads and pins the programs if they are not pinned yet, else opens the pins. Fails (with
    // the stage, errno and a hint such as "boot with lsm=...,bpf") when BPF LSM is unusable.
    static Result<std::unique_ptr<Enforcer>> open();
    static Result<std::unique_ptr<Enforcer>> open(const OpenOptions& options);
    virtual ~Enforcer() = default;

    virtual const OpenInfo& info() const = 0;

    // Attaches `policy` to the cgroup, replacing the cgroup's previous policy atomically.
    // Fails closed: on error the cgroup keeps what it had before and no entry is left behind.
    virtual Result<AttachReport> attach(const AttachRequest& request, const Policy& policy) = 0;

    // Removes exactly this cgroup's policy. Returns false when it had none. A thin wrapper: the
    // directory's id, then detach_id().
    virtual Result<bool> detach(const std::string& cgroup_dir) = 0;

    // Removes the policy of the cgroup with this id, which may be gone already: a container's
    // poststop runs after the runtime removed its cgroup. The kernel drops a removed cgroup's
    // domain at rmdir and leaves its policy id in llh_orphans; this deletes that policy's rules.
    // Returns false when it had none (or they were deleted already).
    virtual Result<bool> detach_id(std::uint64_t cgroup_id) = 0;

    virtual Result<std::vector<Attachment>> status() = 0;

    // Drops domains of cgroups that no longer exist and rules no domain refers to; returns how
    // many domains were collected, counting those the kernel dropped at rmdir (llh_orphans) whose
    // rules this call deleted. detach_id() and attach() delete those rules too, so collect() is
    // only the garbage collector of last resort (a domain written for a cgroup removed meanwhile).
    virtual Result<std::size_t> collect() = 0;
};

// What is pinned, read without loading, locking or mounting anything (landlockctl features).
struct PinnedState {
    bool pinned = false;            // the meta pin exists
    std::uint32_t abi_version = 0;  // of the pinned maps
    std::uint32_t links = 0;
    std::size_t attachments = 0;  // llh_domains entries
    bool same_programs = false;   // the attached set is this binary's
};
Result<PinnedState> inspect_pins(const std::string& pin_root = {});

}  // namespace llh::cgroup
