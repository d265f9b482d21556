// The one rewrite behind podman's precreate hook and the landlock-runtime wrapper: a container
// whose annotations ask for a Landlock policy gets its process started through landlock-launch,
// with the launcher and the compiled policy bind-mounted read-only into its /dev.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libpolicy/limits.hpp"
#include "libpolicy/mode_choice.hpp"
#include "libpolicy/result.hpp"
#include "oci-hook/container_mode.hpp"
#include "oci-hook/hook_log.hpp"
#include "oci-hook/policy_store.hpp"

namespace llh {

struct RewriteSettings {
    std::string launcher;  // host path of the static landlock-launch
    std::string hook;      // host path of landlock-oci-hook; "" adds no hooks
    // Native mode alone needs the hooks only to record the container (podman's precreate);
    // landlock-runtime records it itself and adds them only for cgroup mode, which attaches and
    // detaches there.
    bool hooks_in_native_mode = true;
    std::string include_directory;  // file:NAME lookups (/etc/landlock/policies)
    StoreLayout store;
    int kernel_abi = 0;
    Limits limits;
    CgroupSupportProbe cgroup_support;  // empty: cgroup mode is unavailable
};

// Settings for this host: the installed binaries, /run/landlock-hooks, the running kernel's ABI,
// the cached cgroup-mode probe. `hooks_in_native_mode` false for landlock-runtime.
RewriteSettings host_rewrite_settings(bool hooks_in_native_mode = true);

struct RewriteResult {
    std::string config;      // the bytes to hand on: the input itself when nothing changed
    bool requested = false;  // the annotations ask for a policy
    bool changed = false;
    ModeChoice mode;          // the mode decision (when requested)
    std::string policy_path;  // host path of the stored policy (when requested in native mode)
    std::string sha256;
    nlohmann::ordered_json annotations;  // the io.landlock.* annotations (when requested)
    std::vector<std::string> warnings;
};

// The prefix that process.args gets: launcher, --policy, policy, --.
std::vector<std::string> launch_prefix();

// Rewrites a config.json. Without io.landlock.* annotations the input comes back byte for byte.
// The mode decision (choose_container_mode) says what to add: native mode the launcher in
// process.args and two bind mounts, cgroup mode the createRuntime and poststop hooks; a mode the
// kernel cannot give refuses. Every other field keeps its value and its place. Idempotent: a
// config that already went through the rewrite is rebuilt to the same result.
Result<RewriteResult> rewrite_config(std::string_view config_text, const RewriteSettings& settings);

// Says what a rewrite decided: the mode report (a warning when mode:auto got less than both
// modes, on stderr and in the journal; else the journal only) and where the policy went.
void report_rewrite(const HookLog& log, const RewriteResult& result);

// True when a config's process already starts through the launcher with the in-container policy.
bool starts_through_launcher(const nlohmann::ordered_json& process);

// Prefixes a process spec (runc/crun exec --process) with the launcher. Only valid for a
// container whose config.json went through rewrite_config (the mounts are already there).
Result<std::string> rewrite_process(std::string_view process_text);

}  // namespace llh
