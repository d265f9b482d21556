#include "launch/workload_names.hpp"

#include <dirent.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "io/bounded_read.hpp"
#include "kernel/cgroup_dir.hpp"
#include "kernel/cgroup_paths.hpp"

namespace llh::events {
namespace {

// Bounds: a host with thousands of short-lived cgroups must not grow the reader without end.
constexpr std::size_t kMaxNames = 4096;
constexpr std::size_t kMaxContainers = 65536;
constexpr std::size_t kMaxRecordBytes = 1U << 20;

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Whether `path` is `ancestor` or beneath it.
bool is_within(std::string_view path, std::string_view ancestor) {
    if (ancestor.empty() || path.substr(0, ancestor.size()) != ancestor) return false;
    return path.size() == ancestor.size() || path[ancestor.size()] == '/' || ancestor.back() == '/';
}

std::int64_t monotonic_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec;
}

}  // namespace

std::string unit_of_cgroup(std::string_view path) {
    while (!path.empty()) {
        const auto slash = path.rfind('/');
        const std::string_view component = slash == std::string_view::npos ? path : path.substr(slash + 1);
        if (ends_with(component, ".service") || ends_with(component, ".scope")) return std::string(component);
        if (slash == std::string_view::npos) break;
        path = path.substr(0, slash);
    }
    return {};
}

void WorkloadNames::reload_containers() {
    // A record written since the last look names a new container: look again, once a second.
    const std::int64_t now = monotonic_seconds();
    if (loaded_at_s_ == now) return;
    loaded_at_s_ = now;
    containers_.clear();
    const std::string directory = state_directory_ + "/containers";
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) return;  // no container has a record
    while (const dirent* entry = ::readdir(dir)) {
        const std::string file = entry->d_name;
        if (file.front() == '.' || !ends_with(file, ".json") || containers_.size() >= kMaxContainers) continue;
        const auto text = read_file_up_to(directory + "/" + file, kMaxRecordBytes);
        if (!text || text->size() > kMaxRecordBytes) continue;
        const auto json = nlohmann::json::parse(*text, nullptr, false);
        if (!json.is_object()) continue;  // being written, or not ours
        Container container;
        container.id = json.value("id", file.substr(0, file.size() - 5));
        container.cgroup_id = json.value("cgroup_id", std::uint64_t{0});
        container.cgroup_dir = json.value("cgroup_dir", "");
        if (container.cgroup_id != 0 || !container.cgroup_dir.empty()) containers_.push_back(std::move(container));
    }
    ::closedir(dir);
}

std::string WorkloadNames::name(std::uint64_t cgroup_id, const std::string& path) {
    reload_containers();
    for (const auto& container : containers_) {
        if (container.cgroup_id == cgroup_id) return container.id;
    }
    // A process the container put in a child cgroup of its own.
    for (const auto& container : containers_) {
        if (is_within(path, container.cgroup_dir)) return container.id;
    }
    if (auto unit = unit_of_cgroup(path); !unit.empty()) return unit;
    return path;
}

std::string WorkloadNames::for_cgroup(std::uint64_t cgroup_id) {
    if (const auto known = names_.find(cgroup_id); known != names_.end()) return known->second;
    auto path = cgroup::find_cgroup(cgroup_id);
    // Removed since (or not to be looked up here): the caller shows the id.
    if (!path || !*path) return {};
    std::string found = name(cgroup_id, **path);
    if (names_.size() >= kMaxNames) names_.clear();
    names_.emplace(cgroup_id, found);
    return found;
}

Workload WorkloadNames::for_pid(std::int64_t pid) {
    if (pid <= 0) return {};
    const auto path = cgroup::process_cgroup_directory(static_cast<pid_t>(pid));
    if (!path) {
        // Gone: an earlier denial of the same process may have seen where it ran.
        const auto seen = by_pid_.find(pid);
        return seen != by_pid_.end() ? seen->second : Workload{};
    }
    Workload found;
    if (auto dir = cgroup::open_cgroup_dir(*path)) {
        found.cgroup_id = dir->id;
        if (const auto known = names_.find(dir->id); known != names_.end()) {
            found.name = known->second;
        } else {
            found.name = name(dir->id, *path);
            if (names_.size() >= kMaxNames) names_.clear();
            names_.emplace(dir->id, found.name);
        }
    }
    if (by_pid_.size() >= kMaxNames) by_pid_.clear();
    by_pid_[pid] = found;
    return found;
}

}  // namespace llh::events
