#include "kernel/cgroup_paths.hpp"

#include <sstream>

#include "io/bounded_read.hpp"
#include "kernel/mountinfo.hpp"

namespace llh::cgroup {
namespace {

bool under(const std::string& path, const std::string& root) {
    if (root == "/") return true;
    return path.compare(0, root.size(), root) == 0 && (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

std::string unified_cgroup_path(std::string_view proc_cgroup) {
    std::istringstream lines{std::string(proc_cgroup)};
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    }
    return {};
}

std::vector<Cgroup2Mount> cgroup2_mounts(std::string_view mountinfo) {
    std::vector<Cgroup2Mount> mounts;
    for (auto& mount : parse_mountinfo(mountinfo)) {
        if (mount.fstype == "cgroup2") mounts.push_back({std::move(mount.root), std::move(mount.mount_point)});
    }
    return mounts;
}

Result<std::string> cgroup_directory(const std::string& path, const std::vector<Cgroup2Mount>& mounts) {
    if (path.empty() || path.front() != '/') {
        return fail("the process has no cgroup v2 path (\"0::\" line)",
                    "cgroup mode needs a cgroup2 hierarchy (cgroup_no_v1 or a hybrid host's unified mount)");
    }
    const Cgroup2Mount* best = nullptr;
    for (const auto& mount : mounts) {
        if (under(path, mount.root) && (best == nullptr || mount.root.size() > best->root.size())) best = &mount;
    }
    if (best == nullptr) {
        return fail("no cgroup2 mount shows the cgroup " + path,
                    "mount cgroup2 (e.g. mount -t cgroup2 none /sys/fs/cgroup) in this mount namespace");
    }
    const std::string rest = best->root == "/" ? path : path.substr(best->root.size());
    if (rest == "/" || rest.empty()) return best->mount_point;
    return (best->mount_point == "/" ? std::string() : best->mount_point) + rest;
}

Result<std::string> process_cgroup_directory(pid_t pid) {
    if (pid <= 0) return fail("no process to find the cgroup of (pid " + std::to_string(pid) + ")");
    const std::string proc_file = "/proc/" + std::to_string(pid) + "/cgroup";
    auto cgroups = read_proc_file(proc_file);
    if (!cgroups) return tl::unexpected(std::move(cgroups.error()));
    auto mountinfo = read_proc_file("/proc/self/mountinfo");
    if (!mountinfo) return tl::unexpected(std::move(mountinfo.error()));
    auto directory = cgroup_directory(unified_cgroup_path(*cgroups), cgroup2_mounts(*mountinfo));
    if (!directory) return tl::unexpected(std::move(directory.error()).with_context(proc_file));
    return directory;
}

}  // namespace llh::cgroup
