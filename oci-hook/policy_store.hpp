// The host side of native mode: compiled policies under /run/landlock-hooks/policies/, named by
// the SHA-256 of their content (identical policies share one file), and one record per
// container under /run/landlock-hooks/containers/ saying what it got. Every change happens
// under one lock, so that a poststop never removes a policy another container is starting with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
    std::string policy_path;  // host path of the policy file mounted into the container
    std::string sha256;
    std::string launcher;  // host path of the launcher mounted into the container
    std::string stage;     // the hook stage that wrote the record
    std::int64_t pid = 0;
    std::int64_t recorded_at_ns = 0;     // CLOCK_REALTIME
    nlohmann::ordered_json annotations;  // the io.landlock.* annotations, as given
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

}  // namespace llh
