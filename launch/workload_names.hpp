// Names the workload a denial came from, as people know it: the container id (the records the OCI
// hook keeps under /run/landlock-hooks/containers/, which name the container's cgroup), else the
// systemd unit its cgroup belongs to (…/system.slice/nginx.service), else the cgroup's path.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llh::events {

// The innermost unit of a cgroup path ("/sys/fs/cgroup/system.slice/nginx.service/worker" ->
// "nginx.service"): a .service or .scope component (slices only group units); "" when none.
std::string unit_of_cgroup(std::string_view path);

struct Workload {
    std::uint64_t cgroup_id = 0;  // 0 unknown
    std::string name;             // "" unknown
};

class WorkloadNames {
public:
    // `state_directory`: where the hooks keep their records (/run/landlock-hooks).
    explicit WorkloadNames(std::string state_directory) : state_directory_(std::move(state_directory)) {}

    // Cgroup mode's events name the denied task's cgroup.
    std::string for_cgroup(std::uint64_t cgroup_id);
    // Audit records name a pid: its cgroup, read while the process still runs.
    Workload for_pid(std::int64_t pid);

private:
    struct Container {
        std::string id;
        std::uint64_t cgroup_id = 0;
        std::string cgroup_dir;
    };
    std::string name(std::uint64_t cgroup_id, const std::string& path);
    void reload_containers();

    std::string state_directory_;
    std::vector<Container> containers_;
    std::int64_t loaded_at_s_ = -1;               // CLOCK_MONOTONIC seconds of the last reload
    std::map<std::uint64_t, std::string> names_;  // by cgroup id, bounded
    std::map<std::int64_t, Workload> by_pid_;     // for denials read after their process exited, bounded
};

}  // namespace llh::events
