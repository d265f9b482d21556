// Path resolution inside a workload's root, from outside: openat2(RESOLVE_IN_ROOT) makes
// "/", "..", absolute symlinks and magic links all stay beneath root_fd, so a symlink in a
// container image can never point a rule at a host path. The only syscalls libpolicy makes.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <utility>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {

struct ResolvedPath {
    UniqueFd fd;  // O_PATH | O_CLOEXEC
    bool is_directory = false;
    dev_t dev = 0;  // st_dev / st_ino of the object
    ino_t ino = 0;
};

// Where paths are resolved: beneath a workload's root directory, or (AT_FDCWD) beneath this
// process's own root, which is then opened once for all the paths of a policy.
class ResolutionRoot {
public:
    static Result<ResolutionRoot> open(int root_fd);

    // Opens `path` (absolute, as the workload sees it) beneath the root. Errors keep errno:
    // ENOENT for a missing path, EXDEV/ELOOP for refused resolution.
    Result<ResolvedPath> resolve(std::string_view path) const;

private:
    ResolutionRoot(UniqueFd own_root, int fd) : own_root_(std::move(own_root)), fd_(fd) {}

    UniqueFd own_root_;  // valid when the root is this process's own
    int fd_;
};

// One path beneath `root_fd` (AT_FDCWD = the caller's own root): ResolutionRoot::open + resolve.
Result<ResolvedPath> open_in_root(int root_fd, std::string_view path);

// Opens a directory to serve as root_fd (O_PATH | O_DIRECTORY | O_CLOEXEC).
Result<UniqueFd> open_root(std::string_view directory);

}  // namespace llh
