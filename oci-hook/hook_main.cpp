// landlock-oci-hook STAGE: the OCI hook of native and cgroup mode.
//   precreate (podman):        config.json on stdin, the rewritten config.json on stdout
//   createRuntime / prestart:  OCI state on stdin; decide the mode again (same boot, same cached
//                              probe); native mode: refuse a container that asks for a policy but
//                              does not start through the launcher; cgroup mode: attach the policy
//                              to the container's cgroup; record what it got (podman's precreate
//                              adds this stage; landlock-runtime adds it for cgroup mode only;
//                              contrib/hooks.d's guard runs it for plain runc/crun)
//   poststop:                  OCI state on stdin; detach, remove the container's record and policy
// Exit status non-zero refuses the start. Nothing is forked: no child can hold the runtime's pipes.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "oci-hook/cgroup_attach.hpp"
#include "oci-hook/file_io.hpp"
#include "oci-hook/hook_log.hpp"
#include "oci-hook/paths.hpp"
#include "oci-hook/policy_store.hpp"
#include "oci-hook/rewrite.hpp"
#include "oci-hook/verify.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: landlock-oci-hook precreate|createRuntime|prestart|poststop  (OCI hook; input on stdin)\n";

int run_precreate(llh::HookLog& log, const std::string& input) {
    auto result = llh::rewrite_config(input, llh::host_rewrite_settings());
    if (!result) {
        log.error(result.error());
        return 1;
    }
    for (const auto& warning : result->warnings) log.warning(warning);
    if (auto written = llh::write_all(STDOUT_FILENO, result->config); !written) {
        log.error(written.error());
        return 1;
    }
    llh::report_rewrite(log, *result);
    return 0;
}

// The record first, then the attach: a hook killed between the two leaves a record whose
// poststop detaches (nothing, or what was attached), never an attachment nobody knows of.
int record_and_attach(llh::HookLog& log, const llh::OciState& state, llh::ContainerCheck& check) {
    llh::ContainerRecord& record = check.record;
    const llh::StoreLayout store = llh::default_store();
    std::optional<llh::ContainerLocation> location;
    if (check.mode.cgroup) {
        auto located = llh::locate_container(state, check.rootfs);
        if (!located) {
            log.error(located.error());
            return 1;
        }
        location = std::move(*located);
        record.cgroup_id = location->cgroup_id;
        record.cgroup_dir = location->cgroup_dir;
        // Native mode stored the policy already; cgroup mode alone keeps it for `landlockctl inspect`.
        if (record.policy_path.empty()) {
            auto stored = llh::store_policy(store, check.policy_text);
            if (!stored) {
                log.error(stored.error());
                return 1;
            }
            record.policy_path = *stored;
            record.recorded_at_ns = llh::realtime_ns();  // after the store refreshed the file's mtime
        }
    }
    // landlock-runtime recorded this container already (a hooks.d guard runs on a container the
    // wrapper started): keep what lets its record be collected when the container goes away.
    if (auto existing = llh::read_record(store, state.id);
        existing && *existing && (*existing)->policy_path == record.policy_path) {
        record.runtime_root = (*existing)->runtime_root;
        record.creator_pid = (*existing)->creator_pid;
        record.creator_start_time = (*existing)->creator_start_time;
    }
    if (auto written = llh::write_record(store, record); !written) {
        log.error(written.error());
        return 1;
    }
    if (location) {
        auto attached = llh::attach_container(
            *location, check.mode.native ? llh::with_launcher_readable(check.policy) : check.policy);
        if (!attached) {
            log.error(attached.error());
            (void)llh::release_container(store, state.id);
            return 1;
        }
        for (const auto& warning : *attached) log.warning(warning);
        log.info("policy " + record.policy_path + " attached to cgroup " + record.cgroup_dir + " (id " +
                 std::to_string(record.cgroup_id) + ")");
    }
    if (check.mode.native) log.info("sandboxed by landlock-launch with policy " + record.policy_path);
    return 0;
}

int run_create_runtime(llh::HookLog& log, const std::string& stage, const std::string& input) {
    auto state = llh::parse_state(input);
    if (!state) {
        log.error(state.error());
        return 1;
    }
    log.set_container(state->id);
    auto config = llh::read_bounded_file(state->bundle + "/config.json", llh::kMaxConfigBytes);
    if (!config) {
        log.error(config.error());
        return 1;
    }
    auto checked = llh::verify_container(*state, *config, llh::host_rewrite_settings());
    if (!checked) {
        log.error(checked.error());
        return 1;
    }
    if (!*checked) return 0;  // no policy asked for: nothing to check or record
    (*checked)->record.stage = stage;
    // The precreate hook or landlock-runtime reported the decision where a user sees it.
    log.info((*checked)->mode.report);
    return record_and_attach(log, *state, **checked);
}

// Detaches what createRuntime attached (by the recorded cgroup id: the runtime may have removed
// the cgroup already), then releases the record. The record goes even when the detach fails:
// cgroup mode's collection drops the entries of cgroups that no longer exist.
int run_poststop(llh::HookLog& log, const std::string& input) {
    auto state = llh::parse_state(input);
    if (!state) {
        log.error(state.error());
        return 1;
    }
    log.set_container(state->id);
    int status = 0;
    auto record = llh::read_record(llh::default_store(), state->id);
    if (record && *record && (*record)->cgroup_id != 0) {
        auto detached = llh::detach_container((*record)->cgroup_id);
        if (!detached) {
            log.error(
                std::move(detached.error()).with_context("detaching cgroup " + std::to_string((*record)->cgroup_id)));
            status = 1;
        } else if (*detached) {
            log.info("detached the policy of cgroup " + (*record)->cgroup_dir);
        }
    }
    auto released = llh::release_container(llh::default_store(), state->id);
    if (!released) {
        log.error(released.error());
        return 1;
    }
    if (released->removed_policy) log.info("removed " + *released->removed_policy);
    return status;
}

}  // namespace

static int run(int argc, char** argv) {
    llh::HookLog log("landlock-oci-hook");
    if (argc != 2) {
        (void)llh::write_all(STDERR_FILENO, kUsage);
        return 2;
    }
    const std::string stage = argv[1];
    log.set_stage(stage);
    if (stage == "-h" || stage == "--help") {
        (void)llh::write_all(STDOUT_FILENO, kUsage);
        return 0;
    }
    // Read all of stdin first, whatever the stage: a runtime blocked on (or failing with EPIPE
    // on) a full pipe would be worse than any error we could report.
    const std::size_t limit = stage == "precreate" ? llh::kMaxConfigBytes : llh::kMaxStateBytes;
    auto input = llh::read_all(STDIN_FILENO, limit, "stdin");
    if (!input) {
        log.error(input.error());
        return 1;
    }
    if (stage == "precreate") return run_precreate(log, *input);
    if (stage == "createRuntime" || stage == "prestart") return run_create_runtime(log, stage, *input);
    if (stage == "poststop") return run_poststop(log, *input);
    log.error("unknown stage \"" + stage +
              "\" (hint: the hooks.d JSON of contrib/ names precreate, createRuntime "
              "and poststop)");
    return 2;
}

// Out of memory and the like: one line and a refused start, never a core dump in a runtime's hook.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        llh::HookLog("landlock-oci-hook").error(std::string("internal error: ") + error.what());
        return 1;
    }
}
