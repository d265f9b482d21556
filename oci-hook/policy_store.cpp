#include "oci-hook/policy_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "oci-hook/file_io.hpp"
#include "oci-hook/paths.hpp"
#include "oci-hook/sha256.hpp"

namespace llh {
namespace {

constexpr std::size_t kMaxRecordBytes = 1U << 20;

std::int64_t to_ns(const timespec& ts) {
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

std::string record_path(const StoreLayout& layout, std::string_view id) {
    return layout.containers + "/" + std::string(id) + ".json";
}

}  // namespace

StoreLayout default_store() {
    const char* env = std::getenv("LANDLOCK_HOOKS_STATE_DIR");
    if (env != nullptr && env[0] == '/') return StoreLayout::at(env);
    return StoreLayout::at(std::string(kStateDirectory));
}

Result<StoreLock> StoreLock::acquire(const StoreLayout& layout) {
    const auto slash = layout.lock.rfind('/');
    if (slash != std::string::npos) {
        if (auto made = make_directories(layout.lock.substr(0, slash), 0755); !made) {
            return tl::unexpected(made.error());
        }
    }
    UniqueFd fd(::open(layout.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) {
        return fail_errno(errno, "cannot open lock file " + layout.lock);
    }
    while (::flock(fd.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return fail_errno(errno, "cannot lock " + layout.lock);
    }
    return StoreLock(std::move(fd));
}

Result<std::string> store_policy(const StoreLayout& layout, std::string_view text) {
    const std::string digest = sha256_hex(text);
    if (digest.empty()) return fail("cannot compute the SHA-256 of the policy");
    auto lock = StoreLock::acquire(layout);
    if (!lock) return tl::unexpected(lock.error());
    if (auto made = make_directories(layout.policies, 0755); !made) {
        return tl::unexpected(made.error());
    }
    const std::string path = layout.policies + "/" + digest + ".json";
    // Same name, same content: an existing file only needs a fresh mtime (see release_container).
    if (auto existing = read_bounded_file(path, text.size()); existing && *existing == text) {
        if (::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0) {
            return path;
        }
    }
    if (auto written = replace_volatile_file(path, text, 0644); !written) {
        return tl::unexpected(written.error());
    }
    return path;
}

Result<void> check_container_id(std::string_view id) {
    const bool ok = !id.empty() && id.size() <= 1024 && id.front() != '.' &&
                    id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                        std::string_view::npos;
    if (!ok) {
        return fail("container id \"" + std::string(id.substr(0, 80)) + "\" is not a valid id",
                    "ids are made of letters, digits, '_', '.' and '-' and do not start with '.'");
    }
    return {};
}

nlohmann::ordered_json ContainerRecord::to_json() const {
    nlohmann::ordered_json json;
    json["id"] = id;
    json["bundle"] = bundle;
    // snake_case names: what `landlockctl events` reads to name a container by its cgroup.
    json["mode"] = mode;
    if (!mode_report.empty()) json["mode_report"] = mode_report;
    if (cgroup_id != 0) {
        json["cgroup_id"] = cgroup_id;
        json["cgroup_dir"] = cgroup_dir;
    }
    json["policy"] = policy_path;
    json["sha256"] = sha256;
    json["launcher"] = launcher;
    json["stage"] = stage;
    json["pid"] = pid;
    json["recordedAtNs"] = recorded_at_ns;
    if (!runtime_root.empty()) {
        json["runtimeRoot"] = runtime_root;
        json["creatorPid"] = creator_pid;
        json["creatorStartTime"] = creator_start_time;
    }
    json["annotations"] = annotations.is_null() ? nlohmann::ordered_json::object() : annotations;
    return json;
}

Result<ContainerRecord> ContainerRecord::from_json(const nlohmann::ordered_json& json) {
    try {
        ContainerRecord record;
        record.id = json.at("id").get<std::string>();
        record.bundle = json.value("bundle", "");
        record.policy_path = json.at("policy").get<std::string>();
        record.sha256 = json.value("sha256", "");
        record.launcher = json.value("launcher", "");
        record.stage = json.value("stage", "");
        record.pid = json.value("pid", std::int64_t{0});
        record.recorded_at_ns = json.value("recordedAtNs", std::int64_t{0});
        record.annotations = json.value("annotations", nlohmann::ordered_json::object());
        record.runtime_root = json.value("runtimeRoot", "");
        record.creator_pid = json.value("creatorPid", std::int64_t{0});
        record.creator_start_time = json.value("creatorStartTime", std::uint64_t{0});
        record.mode = json.value("mode", "native");
        record.mode_report = json.value("mode_report", "");
        record.cgroup_id = json.value("cgroup_id", std::uint64_t{0});
        record.cgroup_dir = json.value("cgroup_dir", "");
        return record;
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("malformed container record: ") + e.what());
    }
}

Result<void> write_record(const StoreLayout& layout, const ContainerRecord& record) {
    if (auto ok = check_container_id(record.id); !ok) return ok;
    auto lock = StoreLock::acquire(layout);
    if (!lock) return tl::unexpected(lock.error());
    if (auto made = make_directories(layout.containers, 0755); !made) return made;
    return replace_volatile_file(record_path(layout, record.id), record.to_json().dump(2) + "\n", 0644);
}

Result<std::optional<ContainerRecord>> read_record(const StoreLayout& layout, std::string_view id) {
    if (auto ok = check_container_id(id); !ok) return tl::unexpected(ok.error());
    const std::string path = record_path(layout, id);
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return std::optional<ContainerRecord>{};
    auto text = read_bounded_file(path, kMaxRecordBytes);
    if (!text) return tl::unexpected(text.error());
    auto json = nlohmann::ordered_json::parse(*text, nullptr, false);
    if (json.is_discarded()) return fail(path + ": not JSON");
    auto record = ContainerRecord::from_json(json);
    if (!record) return tl::unexpected(std::move(record.error()).with_context(path));
    return std::optional<ContainerRecord>{std::move(*record)};
}

namespace {

// Reads and parses one record file; nullopt when it is not a record.
std::optional<ContainerRecord> load_record(const std::string& path) {
    auto text = read_bounded_file(path, kMaxRecordBytes);
    if (!text) return std::nullopt;
    auto json = nlohmann::ordered_json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    auto record = ContainerRecord::from_json(json);
    if (!record) return std::nullopt;
    return std::move(*record);
}

bool has_suffix(const std::string& name, std::string_view suffix) {
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The names in a directory (no "." entries); empty when it cannot be read.
std::vector<std::string> list_directory(const std::string& path) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) return names;
    while (const dirent* entry = ::readdir(dir.get())) {
        if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
    }
    return names;
}

// The policy paths named by the records in the store (call with the lock held).
std::vector<std::string> policies_in_use(const StoreLayout& layout) {
    std::vector<std::string> used;
    for (const auto& name : list_directory(layout.containers)) {
        if (!has_suffix(name, ".json")) continue;
        if (auto record = load_record(layout.containers + "/" + name)) used.push_back(record->policy_path);
    }
    return used;
}

bool contains_path(const std::vector<std::string>& paths, const std::string& path) {
    return std::find(paths.begin(), paths.end(), path) != paths.end();
}

// Removes the policy of a record just removed, unless another record uses it or another
// container is starting with it: its mtime is newer than the record (store_policy refreshed it).
std::optional<std::string> release_policy(const StoreLayout& layout, const ContainerRecord& record,
                                          const std::vector<std::string>& in_use) {
    if (record.policy_path.rfind(layout.policies + "/", 0) != 0) return std::nullopt;
    if (contains_path(in_use, record.policy_path)) return std::nullopt;
    struct stat st {};
    if (::lstat(record.policy_path.c_str(), &st) != 0) return std::nullopt;
    if (to_ns(st.st_mtim) > record.recorded_at_ns) return std::nullopt;
    if (::unlink(record.policy_path.c_str()) != 0) return std::nullopt;
    return record.policy_path;
}

}  // namespace

// A container that landlock-runtime recorded is gone when its creator (the wrapper, then the
// runtime it became) has exited and the runtime's state directory no longer holds it. Anything
// unknown (no runtime root, the root itself missing) keeps the record.
bool container_gone(const ContainerRecord& record) {
    if (record.runtime_root.empty() || record.runtime_root.front() != '/') return false;
    if (record.creator_pid > 0) {
        const auto start = process_start_time(record.creator_pid);
        if (start && *start == record.creator_start_time) return false;  // still creating (or running it)
    }
    struct stat st {};
    if (::stat(record.runtime_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    if (::lstat((record.runtime_root + "/" + record.id).c_str(), &st) == 0) return false;
    return errno == ENOENT;
}

namespace {

bool older_than(const std::string& path, std::int64_t limit_ns) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && to_ns(st.st_mtim) < limit_ns;
}

bool is_policy_name(const std::string& name) {
    return name.size() == 64 + 5 && has_suffix(name, ".json") && name.find_first_not_of("0123456789abcdef") == 64;
}

// A temporary of write_file_atomically ("NAME.tmp.PID.N.RANDOM") whose writer no longer runs: a
// hook killed in the middle of a write. Ours to remove at once (under the store's lock), where
// other temporaries wait for the grace period (a writer in another pid namespace).
bool orphan_temporary(const std::string& name) {
    const auto at = name.find(".tmp.");
    if (at == std::string::npos) return false;
    const long long pid = std::strtoll(name.c_str() + at + 5, nullptr, 10);
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes the orphan temporaries of both directories. The caller holds the store's lock.
void remove_orphan_temporaries(const StoreLayout& layout) {
    for (const std::string& directory : {layout.containers, layout.policies}) {
        for (const auto& name : list_directory(directory)) {
            if (orphan_temporary(name)) ::unlink((directory + "/" + name).c_str());
        }
    }
}

}  // namespace

Result<Released> release_container(const StoreLayout& layout, std::string_view id) {
    if (auto ok = check_container_id(id); !ok) return tl::unexpected(ok.error());
    auto lock = StoreLock::acquire(layout);
    if (!lock) return tl::unexpected(lock.error());

    remove_orphan_temporaries(layout);
    Released released;
    const std::string path = record_path(layout, id);
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return released;
    const std::optional<ContainerRecord> mine = load_record(path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return fail_errno(errno, "cannot remove " + path);
    }
    released.had_record = true;
    if (mine) released.removed_policy = release_policy(layout, *mine, policies_in_use(layout));
    return released;
}

std::optional<std::uint64_t> process_start_time(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    auto text = read_bounded_file("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!text) return std::nullopt;
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so count from the last ')'.
    const auto close = text->rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::size_t position = close + 1;
    for (int field = 2; field < 22; ++field) {
        position = text->find(' ', position);
        if (position == std::string::npos) return std::nullopt;
        ++position;
    }
    return std::strtoull(text->c_str() + position, nullptr, 10);
}

Result<GcReport> collect_garbage(const StoreLayout& layout, const GcSettings& settings) {
    auto lock = StoreLock::acquire(layout);
    if (!lock) return tl::unexpected(lock.error());
    GcReport report;
    const std::int64_t stale_before = settings.now_ns - settings.grace_ns;
    remove_orphan_temporaries(layout);

    std::vector<ContainerRecord> removed;
    for (const auto& name : list_directory(layout.containers)) {
        const std::string path = layout.containers + "/" + name;
        if (name.find(".tmp.") != std::string::npos) {
            if (older_than(path, stale_before)) ::unlink(path.c_str());  // a writer that crashed
            continue;
        }
        if (!has_suffix(name, ".json")) continue;
        auto record = load_record(path);
        if (!record || record->id + ".json" != name || !container_gone(*record)) continue;
        if (::unlink(path.c_str()) == 0) {
            report.removed_records.push_back(record->id);
            removed.push_back(std::move(*record));
        }
    }

    const std::vector<std::string> in_use = policies_in_use(layout);
    for (const auto& record : removed) {
        if (auto policy = release_policy(layout, record, in_use)) report.removed_policies.push_back(*policy);
    }
    for (const auto& name : list_directory(layout.policies)) {
        const std::string path = layout.policies + "/" + name;
        const bool temp = name.find(".tmp.") != std::string::npos;
        if (!temp && (!is_policy_name(name) || contains_path(in_use, path))) continue;
        if (!older_than(path, stale_before)) continue;
        if (::unlink(path.c_str()) == 0 && !temp) report.removed_policies.push_back(path);
    }
    return report;
}

bool gc_due(const StoreLayout& layout, std::int64_t now_ns, std::int64_t interval_ns) {
    struct stat st {};
    if (::stat(layout.containers.c_str(), &st) != 0 && ::stat(layout.policies.c_str(), &st) != 0) return false;
    const std::string stamp = layout.root + "/.gc";
    if (::stat(stamp.c_str(), &st) == 0 && now_ns - to_ns(st.st_mtim) < interval_ns) return false;
    UniqueFd fd(::open(stamp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.valid()) ::futimens(fd.get(), nullptr);
    return true;
}

std::int64_t realtime_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return to_ns(now);
}

}  // namespace llh
