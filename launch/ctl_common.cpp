#include "launch/ctl_common.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstdio>

#include "libpolicy/resolve.hpp"

namespace llh::ctl {

void print_diagnostics(const Diagnostics& diagnostics) {
    for (const auto& diagnostic : diagnostics.all()) std::fprintf(stderr, "%s\n", diagnostic.format().c_str());
}

std::size_t count_severity(const Diagnostics& diagnostics, Severity severity) {
    std::size_t count = 0;
    for (const auto& diagnostic : diagnostics.all()) count += diagnostic.severity == severity ? 1 : 0;
    return count;
}

std::string describe_sources(const PolicySources& sources) {
    std::string text;
    for (const auto& file : sources.files) text += (text.empty() ? "" : ", ") + file;
    if (sources.fd) text += (text.empty() ? "" : ", ") + std::string("fd ") + std::to_string(*sources.fd);
    if (sources.rules) text += (text.empty() ? "" : ", ") + std::string("--rules");
    return text;
}

std::string plural(std::size_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

const char* to_string(PathKind kind) {
    switch (kind) {
        case PathKind::directory: return "directory";
        case PathKind::file: return "file";
        case PathKind::missing: return "missing";
        case PathKind::unreachable: break;
    }
    return "unreachable";
}

PathState inspect_path(int root_fd, const std::string& path) {
    auto resolved = open_in_root(root_fd, path);
    if (resolved) return {resolved->is_directory ? PathKind::directory : PathKind::file, 0};
    const int error = resolved.error().errno_value;
    return {error == ENOENT || error == ENOTDIR ? PathKind::missing : PathKind::unreachable, error};
}

Result<UniqueFd> open_check_root(const std::string& root) {
    if (root.empty()) return UniqueFd();
    return open_root(root);
}

namespace {

void report(Diagnostics& diagnostics, bool as_error, const std::string& where, std::string message,
            std::string hint) {
    if (as_error) {
        diagnostics.error(where, std::move(message), std::move(hint));
    } else {
        diagnostics.warning(where, std::move(message), std::move(hint));
    }
}

}  // namespace

KernelEvaluation evaluate_on_kernel(const Policy& policy, int kernel_abi, int root_fd, const std::string& root,
                                    const std::string& sources, Diagnostics& diagnostics) {
    const auto where_of = [&sources](const std::string& origin) { return origin.empty() ? sources : origin; };
    KernelEvaluation evaluation;
    evaluation.kernel_abi = kernel_abi;
    const bool hard = policy.options.compat == Compat::hard;

    // Evaluate as best-effort so that the report lists everything hard mode would refuse.
    Policy lenient = policy;
    lenient.options.compat = Compat::best_effort;
    auto compat = apply_compat(lenient, kernel_abi);
    if (!compat) {
        diagnostics.error(sources, compat.error().what());
        evaluation.refused = true;
        evaluation.compat.policy = policy;
        evaluation.compat.report.kernel_abi = kernel_abi;
        evaluation.compat.report.enforcement = Enforcement::none;
    } else {
        evaluation.compat = std::move(*compat);
    }
    evaluation.compat.policy.options.compat = policy.options.compat;

    const std::string kernel = kernel_abi == 0 ? std::string("this kernel (no Landlock)")
                                               : "this kernel (Landlock ABI " + std::to_string(kernel_abi) + ")";
    for (const auto& dropped : evaluation.compat.report.dropped) {
        const std::string needs = dropped.needs_abi > 0 ? " (needs ABI " + std::to_string(dropped.needs_abi) + ")" : "";
        if (hard) {
            report(diagnostics, true, where_of(dropped.origin),
                   kernel + " cannot enforce " + dropped.what + needs + ": compat:hard refuses to start",
                   "use compat:best-effort to start without it, or a newer kernel");
        } else {
            report(diagnostics, false, where_of(dropped.origin),
                   dropped.what + needs + " is not enforced on " + kernel,
                   "compat:hard refuses to start instead of dropping it");
        }
    }
    evaluation.refused = evaluation.refused || (hard && !evaluation.compat.report.dropped.empty());

    const std::string beneath = root.empty() ? "" : " beneath " + root;
    for (const auto& rule : evaluation.compat.policy.paths) {
        const PathState state = inspect_path(root_fd, rule.path);
        evaluation.path_states.push_back(state);
        if (state.kind == PathKind::missing) {
            report(diagnostics, hard, where_of(rule.origin),
                   "\"" + rule.path + "\" does not exist" + beneath +
                       (hard ? " (compat:hard)" : ": the rule is skipped"),
                   hard ? "create it, fix the path, or use compat:best-effort to skip missing paths"
                        : "create it or fix the path; compat:hard refuses to start instead");
            evaluation.refused = evaluation.refused || hard;
        } else if (state.kind == PathKind::unreachable) {
            // enforce() cannot open it either: it fails closed whatever the compat mode.
            const Error error{state.errno_value, "cannot open \"" + rule.path + "\"" + beneath, {}, {}};
            diagnostics.error(where_of(rule.origin), error.what(), "check the path and its permissions");
            evaluation.refused = true;
        }
    }
    return evaluation;
}

}  // namespace llh::ctl
