// enforce(): the policy, downgraded for this kernel, turned into landlock_* syscalls on ourselves.
// Everything that can fail (opening paths, building the ruleset) happens before the one call that
// cannot be undone, landlock_restrict_self(): an error leaves the process unrestricted.
#include <sys/prctl.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <cerrno>
#include <map>
#include <utility>

#include "libpolicy/rule_objects.hpp"
#include "libpolicy/unique_fd.hpp"
#include "native/landlock.hpp"
#include "native/landlock_uapi.hpp"

namespace llh {
namespace {

Error at(Error error, const std::string& origin) {
    if (origin.empty()) return error;
    return std::move(error).with_context(origin);
}

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

Result<UniqueFd> create_ruleset(const Policy& policy, int abi) {
    uapi::ruleset_attr attr{};
    attr.handled_access_fs = policy.handled_fs;
    attr.handled_access_net = policy.handled_net;
    attr.scoped = policy.scoped;
    const long fd = ::syscall(uapi::nr_create_ruleset, &attr, uapi::ruleset_attr_size(abi), 0U);
    if (fd < 0) {
        return fail_errno(errno, "cannot create the Landlock ruleset (handled: " + fs_names(policy.handled_fs) +
                                     "; network: " + net_names(policy.handled_net) +
                                     "; scoped: " + scope_names(policy.scoped) + ")");
    }
    return UniqueFd(static_cast<int>(fd));
}

Result<void> add_path_rule(int ruleset_fd, const RuleObject& object, FsAccess allowed) {
    uapi::path_beneath_attr attr{};
    attr.allowed_access = allowed;
    attr.parent_fd = object.fd.get();
    if (::syscall(uapi::nr_add_rule, ruleset_fd, uapi::rule_path_beneath, &attr, 0U) != 0) {
        return tl::unexpected(
            at(Error{errno, "cannot add the rule for " + quoted(object.path) + " (" + fs_names(allowed) + ")", {}, {}},
               object.origin));
    }
    return {};
}

Result<void> add_port_rule(int ruleset_fd, const PortRule& rule, NetAccess allowed) {
    uapi::net_port_attr attr{};
    attr.allowed_access = allowed;
    attr.port = rule.port;
    if (::syscall(uapi::nr_add_rule, ruleset_fd, uapi::rule_net_port, &attr, 0U) != 0) {
        return tl::unexpected(
            at(Error{errno,
                     "cannot add the rule for port " + std::to_string(rule.port) + " (" + net_names(allowed) + ")",
                     {},
                     {}},
               rule.origin));
    }
    return {};
}

}  // namespace

Result<EnforceReport> enforce(const Policy& policy) {
    const LandlockSupport& support = landlock_support();
    auto compat = apply_compat(policy, support.abi);
    if (!compat) return tl::unexpected(std::move(compat.error()));

    EnforceReport report;
    report.compat = std::move(compat->report);
    const Policy& effective = compat->policy;
    if (report.compat.enforcement == Enforcement::none) {
        if (effective.options.compat == Compat::hard) {
            return tl::unexpected(restricts_nothing(support.abi == 0 ? std::string("a kernel without Landlock")
                                                                     : "Landlock ABI " + std::to_string(support.abi)));
        }
        // Best-effort said so in the report: the caller prints it and runs unsandboxed.
        return report;
    }

    auto objects = open_rule_objects(effective, AT_FDCWD, report.warnings);
    if (!objects) return tl::unexpected(std::move(objects.error()));

    auto ruleset = create_ruleset(effective, support.abi);
    if (!ruleset) return tl::unexpected(std::move(ruleset.error()));

    for (const RuleObject& object : *objects) {
        // A file can only hold file rights: the kernel refuses the others with EINVAL.
        const FsAccess allowed = object_rights(object, effective.handled_fs, report.warnings);
        if (allowed == 0) continue;
        if (auto added = add_path_rule(ruleset->get(), object, allowed); !added) return tl::unexpected(added.error());
    }
    for (const PortRule& rule : effective.ports) {
        const NetAccess allowed = rule.allowed & effective.handled_net;
        if (allowed == 0) continue;
        if (auto added = add_port_rule(ruleset->get(), rule, allowed); !added) return tl::unexpected(added.error());
    }

    // Without no_new_privs an unprivileged process may not restrict itself, and a set-uid
    // program run later could otherwise gain privileges the sandbox cannot see.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail_errno(errno, "cannot set no_new_privs");

    const std::uint32_t flags = restrict_flags(effective.options, support.abi);
    if (::syscall(uapi::nr_restrict_self, ruleset->get(), flags) != 0) {
        return fail_errno(errno, "landlock_restrict_self failed");
    }
    return report;
}

}  // namespace llh
