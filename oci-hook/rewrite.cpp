#include "oci-hook/rewrite.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "launch/policy_sources.hpp"
#include "native/landlock.hpp"
#include "oci-hook/annotations.hpp"
#include "oci-hook/paths.hpp"

namespace llh {
namespace {

using Json = nlohmann::ordered_json;

// What runc and crun both accept for a read-only file bind mount; no noexec, the launcher runs.
Json bind_mount(std::string_view destination, const std::string& source) {
    return Json{{"destination", destination},
                {"type", "bind"},
                {"source", source},
                {"options", Json::array({"bind", "ro", "nosuid", "nodev"})}};
}

bool is_our_mount(const Json& mount) {
    if (!mount.is_object()) return false;
    const auto destination = mount.find("destination");
    return destination != mount.end() && destination->is_string() &&
           (*destination == kLaunchInContainer || *destination == kPolicyInContainer);
}

// Hooks do not inherit the runtime's environment: say everything they need.
Json hook_entry(const RewriteSettings& settings, std::string_view stage) {
    return Json{{"path", settings.hook},
                {"args", Json::array({"landlock-oci-hook", stage})},
                {"env", Json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                     "LANDLOCK_LAUNCH=" + settings.launcher,
                                     "LANDLOCK_HOOKS_STATE_DIR=" + settings.store.root})},
                // The first cgroup-mode start of a boot loads and verifies the BPF programs.
                {"timeout", 30}};
}

// Adds our hook to a stage unless a hook with the same path is there (hooks.d may have added it).
Result<void> ensure_hook(Json& config, const RewriteSettings& settings, std::string_view stage) {
    Json& hooks = config["hooks"];
    if (hooks.is_null()) hooks = Json::object();
    if (!hooks.is_object()) return fail("/hooks: not a JSON object");
    Json& list = hooks[std::string(stage)];
    if (list.is_null()) list = Json::array();
    if (!list.is_array()) return fail("/hooks/" + std::string(stage) + ": not a JSON array");
    for (const auto& entry : list) {
        if (entry.is_object() && entry.value("path", "") == settings.hook) return {};
    }
    list.push_back(hook_entry(settings, stage));
    return {};
}

// The workload's original args, with our prefix taken off when a previous rewrite put it there.
std::vector<Json> original_args(const Json& args) {
    std::vector<Json> out(args.begin(), args.end());
    if (!out.empty() && out.front() == kLaunchInContainer) {
        for (std::size_t i = 1; i < out.size(); ++i) {
            if (out[i] == "--") {
                out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(i) + 1);
                return out;
            }
        }
    }
    return out;
}

// Keeps the look of the input (runc spec writes tabs, podman compact JSON) for users who read
// their config.json after the wrapper rewrote it in place.
std::string dump_like(const Json& json, std::string_view original) {
    const auto first = original.find_first_not_of(" \t\r\n{");
    const auto newline = original.find('\n');
    if (newline == std::string_view::npos || first == std::string_view::npos || newline > first) return json.dump();
    const std::string_view indent = original.substr(newline + 1, first - newline - 1);
    if (!indent.empty() && indent.find_first_not_of('\t') == std::string_view::npos) {
        return json.dump(static_cast<int>(indent.size()), '\t') + "\n";
    }
    if (!indent.empty() && indent.find_first_not_of(' ') == std::string_view::npos) {
        return json.dump(static_cast<int>(indent.size())) + "\n";
    }
    return json.dump();
}

// The launcher (native mode) and the hook (cgroup mode) are host binaries the runtime runs:
// a missing one refuses the start now, with the container never created.
struct HostBinary {
    std::string_view role;     // "launcher"
    std::string_view program;  // "landlock-launch"
    std::string_view env;      // "LANDLOCK_LAUNCH"
};
constexpr HostBinary kLauncherBinary{"launcher", "landlock-launch", "LANDLOCK_LAUNCH"};
constexpr HostBinary kHookBinary{"hook", "landlock-oci-hook", "LANDLOCK_OCI_HOOK"};

Result<void> check_binary(const std::string& path, const HostBinary& binary) {
    const std::string role(binary.role);
    const std::string program(binary.program);
    const std::string env(binary.env);
    struct stat st {};
    if (path.empty() || path.front() != '/') {
        return fail("the " + role + " path \"" + path + "\" is not absolute", "set " + env + " to an absolute path");
    }
    if (::stat(path.c_str(), &st) != 0) {
        return fail_errno(errno, "the " + role + " " + path + " is missing",
                          "install landlock-hooks (" + program + ") or set " + env);
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXOTH) == 0) {
        return fail("the " + role + " " + path + " is not an executable file", "reinstall " + program);
    }
    return {};
}

}  // namespace

RewriteSettings host_rewrite_settings(bool hooks_in_native_mode) {
    RewriteSettings settings;
    settings.launcher = launcher_host_path();
    settings.hook = hook_host_path();
    settings.hooks_in_native_mode = hooks_in_native_mode;
    settings.include_directory = kPolicyDirectory;
    settings.store = default_store();
    settings.kernel_abi = landlock_support().abi;
    settings.cgroup_support = host_cgroup_support();
    return settings;
}

void report_rewrite(const HookLog& log, const RewriteResult& result) {
    if (!result.requested) return;
    if (result.mode.downgraded) {
        log.warning(result.mode.report);
    } else {
        log.info(result.mode.report);
    }
    if (result.mode.native) {
        log.info("policy " + result.policy_path + " applied through " + std::string(kLaunchInContainer));
    }
    if (result.mode.cgroup) log.info("the createRuntime hook attaches the policy to the container's cgroup");
}

std::vector<std::string> launch_prefix() {
    return {std::string(kLaunchInContainer), "--policy", std::string(kPolicyInContainer), "--"};
}

bool starts_through_launcher(const Json& process) {
    if (!process.is_object()) return false;
    const auto args = process.find("args");
    if (args == process.end() || !args->is_array() || args->size() < 5) return false;
    const auto prefix = launch_prefix();
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if ((*args)[i] != prefix[i]) return false;
    }
    return true;
}

namespace {

Result<void> add_launcher(Json& config, const RewriteSettings& settings, const std::string& policy_text,
                          RewriteResult& result);

Result<RewriteResult> rewrite_config_unchecked(std::string_view config_text, const RewriteSettings& settings) {
    RewriteResult result;
    if (config_text.size() > kMaxConfigBytes) {
        return fail("config.json is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
    }
    Json config = Json::parse(config_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
        return fail("config.json is not a JSON object", "the runtime passes an OCI runtime spec config.json");
    }
    const Json original = config;
    const auto annotations = config.find("annotations");
    auto request = find_request(annotations == config.end() ? Json() : *annotations, settings.limits);
    if (!request) return tl::unexpected(request.error());
    if (!*request) {
        result.config = std::string(config_text);
        return result;
    }
    result.requested = true;
    result.annotations = Json::object();
    for (const auto& [name, value] : annotations->items()) {
        if (name.rfind(kAnnotationPrefix, 0) == 0) result.annotations[name] = value;
    }

    auto built = build_policy(**request, {settings.include_directory, settings.kernel_abi, settings.limits});
    if (!built) return tl::unexpected(built.error());
    result.warnings = built->warnings;
    auto mode = choose_container_mode(built->policy, request_key(**request), settings.cgroup_support);
    if (!mode) return tl::unexpected(mode.error());
    result.mode = *mode;
    result.sha256 = sha256_hex(built->text);

    // Cgroup mode is attached and detached by the hooks: they must be there.
    if (mode->cgroup || (settings.hooks_in_native_mode && !settings.hook.empty())) {
        if (mode->cgroup) {
            if (auto ok = check_binary(settings.hook, kHookBinary); !ok) return tl::unexpected(ok.error());
        }
        for (const auto stage : {"createRuntime", "poststop"}) {
            if (auto ok = ensure_hook(config, settings, stage); !ok) return tl::unexpected(ok.error());
        }
    }
    // Last: it stores the policy on the host, once nothing else can fail.
    if (mode->native) {
        if (auto ok = add_launcher(config, settings, built->text, result); !ok) return tl::unexpected(ok.error());
    }

    if (config == original) {
        result.config = std::string(config_text);
        return result;
    }
    result.changed = true;
    result.config = dump_like(config, config_text);
    return result;
}

// Native mode: process.args through the launcher, the launcher and the stored policy bind-mounted.
Result<void> add_launcher(Json& config, const RewriteSettings& settings, const std::string& policy_text,
                          RewriteResult& result) {
    auto process = config.find("process");
    if (process == config.end() || !process->is_object()) {
        return fail("/process: missing", "a container that asks for a Landlock policy needs a process to sandbox");
    }
    const auto args = process->find("args");
    if (args == process->end() || !args->is_array() || args->empty()) {
        return fail("/process/args: missing or empty", "give the container a command");
    }
    for (const auto& arg : *args) {
        if (!arg.is_string()) return fail("/process/args: holds a value that is not a string");
    }
    if (auto ok = check_binary(settings.launcher, kLauncherBinary); !ok) return tl::unexpected(ok.error());
    if (config.contains("mounts") && !config["mounts"].is_array()) {
        return fail("/mounts: not a JSON array");
    }

    // Everything is checked: only now does anything reach the host.
    auto stored = store_policy(settings.store, policy_text);
    if (!stored) return tl::unexpected(stored.error());
    result.policy_path = *stored;

    Json new_args = Json::array();
    for (const auto& part : launch_prefix()) new_args.push_back(part);
    for (auto& arg : original_args(*args)) new_args.push_back(std::move(arg));
    (*process)["args"] = std::move(new_args);

    Json mounts = Json::array();
    if (config.contains("mounts")) {
        for (auto& mount : config["mounts"]) {
            if (!is_our_mount(mount)) mounts.push_back(std::move(mount));
        }
    }
    // Last, so that they land on the /dev tmpfs the runtime mounted before them.
    mounts.push_back(bind_mount(kLaunchInContainer, settings.launcher));
    mounts.push_back(bind_mount(kPolicyInContainer, result.policy_path));
    config["mounts"] = std::move(mounts);
    return {};
}

}  // namespace

// nlohmann throws on a value of the wrong type (a mount "destination" that is a number…):
// untrusted input gets an error, never a crash.
Result<RewriteResult> rewrite_config(std::string_view config_text, const RewriteSettings& settings) {
    try {
        return rewrite_config_unchecked(config_text, settings);
    } catch (const nlohmann::json::exception& error) {
        return fail(std::string("config.json: unexpected content: ") + error.what());
    }
}

Result<std::string> rewrite_process(std::string_view process_text) try {
    if (process_text.size() > kMaxConfigBytes) return fail("the process spec is too large");
    Json process = Json::parse(process_text, nullptr, false);
    if (process.is_discarded() || !process.is_object()) {
        return fail("the process spec is not a JSON object");
    }
    if (starts_through_launcher(process)) return std::string(process_text);
    const auto args = process.find("args");
    if (args == process.end() || !args->is_array() || args->empty()) {
        return fail("/args: missing or empty in the process spec");
    }
    Json new_args = Json::array();
    for (const auto& part : launch_prefix()) new_args.push_back(part);
    for (const auto& arg : *args) new_args.push_back(arg);
    process["args"] = std::move(new_args);
    return dump_like(process, process_text);
} catch (const nlohmann::json::exception& error) {
    return fail(std::string("the process spec: unexpected content: ") + error.what());
}

}  // namespace llh
