#include "libpolicy/compat.hpp"

#include <algorithm>

#include "libpolicy/access.hpp"

namespace llh {
namespace {

template <class Rule>
void remove_from_rules(std::vector<Rule>& rules, std::uint64_t bits) {
    std::erase_if(rules, [&](Rule& rule) {
        rule.allowed &= ~bits;
        return rule.allowed == 0;
    });
}

std::string origin_of(const Policy& policy, std::string_view right) {
    const auto it = policy.handled_origins.find(std::string(right));
    return it == policy.handled_origins.end() ? std::string() : it->second;
}

class Downgrader {
public:
    Downgrader(const Policy& policy, int kernel_abi) : original_(policy), policy_(policy), kernel_abi_(kernel_abi) {}

    CompatResult run() {
        if (kernel_abi_ <= 0) {
            drop_everything();
        } else {
            downgrade();
        }
        // Rules for rights no longer handled would make landlock_add_rule() fail with EINVAL.
        remove_from_rules(policy_.paths, ~policy_.handled_fs);
        remove_from_rules(policy_.ports, ~policy_.handled_net);
        std::erase_if(policy_.handled_origins, [&](const auto& entry) {
            const auto net = net_right_by_name(entry.first);
            const auto scoped = scope_by_name(entry.first);
            return !((net && (policy_.handled_net & *net) != 0) || (scoped && (policy_.scoped & *scoped) != 0));
        });

        CompatReport report;
        report.kernel_abi = std::max(kernel_abi_, 0);
        report.dropped = std::move(dropped_);
        report.notes = std::move(notes_);
        if (policy_.handled_fs == 0 && policy_.handled_net == 0 && policy_.scoped == 0) {
            report.enforcement = Enforcement::none;
        } else if (!report.dropped.empty()) {
            report.enforcement = Enforcement::partial;
        }
        return CompatResult{std::move(policy_), std::move(report)};
    }

private:
    void drop(std::string what, int needs_abi, std::string origin = {}) {
        dropped_.push_back(Downgrade{std::move(what), needs_abi, std::move(origin)});
    }

    // One ABI at a time, newest first, as the kernel's sandboxer does with a fall-through switch:
    // a kernel of ABI N lacks everything that came after N.
    void downgrade() {
        switch (kernel_abi_) {
        case 1:
            drop_refer();
            [[fallthrough]];
        case 2:
            drop_fs_right(fs::truncate, "truncate", 3);
            [[fallthrough]];
        case 3:
            drop_net();
            [[fallthrough]];
        case 4:
            drop_fs_right(fs::ioctl_dev, "ioctl_dev", 5);
            [[fallthrough]];
        case 5:
            drop_scopes();
            [[fallthrough]];
        case 6:
            note_log_flags();
            [[fallthrough]];
        case 7:
        case 8:
            // ABI 8 added TSYNC, a restrict_self() flag, not part of a policy.
            drop_fs_right(fs::resolve_unix, "resolve_unix", 9);
            break;
        default:
            break;  // ABI 9 and newer: everything this version knows is there
        }
    }

    // A policy written for "the running kernel's ABI" (abi 0) asked for whatever file-system
    // rights the kernel has: a right the kernel lacks was never promised, so it is no downgrade.
    bool implied_fs() const { return original_.abi == 0; }

    void drop_fs_right(FsAccess bit, std::string_view name, int needs_abi) {
        if ((policy_.handled_fs & bit) == 0) return;
        policy_.handled_fs &= ~bit;
        remove_from_rules(policy_.paths, bit);
        if (!implied_fs()) drop(std::string(name), needs_abi);
    }

    // ABI 1 has no REFER right but denies every rename or link across directories in a domain
    // that handles any file-system right (EXDEV). So a policy that merely handles refer is kept
    // as is on ABI 1, while one that allows refer somewhere cannot be honoured: restricting the
    // file system at all would deny the reparenting it allows. All or nothing, as rust-landlock.
    void drop_refer() {
        if ((policy_.handled_fs & fs::refer) == 0) return;
        const auto allowing = std::find_if(policy_.paths.begin(), policy_.paths.end(),
                                           [](const PathRule& rule) { return (rule.allowed & fs::refer) != 0; });
        if (allowing != policy_.paths.end() && !implied_fs()) {
            drop("the file-system rules (\"" + allowing->path + "\" allows refer, which Landlock ABI 1 cannot grant)",
                 2, allowing->origin);
            policy_.handled_fs = 0;
            policy_.paths.clear();
            return;
        }
        policy_.handled_fs &= ~fs::refer;
        remove_from_rules(policy_.paths, fs::refer);
        if (policy_.handled_fs == 0) {
            // refer was all the policy restricted on the file system: without it, nothing is.
            drop("refer", 2);
            return;
        }
        notes_.emplace_back("Landlock ABI 1 denies every rename and link across directories (refer)");
    }

    void drop_net() {
        for (const auto& right : kNetRights) {
            if ((policy_.handled_net & right.bit) == 0) continue;
            std::string origin = origin_of(policy_, right.name);
            if (origin.empty()) {
                const auto rule = std::find_if(policy_.ports.begin(), policy_.ports.end(),
                                               [&](const PortRule& r) { return (r.allowed & right.bit) != 0; });
                if (rule != policy_.ports.end()) origin = rule->origin;
            }
            drop(std::string(right.name), right.abi, std::move(origin));
        }
        policy_.handled_net = 0;
        policy_.ports.clear();
    }

    void drop_scopes() {
        for (const auto& scope : kScopes) {
            if ((policy_.scoped & scope.bit) == 0) continue;
            drop("scope " + std::string(scope.name), scope.abi, origin_of(policy_, scope.name));
        }
        policy_.scoped = 0;
    }

    void note_log_flags() {
        if (policy_.options.log == LogMode::off) return;
        notes_.push_back("denials are not logged: audit logging needs Landlock ABI " + std::to_string(kLogFlagsAbi));
    }

    void drop_everything() {
        if (policy_.handled_fs != 0) drop("the file-system rules", 1);
        drop_net();
        drop_scopes();
        policy_.handled_fs = 0;
        policy_.paths.clear();
    }

    const Policy& original_;
    Policy policy_;
    int kernel_abi_;
    std::vector<Downgrade> dropped_;
    std::vector<std::string> notes_;
};

std::string describe(const Downgrade& item) {
    std::string out = item.what + " (needs ABI " + std::to_string(item.needs_abi);
    if (!item.origin.empty()) out += ", " + item.origin;
    return out + ")";
}

std::string kernel_name(int abi) {
    return abi <= 0 ? std::string("a kernel without Landlock") : "Landlock ABI " + std::to_string(abi);
}

}  // namespace

std::string CompatReport::summary() const {
    std::string out;
    switch (enforcement) {
    case Enforcement::full:
        out = "fully enforced on ";
        break;
    case Enforcement::partial:
        out = "partially enforced on ";
        break;
    case Enforcement::none:
        out = "not enforced on ";
        break;
    }
    out += kernel_name(kernel_abi);
    for (std::size_t i = 0; i < dropped.size(); ++i) {
        out += i == 0 ? ": dropped " : ", ";
        out += describe(dropped[i]);
    }
    for (const auto& note : notes) out += "; " + note;
    return out;
}

Result<CompatResult> apply_compat(const Policy& policy, int kernel_abi) {
    CompatResult result = Downgrader(policy, kernel_abi).run();
    if (policy.options.compat == Compat::best_effort || result.report.dropped.empty()) return result;

    int needs = 0;
    std::string items;
    for (const auto& item : result.report.dropped) {
        needs = std::max(needs, item.needs_abi);
        if (!items.empty()) items += ", ";
        items += describe(item);
    }
    const std::string has =
        kernel_abi <= 0 ? std::string("this kernel has no Landlock") : "this kernel has " + std::to_string(kernel_abi);
    return fail("compat:hard: " + kernel_name(kernel_abi) + " cannot enforce " + items,
                "needs Landlock ABI " + std::to_string(needs) + "; " + has +
                    " — use compat:best-effort to run with what the kernel supports");
}

std::uint32_t restrict_flags(const Options& options, int kernel_abi) {
    // Before ABI 7 landlock_restrict_self() takes no flags (EINVAL otherwise) and logs nothing.
    if (kernel_abi < kLogFlagsAbi) return 0;
    switch (options.log) {
    case LogMode::off:
        // Nothing logged: not the launcher's own denials before execve (SAME_EXEC_OFF), not the
        // workload's (NEW_EXEC_ON left out), not those of sandboxes it nests (SUBDOMAINS_OFF).
        return restrict_flag::log_same_exec_off | restrict_flag::log_subdomains_off;
    case LogMode::on:
        // The workload after execve is logged; the launcher's last steps before execve are ours,
        // not the workload's, and nested sandboxes are the workload's business (they log as
        // they themselves ask).
        return restrict_flag::log_same_exec_off | restrict_flag::log_new_exec_on | restrict_flag::log_subdomains_off;
    case LogMode::children:
        // As on, and the denials of sandboxes the workload nests inside ours are logged too.
        return restrict_flag::log_same_exec_off | restrict_flag::log_new_exec_on;
    }
    return 0;
}

}  // namespace llh
