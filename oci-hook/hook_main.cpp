// landlock-oci-hook STAGE: the OCI hook of native mode.
//   precreate (podman):        config.json on stdin, the rewritten config.json on stdout
//   createRuntime / prestart:  OCI state on stdin; refuse a container that asks for a policy but
//                              does not start through the launcher; record what it got (podman's
//                              precreate adds this stage; landlock-runtime records by itself and
//                              adds no hook; contrib/hooks.d's guard runs it for plain runc/crun)
//   poststop:                  OCI state on stdin; remove the container's record and its policy
// Exit status non-zero refuses the start. Nothing is forked: no child can hold the runtime's pipes.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

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
    if (result->requested)
        log.info("policy " + result->policy_path + " applied through " + std::string(llh::kLaunchInContainer));
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
    auto record = llh::verify_container(*state, *config, llh::host_rewrite_settings());
    if (!record) {
        log.error(record.error());
        return 1;
    }
    if (!*record) return 0;  // no policy asked for: nothing to check or record
    (*record)->stage = stage;
    // landlock-runtime recorded this container already (a hooks.d guard runs on a container the
    // wrapper started): keep what lets its record be collected when the container goes away.
    if (auto existing = llh::read_record(llh::default_store(), state->id);
        existing && *existing && (*existing)->policy_path == (*record)->policy_path) {
        (*record)->runtime_root = (*existing)->runtime_root;
        (*record)->creator_pid = (*existing)->creator_pid;
        (*record)->creator_start_time = (*existing)->creator_start_time;
    }
    if (auto written = llh::write_record(llh::default_store(), **record); !written) {
        log.error(written.error());
        return 1;
    }
    log.info("sandboxed by landlock-launch with policy " + (*record)->policy_path);
    return 0;
}

int run_poststop(llh::HookLog& log, const std::string& input) {
    auto state = llh::parse_state(input);
    if (!state) {
        log.error(state.error());
        return 1;
    }
    log.set_container(state->id);
    auto released = llh::release_container(llh::default_store(), state->id);
    if (!released) {
        log.error(released.error());
        return 1;
    }
    if (released->removed_policy) log.info("removed " + *released->removed_policy);
    return 0;
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
