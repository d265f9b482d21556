// The host side of native mode: compiled policies under /run/landlock-hooks/policies/, named by
// the SHA-256 of their content (identical policies share one file), and one record per
// container under /run/landlock-hooks/containers/ saying what it got. Every change happens
// under one lock, so that a poststop never removes a policy another container is starting with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"
#include "oci-hook/sha256.hpp"

namespace llh {

struct StoreLayout {
    std::string root;        // /run/landlock-hooks
    std::string policies;    // /run/landlock-hooks/policies
    std::string containers;  // /run/landlock-hooks/containers
    std::string lock;        // /run/landlock-hooks/.lock

    static StoreLayout at(const std::string& root) {
        return {root, root + "/policies", root + "/containers", root + "/.lock"};
    }
};

// /run/landlock-hooks, or LANDLOCK_HOOKS_STATE_DIR (rootless podman: a directory the user owns,
// e.g. $XDG_RUNTIME_DIR/landlock-hooks, set in the hooks.d JSON's env).
StoreLayout default_store();

// An exclusive flock on the store's lock file, held while it lives.
class StoreLock {
public:
    static Result<StoreLock> acquire(const StoreLayout& layout);

private:
    explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

// Writes the policy (0644: read inside containers by any user) as <sha256>.json, or refreshes
// the mtime of an identical existing file. Returns its host path.
Result<std::string> store_policy(const StoreLayout& layout, std::string_view text);

// Container ids become file names: refuse anything that could step out of the directory.
Result<void> check_container_id(std::string_view id);

struct ContainerRecord {
    std::string id;
    std::string bundle;
    std::string policy_path;  // host path of the policy file (mounted into the container in native mode)
    std::string sha256;
    std::string launcher;             // host path of the launcher mounted into the container
    std::string stage;                // who wrote the record: a hook stage, or "landlock-runtime"
    std::int64_t pid = 0;             // the container's host pid, when the writer knew it (hooks)
    std::int64_t recorded_at_ns = 0;  // CLOCK_REALTIME
    // Written by landlock-runtime, which records before the runtime runs and has no hook to tell
    // it when the container is gone: the runtime's state directory (<runtime_root>/<id> exists as
    // long as the container does) and the process that is creating the container (the wrapper,
    // which became the runtime by execve). collect_garbage() uses them; "" / 0 when unknown.
    std::string runtime_root;
    std::int64_t creator_pid = 0;
    std::uint64_t creator_start_time = 0;  // /proc/PID/stat field 22, so a reused pid is not taken for it
    nlohmann::ordered_json annotations;    // the io.landlock.* annotations, as given
    // The mode applied ("native", "cgroup", "both") and the mode decision's one-line report.
    std::string mode = "native";
    std::string mode_report;
    // Cgroup mode: the container's cgroup, whose policy poststop detaches by id (0 / "" otherwise).
    std::uint64_t cgroup_id = 0;
    std::string cgroup_dir;
    nlohmann::ordered_json to_json() const;
    static Result<ContainerRecord> from_json(const nlohmann::ordered_json& json);
};

Result<void> write_record(const StoreLayout& layout, const ContainerRecord& record);
// nullopt when the container has no record.
Result<std::optional<ContainerRecord>> read_record(const StoreLayout& layout, std::string_view id);

struct Released {
    bool had_record = false;
    std::optional<std::string> removed_policy;  // the policy file removed with it, if any
};

// Removes a container's record, and its policy file unless another record uses it or another
// container is starting with it (its mtime is newer than this record).
Result<Released> release_container(const StoreLayout& layout, std::string_view id);

// True when a record written by landlock-runtime belongs to a container that is gone: its
// creating process has exited and the runtime's state directory no longer holds it. False when
// that cannot be known (no runtime root, the root itself missing).
bool container_gone(const ContainerRecord& record);

// The start time of a process (/proc/PID/stat field 22, clock ticks since boot); nullopt when
// there is no such process.
std::optional<std::uint64_t> process_start_time(std::int64_t pid);

struct GcSettings {
    std::int64_t now_ns = 0;  // CLOCK_REALTIME
    // A policy file nobody's record names is removed once its mtime is older than this: podman's
    // precreate hook stores the policy before the createRuntime hook records it, and a start that
    // fails in between leaves the file to nobody.
    std::int64_t grace_ns = 0;
};

struct GcReport {
    std::vector<std::string> removed_records;   // container ids
    std::vector<std::string> removed_policies;  // host paths
};

// Under the store's lock: removes the records of containers that are gone (records written by
// landlock-runtime whose runtime state directory no longer holds the container and whose creating
// process has exited: a foreground `run`, which deletes its container itself, or a delete that
// bypassed landlock-runtime), the policy files they alone used, policy files no record names
// that are older than the grace period, and temporary files left by a crash.
Result<GcReport> collect_garbage(const StoreLayout& layout, const GcSettings& settings);

// True when a collection is due: the store exists and the last one (the mtime of <root>/.gc)
// is older than `interval_ns`. Marks the collection as done now.
bool gc_due(const StoreLayout& layout, std::int64_t now_ns, std::int64_t interval_ns);

// CLOCK_REALTIME in nanoseconds.
std::int64_t realtime_ns();

}  // namespace llh
