// Cgroup v2 directories as cgroup mode names them: by id (the directory's kernfs node id, which
// is its inode number on 64-bit kernels and what bpf_get_current_cgroup_id() returns), with the
// level that the programs' ancestor walk sees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::cgroup {

struct CgroupDir {
    UniqueFd fd;  // O_RDONLY | O_DIRECTORY
    std::uint64_t id = 0;
    std::uint32_t level = 0;  // root cgroup = 0
    std::string path;         // as given
};

// Opens `path` and checks that it is a cgroup v2 directory no deeper than LLH_MAX_CGROUP_LEVEL.
// The level is counted up to the root of the cgroup2 mount it lives in: in a cgroup namespace
// whose mount root is not the hierarchy's root, that undercounts (documented limit).
Result<CgroupDir> open_cgroup_dir(const std::string& path);

// Where the cgroup with this id is, by open_by_handle_at() on a cgroup2 mount: its path, or
// nullopt when it no longer exists (ESTALE). An error means "cannot tell" (no cgroup2 mount, no
// CAP_DAC_READ_SEARCH): callers must not treat that as gone.
Result<std::optional<std::string>> find_cgroup(std::uint64_t id);

}  // namespace llh::cgroup
