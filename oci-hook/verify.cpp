#include "oci-hook/verify.hpp"

#include <sys/stat.h>

#include <ctime>

#include "oci-hook/annotations.hpp"
#include "oci-hook/container_cgroup.hpp"
#include "oci-hook/container_mode.hpp"
#include "oci-hook/paths.hpp"

namespace llh {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kNotLaunchedHint =
    "start the container with landlock-runtime (or podman with the precreate hook of "
    "contrib/hooks.d/podman/): plain runc or crun cannot put the launcher in the container's exec chain";

const Json* find_mount(const Json& config, std::string_view destination) {
    const auto mounts = config.find("mounts");
    if (mounts == config.end() || !mounts->is_array()) return nullptr;
    const Json* found = nullptr;
    for (const auto& mount : *mounts) {
        if (mount.is_object() && mount.value("destination", "") == destination) found = &mount;
    }
    return found;  // the last one wins, as in the runtime
}

bool is_read_only_bind(const Json& mount) {
    const auto options = mount.find("options");
    if (options == mount.end() || !options->is_array()) return false;
    bool bind = false;
    bool ro = false;
    for (const auto& option : *options) {
        bind = bind || option == "bind" || option == "rbind";
        ro = ro || option == "ro";
    }
    return bind && ro;
}

}  // namespace

Result<OciState> parse_state(std::string_view text) {
    const Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return fail("the OCI state on stdin is not a JSON object", "run landlock-oci-hook as an OCI hook");
    }
    OciState state;
    const auto id = json.find("id");
    const auto bundle = json.find("bundle");
    if (id == json.end() || !id->is_string() || bundle == json.end() || !bundle->is_string()) {
        return fail("the OCI state on stdin has no id or bundle", "run landlock-oci-hook as an OCI hook");
    }
    state.id = id->get<std::string>();
    state.bundle = bundle->get<std::string>();
    if (const auto pid = json.find("pid"); pid != json.end() && pid->is_number_integer()) {
        state.pid = pid->get<std::int64_t>();
    }
    if (auto ok = check_container_id(state.id); !ok) return tl::unexpected(ok.error());
    return state;
}

namespace {

// Native mode's part: the launcher in the exec chain, with the policy the annotations describe.
Result<void> verify_launcher(const Json& config, const std::string& key, const RewriteSettings& settings,
                             ContainerRecord& record) {
    const auto process = config.find("process");
    const Json* launcher_mount = find_mount(config, kLaunchInContainer);
    const Json* policy_mount = find_mount(config, kPolicyInContainer);
    if (process == config.end() || !starts_through_launcher(*process) || launcher_mount == nullptr ||
        policy_mount == nullptr) {
        return fail(key +
                        " asks for a Landlock policy, but the container's process does not start through "
                        "landlock-launch",
                    std::string(kNotLaunchedHint));
    }
    if (!is_read_only_bind(*launcher_mount) || !is_read_only_bind(*policy_mount)) {
        return fail(key + ": the launcher and the policy must be read-only bind mounts",
                    "let landlock-runtime or the precreate hook write the mounts");
    }
    // The policy mounted must be the one the annotations describe now.
    const std::string expected = settings.store.policies + "/" + record.sha256 + ".json";
    const std::string source = policy_mount->value("source", "");
    if (source != expected) {
        return fail(
            key + ": the policy mounted into the container (" + source + ") is not the one its annotations describe",
            "the config.json changed after the rewrite; start the container again through landlock-runtime");
    }
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return fail(key + ": the policy file " + source + " is missing", "start the container again");
    }
    record.policy_path = source;
    record.launcher = launcher_mount->value("source", "");
    return {};
}

}  // namespace

Result<std::optional<ContainerCheck>> verify_container(const OciState& state, std::string_view config_text,
                                                       const RewriteSettings& settings) try {
    const Json config = Json::parse(config_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
        return fail(state.bundle + "/config.json is not a JSON object");
    }
    const auto annotations = config.find("annotations");
    auto request = find_request(annotations == config.end() ? Json() : *annotations, settings.limits);
    if (!request) return tl::unexpected(request.error());
    if (!*request) return std::optional<ContainerCheck>{};
    const std::string key = request_key(**request);

    auto built = build_policy(**request, {settings.include_directory, settings.kernel_abi, settings.limits});
    if (!built) return tl::unexpected(built.error());
    auto mode = choose_container_mode(built->policy, key, settings.cgroup_support);
    if (!mode) return tl::unexpected(mode.error());

    ContainerCheck check;
    check.mode = *mode;
    ContainerRecord& record = check.record;
    record.id = state.id;
    record.bundle = state.bundle;
    record.pid = state.pid;
    record.sha256 = sha256_hex(built->text);
    record.mode = mode->name();
    record.mode_report = mode->report;
    if (mode->native) {
        if (auto ok = verify_launcher(config, key, settings, record); !ok) return tl::unexpected(ok.error());
    }
    record.annotations = Json::object();
    for (const auto& [name, value] : annotations->items()) {
        if (name.rfind(kAnnotationPrefix, 0) == 0) record.annotations[name] = value;
    }
    const auto root = config.find("root");
    const std::string root_path = root != config.end() && root->is_object() ? root->value("path", "") : "";
    check.rootfs = bundle_rootfs(state.bundle, root_path);
    check.policy = std::move(built->policy);
    check.policy_text = std::move(built->text);
    // Compared with the policy file's mtime in release_container(): a refresh after this moment
    // means another container is starting with the same policy.
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    record.recorded_at_ns = static_cast<std::int64_t>(now.tv_sec) * 1000000000LL + now.tv_nsec;
    return std::optional<ContainerCheck>{std::move(check)};
} catch (const nlohmann::json::exception& error) {
    return fail(state.bundle + "/config.json: unexpected content: " + error.what());
}

}  // namespace llh
