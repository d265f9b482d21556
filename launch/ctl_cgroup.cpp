#include "launch/ctl_cgroup.hpp"

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernel/cgroup_dir.hpp"
#include "kernel/cgroup_enforcer.hpp"
#include "launch/ctl_commands.hpp"
#include "launch/ctl_common.hpp"
#include "libpolicy/access.hpp"

namespace llh::ctl {
namespace {

using Json = nlohmann::ordered_json;

int failed(const char* command, const Error& error) {
    std::fprintf(stderr, "landlockctl %s: %s\n", command, error.what().c_str());
    return kExitPolicy;
}

// "read_file, read_dir" -> ["read_file", "read_dir"]; "none" -> [].
Json names_json(const std::string& names) {
    Json out = Json::array();
    if (names == "none") return out;
    std::stringstream stream(names);
    for (std::string name; std::getline(stream, name, ',');) {
        if (!name.empty() && name.front() == ' ') name.erase(0, 1);
        if (!name.empty()) out.push_back(name);
    }
    return out;
}

std::string where(const cgroup::Attachment& attachment) {
    return attachment.cgroup_dir.empty() ? "cgroup " + std::to_string(attachment.cgroup_id) + " (removed)"
                                         : attachment.cgroup_dir;
}

}  // namespace

int attach_command(const AttachOptions& options) {
    Diagnostics diagnostics;
    const auto policy = load_policy(options.sources, diagnostics);
    print_diagnostics(diagnostics);
    if (!policy) {
        std::fprintf(stderr, "landlockctl attach: %s in the policy: %s was not changed\n",
                     plural(count_severity(diagnostics, Severity::error), "error").c_str(), options.cgroup.c_str());
        return kExitPolicy;
    }
    // The cgroup is checked before cgroup mode is loaded: a wrong directory is the user's to fix
    // on any kernel. Enforcer::attach() checks it again, as the hooks rely on.
    if (auto cgroup = cgroup::open_cgroup_dir(options.cgroup); !cgroup) return failed("attach", cgroup.error());
    auto enforcer = cgroup::Enforcer::open();
    if (!enforcer) return failed("attach", std::move(enforcer.error()).with_context(options.cgroup));
    auto report = (*enforcer)->attach(cgroup::AttachRequest{options.cgroup, options.root}, *policy);
    if (!report) return failed("attach", report.error());
    for (const auto& warning : report->warnings)
        std::fprintf(stderr, "landlockctl attach: warning: %s\n", warning.c_str());
    if (report->policy_id == 0) {
        std::fprintf(stderr, "landlockctl attach: %s: %s\n", options.cgroup.c_str(), report->compat.summary().c_str());
        return kExitOk;
    }
    if (!options.quiet) {
        std::printf("%s: policy %u attached (%s, %s)%s\n", options.cgroup.c_str(), report->policy_id,
                    plural(report->fs_rules, "file-system rule").c_str(),
                    plural(report->net_rules, "port rule").c_str(),
                    report->replaced ? ", replacing the previous policy" : "");
    }
    if (!options.quiet || report->compat.enforcement != Enforcement::full) {
        std::fprintf(stderr, "landlockctl attach: %s\n", report->compat.summary().c_str());
    }
    return kExitOk;
}

int detach_command(const DetachOptions& options) {
    cgroup::OpenOptions open_options;
    open_options.load = false;
    auto enforcer = cgroup::Enforcer::open(open_options);
    if (!enforcer) {
        if (enforcer.error().errno_value == ENOENT) {
            std::printf("%s: no policy attached (cgroup mode is not loaded)\n", options.cgroup.c_str());
            return kExitOk;
        }
        return failed("detach", enforcer.error());
    }
    auto detached = (*enforcer)->detach(options.cgroup);
    if (!detached) return failed("detach", std::move(detached.error()).with_context(options.cgroup));
    std::printf("%s: %s\n", options.cgroup.c_str(), *detached ? "policy detached" : "no policy attached");
    return kExitOk;
}

int status_command(const StatusOptions& options) {
    cgroup::OpenOptions open_options;
    open_options.load = false;
    std::vector<cgroup::Attachment> attachments;
    bool loaded = true;
    auto enforcer = cgroup::Enforcer::open(open_options);
    if (!enforcer) {
        if (enforcer.error().errno_value != ENOENT) return failed("status", enforcer.error());
        loaded = false;
    } else {
        auto listed = (*enforcer)->status();
        if (!listed) return failed("status", listed.error());
        attachments = std::move(*listed);
    }

    if (options.json) {
        Json list = Json::array();
        for (const auto& attachment : attachments) {
            list.push_back({{"cgroupId", attachment.cgroup_id},
                            {"cgroup", attachment.cgroup_dir.empty() ? Json(nullptr) : Json(attachment.cgroup_dir)},
                            {"policyId", attachment.policy_id},
                            {"level", attachment.cgroup_level},
                            {"handledAccessFs", names_json(fs_names(attachment.handled_fs))},
                            {"handledAccessNet", names_json(net_names(attachment.handled_net))},
                            {"scoped", names_json(scope_names(attachment.scoped))},
                            {"fsRules", attachment.fs_rules},
                            {"netRules", attachment.net_rules},
                            {"waitingForExec", attachment.waiting_for_exec}});
        }
        const Json out = {{"loaded", loaded}, {"attachments", list}};
        std::printf("%s\n", out.dump(2).c_str());
        return kExitOk;
    }
    if (!loaded) {
        std::printf("cgroup mode is not loaded: no cgroup has a policy\n");
        return kExitOk;
    }
    if (attachments.empty()) std::printf("no cgroup has a policy\n");
    for (const auto& attachment : attachments) {
        std::printf("%s: policy %u, level %u, %s, %s; handled: %s; network: %s; scoped: %s%s\n",
                    where(attachment).c_str(), attachment.policy_id, attachment.cgroup_level,
                    plural(attachment.fs_rules, "file-system rule").c_str(),
                    plural(attachment.net_rules, "port rule").c_str(), fs_names(attachment.handled_fs).c_str(),
                    net_names(attachment.handled_net).c_str(), scope_names(attachment.scoped).c_str(),
                    attachment.waiting_for_exec ? "; holds from the first exec in the cgroup" : "");
    }
    return kExitOk;
}

int collect_command() {
    cgroup::OpenOptions open_options;
    open_options.load = false;
    auto enforcer = cgroup::Enforcer::open(open_options);
    if (!enforcer) {
        if (enforcer.error().errno_value == ENOENT) {
            std::printf("cgroup mode is not loaded: nothing to collect\n");
            return kExitOk;
        }
        return failed("collect", enforcer.error());
    }
    auto collected = (*enforcer)->collect();
    if (!collected) return failed("collect", collected.error());
    std::printf("collected the policies of %zu removed cgroup%s\n", *collected, *collected == 1 ? "" : "s");
    return kExitOk;
}

}  // namespace llh::ctl
