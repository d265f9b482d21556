#include "systemd/unit_cgroup.hpp"

#include <systemd/sd-login.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "kernel/cgroup_paths.hpp"

namespace llh::sd {
namespace {

std::string last_component(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

Result<std::string> own_unit_cgroup(const std::string& unit) {
    char* raw = nullptr;
    if (const int r = sd_pid_get_cgroup(0, &raw); r < 0) {
        return fail_errno(-r, "cannot tell which cgroup this process runs in");
    }
    const std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
    const std::string cgroup = owned.get();
    // The argument comes from the unit's own drop-in; the cgroup must be the unit's, or the
    // policy would land on another unit (or a slice holding many).
    if (last_component(cgroup) != unit) {
        return fail("this process runs in cgroup " + cgroup + ", not in " + unit + "'s",
                    "the helper attaches only from the unit's own ExecStartPre=, the first one");
    }
    return cgroup::process_cgroup_directory(::getpid());
}

Result<cgroup::AttachReport> attach_to_own_cgroup(const std::string& unit, const Policy& policy,
                                                  std::string& cgroup_dir) {
    auto directory = own_unit_cgroup(unit);
    if (!directory) return tl::unexpected(std::move(directory.error()));
    cgroup_dir = *directory;
    auto enforcer = cgroup::Enforcer::open();
    if (!enforcer) return tl::unexpected(std::move(enforcer.error()));
    // "/": this process's root, in the service's mount namespace.
    auto report = (*enforcer)->attach(cgroup::AttachRequest{cgroup_dir, "/"}, policy);
    if (!report) return tl::unexpected(std::move(report.error()).with_context("cgroup mode: " + cgroup_dir));
    return report;
}

std::string describe_attach(const std::string& cgroup_dir, const cgroup::AttachReport& report) {
    return "cgroup mode: the policy is attached to " + cgroup_dir + " (cgroup id " + std::to_string(report.cgroup_id) +
           (report.replaced ? ", replacing its previous policy" : "") + "): " + report.compat.summary() + "; " +
           std::to_string(report.fs_rules) + " file-system rules, " + std::to_string(report.net_rules) + " port rules";
}

}  // namespace llh::sd
