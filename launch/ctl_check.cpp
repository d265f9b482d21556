// landlockctl check: every problem of a policy at once, then one summary line.
#include <fcntl.h>

#include <cstdio>

#include "launch/ctl_commands.hpp"
#include "launch/ctl_common.hpp"
#include "native/landlock.hpp"

namespace llh::ctl {

int check_command(const CheckOptions& options) {
    Diagnostics diagnostics;
    auto root = open_check_root(options.root);
    if (!root) {
        std::fprintf(stderr, "landlockctl check: --root: %s\n", root.error().what().c_str());
        return kExitUsage;
    }
    const int root_fd = root->valid() ? root->get() : AT_FDCWD;

    const auto policy = load_policy(options.sources, diagnostics);
    // A policy that parses is also judged against this kernel and this file system, as enforce()
    // would judge it: a path missing under compat:hard is an error a user must hear about now.
    if (policy) {
        evaluate_on_kernel(*policy, landlock_support().abi, root_fd, options.root,
                           describe_sources(options.sources), diagnostics);
    }

    print_diagnostics(diagnostics);
    const std::size_t errors = count_severity(diagnostics, Severity::error);
    const std::size_t warnings = count_severity(diagnostics, Severity::warning);
    if (errors > 0) {
        std::fprintf(stderr, "%s, %s\n", plural(errors, "error").c_str(), plural(warnings, "warning").c_str());
        return kExitPolicy;
    }
    if (warnings > 0) {
        std::fprintf(stderr, "OK: %s (%s)\n", describe_sources(options.sources).c_str(),
                     plural(warnings, "warning").c_str());
    } else {
        std::fprintf(stderr, "OK: %s\n", describe_sources(options.sources).c_str());
    }
    return kExitOk;
}

}  // namespace llh::ctl
