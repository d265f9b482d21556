#include "oci-hook/policy_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
    if (auto written = write_file_atomic(path, text, 0644); !written) {
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
    json["mode"] = "native";
    json["policy"] = policy_path;
    json["sha256"] = sha256;
    json["launcher"] = launcher;
    json["stage"] = stage;
    json["pid"] = pid;
    json["recordedAtNs"] = recorded_at_ns;
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
    return write_file_atomic(record_path(layout, record.id), record.to_json().dump(2) + "\n", 0644);
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

Result<Released> release_container(const StoreLayout& layout, std::string_view id) {
    if (auto ok = check_container_id(id); !ok) return tl::unexpected(ok.error());
    auto lock = StoreLock::acquire(layout);
    if (!lock) return tl::unexpected(lock.error());

    Released released;
    const std::string path = record_path(layout, id);
    std::optional<ContainerRecord> mine;
    if (auto text = read_bounded_file(path, kMaxRecordBytes); text) {
        auto json = nlohmann::ordered_json::parse(*text, nullptr, false);
        if (!json.is_discarded()) {
            if (auto record = ContainerRecord::from_json(json); record) mine = std::move(*record);
        }
    } else if (text.error().errno_value == ENOENT) {
        return released;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return fail_errno(errno, "cannot remove " + path);
    }
    released.had_record = true;
    if (!mine || mine->policy_path.rfind(layout.policies + "/", 0) != 0) return released;

    // Is the policy still someone else's?
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(layout.containers.c_str()), ::closedir);
    if (dir) {
        while (const dirent* entry = ::readdir(dir.get())) {
            const std::string name = entry->d_name;
            if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0 || name.front() == '.') continue;
            auto text = read_bounded_file(layout.containers + "/" + name, kMaxRecordBytes);
            if (!text) continue;
            auto json = nlohmann::ordered_json::parse(*text, nullptr, false);
            if (json.is_discarded() || !json.is_object()) continue;
            if (json.value("policy", "") == mine->policy_path) return released;
        }
    }
    struct stat st {};
    if (::lstat(mine->policy_path.c_str(), &st) != 0) return released;
    // Refreshed after this container recorded it: another container is between its rewrite and
    // its createRuntime hook with the same policy. Its own poststop removes the file later.
    if (to_ns(st.st_mtim) > mine->recorded_at_ns) return released;
    if (::unlink(mine->policy_path.c_str()) == 0) released.removed_policy = mine->policy_path;
    return released;
}

}  // namespace llh
