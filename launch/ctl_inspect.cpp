// landlockctl inspect: reads a container's record (written by landlock-oci-hook createRuntime or
// landlock-runtime) or a bundle's config.json, and the compiled policy it points at; shows the
// mode applied, the mode decision's report, and the cgroup in cgroup mode. Read-only: nothing here
// changes a container or the store, so it is safe to run on a live host.
#include "launch/ctl_inspect.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "launch/ctl_commands.hpp"
#include "launch/policy_sources.hpp"
#include "libpolicy/access.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy_document.hpp"

namespace llh::ctl {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kLaunchInContainer = "/dev/.landlock/landlock-launch";
constexpr std::size_t kMaxConfigBytes = 16U << 20;

bool is_plain_id(const std::string& id) {
    return !id.empty() && id.front() != '.' &&
           id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               std::string::npos;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<Json> read_json(const std::string& path, std::size_t limit) {
    Limits limits;
    limits.max_document_bytes = limit;
    auto text = read_policy_file(path, limits);
    if (!text) return tl::unexpected(text.error());
    Json json = Json::parse(*text, nullptr, false);
    if (json.is_discarded()) return fail(path + ": not JSON");
    return json;
}

// The compiled policy as rules: {"path": ..., "allowed": [...]}, ports likewise.
Json describe_policy(const std::string& path, Json& problems) {
    Json out = Json::object();
    out["file"] = path;
    auto text = read_policy_file(path);
    if (!text) {
        problems.push_back(text.error().what());
        return out;
    }
    Diagnostics diagnostics;
    auto policy = parse_policy_document(*text, path, diagnostics);
    if (!policy) {
        problems.push_back(diagnostics.format());
        return out;
    }
    out["handledAccessFs"] = fs_names(policy->handled_fs);
    out["handledAccessNet"] = net_names(policy->handled_net);
    out["scoped"] = scope_names(policy->scoped);
    Json paths = Json::array();
    for (const auto& rule : policy->paths) paths.push_back({{"path", rule.path}, {"allowed", fs_names(rule.allowed)}});
    out["pathBeneath"] = paths;
    Json ports = Json::array();
    for (const auto& rule : policy->ports) ports.push_back({{"port", rule.port}, {"allowed", net_names(rule.allowed)}});
    out["netPort"] = ports;
    out["compat"] = policy->options.compat == Compat::hard ? "hard" : "best-effort";
    return out;
}

Json landlock_annotations(const Json& annotations) {
    Json out = Json::object();
    if (!annotations.is_object()) return out;
    for (const auto& [key, value] : annotations.items()) {
        if (key.rfind("io.landlock.", 0) == 0) out[key] = value;
    }
    return out;
}

// The mode a record says was applied, the decision's report, and the cgroup in cgroup mode.
void add_mode(const Json& record, Json& out) {
    out["mode"] = record.value("mode", "native");
    if (record.contains("mode_report")) out["modeReport"] = record.value("mode_report", "");
    if (record.contains("cgroup_id")) {
        out["cgroupId"] = record.value("cgroup_id", std::uint64_t{0});
        out["cgroupDir"] = record.value("cgroup_dir", "");
    }
}

// The record of the container started from this bundle, if one is there.
std::optional<Json> record_of_bundle(const std::string& bundle, const std::string& state_directory) {
    std::error_code ec;
    const auto wanted = std::filesystem::weakly_canonical(bundle, ec);
    for (const auto& entry : std::filesystem::directory_iterator(state_directory + "/containers", ec)) {
        if (entry.path().extension() != ".json") continue;
        auto record = read_json(entry.path().string(), 1U << 20);
        if (!record || !record->is_object()) continue;
        std::error_code other;
        if (std::filesystem::weakly_canonical(record->value("bundle", ""), other) == wanted) return *record;
    }
    return std::nullopt;
}

// From a bundle: its config.json says whether the launcher is in the exec chain and what is mounted.
Result<Json> inspect_bundle(const std::string& bundle, const std::string& state_directory, Json& problems) {
    auto config = read_json(bundle + "/config.json", kMaxConfigBytes);
    if (!config) return tl::unexpected(config.error());
    Json out = Json::object();
    out["bundle"] = bundle;
    out["annotations"] = landlock_annotations(config->value("annotations", Json::object()));
    const Json args = config->contains("process") ? (*config)["process"].value("args", Json::array()) : Json::array();
    const bool launched = !args.empty() && args[0] == kLaunchInContainer;
    // A container started from it says what it got; without one, the config shows the native part.
    const auto record = record_of_bundle(bundle, state_directory);
    if (record) {
        out["id"] = record->value("id", "");
        add_mode(*record, out);
    } else {
        out["mode"] = launched ? "native" : "none";
    }
    out["launcherInExecChain"] = launched;
    for (const auto& mount : config->value("mounts", Json::array())) {
        if (mount.is_object() && mount.value("destination", "") == "/dev/.landlock/policy.json") {
            out["policy"] = describe_policy(mount.value("source", ""), problems);
        }
    }
    const bool cgroup_only = out["mode"] == "cgroup";
    if (!out["annotations"].empty() && !launched && !cgroup_only) {
        problems.push_back("the annotations ask for a policy, but the process does not start through landlock-launch");
    }
    if (record && !out.contains("policy")) out["policy"] = describe_policy(record->value("policy", ""), problems);
    return out;
}

Result<Json> inspect_record(const std::string& id, const std::string& state_directory, Json& problems) {
    const std::string path = state_directory + "/containers/" + id + ".json";
    auto record = read_json(path, 1U << 20);
    if (!record) {
        if (record.error().errno_value == ENOENT) {
            return fail("no container " + id + " in " + state_directory + "/containers",
                        "the container has no Landlock policy, has stopped, or was started without the hooks; "
                        "give its bundle directory instead");
        }
        return tl::unexpected(record.error());
    }
    Json out = Json::object();
    out["id"] = record->value("id", id);
    out["bundle"] = record->value("bundle", "");
    add_mode(*record, out);
    out["annotations"] = record->value("annotations", Json::object());
    out["launcher"] = record->value("launcher", "");
    out["recordedBy"] = record->value("stage", "");
    const std::string policy = record->value("policy", "");
    out["policy"] = describe_policy(policy, problems);
    return out;
}

void print_human(const Json& info, const Json& problems) {
    if (info.contains("id")) std::printf("container %s\n", info["id"].get<std::string>().c_str());
    std::printf("  bundle:      %s\n", info.value("bundle", "").c_str());
    std::printf("  mode:        %s\n", info.value("mode", "").c_str());
    if (info.contains("modeReport")) std::printf("  mode report: %s\n", info.value("modeReport", "").c_str());
    if (info.contains("cgroupId")) {
        std::printf("  cgroup:      %s (id %llu)\n", info.value("cgroupDir", "").c_str(),
                    static_cast<unsigned long long>(info["cgroupId"].get<std::uint64_t>()));
    }
    for (const auto& [key, value] : info["annotations"].items()) {
        std::printf("  annotation:  %s=%s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : "?");
    }
    if (info.contains("policy")) {
        const Json& policy = info["policy"];
        std::printf("  policy:      %s\n", policy.value("file", "").c_str());
        if (policy.contains("handledAccessFs")) {
            std::printf("  handled fs:  %s\n", policy["handledAccessFs"].get<std::string>().c_str());
            std::printf("  handled net: %s\n", policy["handledAccessNet"].get<std::string>().c_str());
            std::printf("  scoped:      %s\n", policy["scoped"].get<std::string>().c_str());
            std::printf("  compat:      %s\n", policy["compat"].get<std::string>().c_str());
            for (const auto& rule : policy["pathBeneath"]) {
                std::printf("  path         %s: %s\n", rule["path"].get<std::string>().c_str(),
                            rule["allowed"].get<std::string>().c_str());
            }
            for (const auto& rule : policy["netPort"]) {
                std::printf("  port         %llu: %s\n",
                            static_cast<unsigned long long>(rule["port"].get<std::uint64_t>()),
                            rule["allowed"].get<std::string>().c_str());
            }
        }
    }
    for (const auto& problem : problems) {
        std::fprintf(stderr, "landlockctl inspect: %s\n", problem.get<std::string>().c_str());
    }
}

}  // namespace

int inspect_command(const InspectOptions& given) {
    InspectOptions options = given;
    // The hooks' own override (rootless podman keeps its state in a directory the user owns).
    if (const char* env = std::getenv("LANDLOCK_HOOKS_STATE_DIR"); env != nullptr && env[0] == '/') {
        options.state_directory = env;
    }
    Json problems = Json::array();
    Result<Json> info = fail("nothing to inspect");
    if (options.target.find('/') != std::string::npos || is_directory(options.target)) {
        info = inspect_bundle(options.target, options.state_directory, problems);
    } else if (is_plain_id(options.target)) {
        info = inspect_record(options.target, options.state_directory, problems);
    } else {
        info = fail("\"" + options.target + "\" is neither a container id nor a bundle directory");
    }
    if (!info) {
        std::fprintf(stderr, "landlockctl inspect: %s\n", info.error().what().c_str());
        return kExitPolicy;
    }
    if (options.json) {
        (*info)["problems"] = problems;
        std::printf("%s\n", info->dump(2).c_str());
    } else {
        print_human(*info, problems);
    }
    return problems.empty() ? kExitOk : kExitPolicy;
}

}  // namespace llh::ctl
