// The file-system objects a policy's rules name, opened once and merged by identity. Shared by
// native mode (landlock_add_rule on each fd) and cgroup mode (each object's inode identity goes
// into a BPF map), so both treat a missing path, a file given directory rights and two spellings
// of one object the same way.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "libpolicy/compat.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {

// One file-system object and everything the policy allows on it.
struct RuleObject {
    std::string path;  // the first spelling met, for messages
    std::string origin;
    UniqueFd fd;  // O_PATH | O_CLOEXEC
    bool is_directory = false;
    FsAccess allowed = 0;
    dev_t dev = 0;  // st_dev / st_ino: what merged the spellings
    ino_t ino = 0;
};

// Opens every rule's path beneath root_fd (AT_FDCWD = this process's root) with
// openat2(RESOLVE_IN_ROOT) and merges rules that name the same object (two spellings, a symlink and
// its target). A missing path (ENOENT, ENOTDIR) is an error under compat:hard and a warning under
// best-effort; any other resolution error is an error. Errors carry the rule's origin.
Result<std::vector<RuleObject>> open_rule_objects(const Policy& policy, int root_fd,
                                                  std::vector<std::string>& warnings);

// The rights `object` can hold out of `handled`: a file holds only file rights (the kernel refuses
// the others), as "rw:/etc/app.conf" means what rw means for a file. 0 with a warning when none
// applies (the rule is skipped).
FsAccess object_rights(const RuleObject& object, FsAccess handled, std::vector<std::string>& warnings);

// compat:hard on a policy that restricts nothing on `target` ("Landlock ABI 6", "cgroup mode"):
// the error both modes refuse with. Best-effort callers run unrestricted and report instead.
Error restricts_nothing(const std::string& target);

}  // namespace llh
