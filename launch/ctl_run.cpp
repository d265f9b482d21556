// landlockctl run: landlock-launch for people. The same library calls (load_policy, enforce) and
// the same fail-closed rule; in addition it tells the user what is enforced.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "launch/ctl_commands.hpp"
#include "launch/ctl_common.hpp"
#include "native/landlock.hpp"

namespace llh::ctl {

int run_command(const RunOptions& options) {
    Diagnostics diagnostics;
    const auto policy = load_policy(options.sources, diagnostics);
    if (!policy) {
        print_diagnostics(diagnostics);
        std::fprintf(stderr, "landlockctl run: %s in the policy: \"%s\" was not started\n",
                     plural(count_severity(diagnostics, Severity::error), "error").c_str(),
                     options.command.front().c_str());
        return kExitCannotRun;
    }
    // Warnings only (errors stopped us above). --quiet never hides a downgrade: nothing runs less
    // sandboxed than asked without the user being told.
    print_diagnostics(diagnostics);

    auto enforced = enforce(*policy);
    if (!enforced) {
        std::fprintf(stderr, "landlockctl run: %s: \"%s\" was not started\n", enforced.error().what().c_str(),
                     options.command.front().c_str());
        return kExitCannotRun;
    }
    for (const auto& warning : enforced->warnings) std::fprintf(stderr, "landlockctl run: warning: %s\n", warning.c_str());
    if (!options.quiet || enforced->compat.enforcement != Enforcement::full || !enforced->warnings.empty()) {
        std::fprintf(stderr, "landlockctl run: %s\n", enforced->compat.summary().c_str());
    }

    std::vector<char*> argv;
    argv.reserve(options.command.size() + 1);
    for (const auto& argument : options.command) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    std::fflush(nullptr);
    ::execvp(argv[0], argv.data());
    // Still restricted here: nothing else runs, whatever the reason.
    const int error = errno;
    std::fprintf(stderr, "landlockctl run: cannot execute \"%s\": %s\n", argv[0], std::strerror(error));
    return error == ENOENT ? kExitNotFound : kExitCannotRun;
}

}  // namespace llh::ctl
