// landlockctl's subcommands. landlockctl.cpp parses the command line into these options and
// calls one function; each returns the process exit status.
#pragma once

#include <string>
#include <vector>

#include "launch/policy_sources.hpp"

namespace llh::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitPolicy = 1;  // the policy has errors, or cannot be enforced as asked
inline constexpr int kExitUsage = 2;
// run, as landlock-launch and env(1): the sandbox could not be set up / the command not found.
// (The command's own status follows once it runs, so run cannot use 1 for its own errors.)
inline constexpr int kExitCannotRun = 126;
inline constexpr int kExitNotFound = 127;

struct CheckOptions {
    PolicySources sources;
    std::string root;  // resolve rule paths beneath this directory ("" = this machine's /)
};

struct ExplainOptions {
    PolicySources sources;
    std::string root;
    bool json = false;
    std::string unit;   // --unit: a systemd service's LandlockPolicy= instead of the sources
    bool user = false;  // --user: the unit is the calling user's manager's
};

struct RunOptions {
    PolicySources sources;
    std::vector<std::string> command;
    bool quiet = false;
};

struct FeaturesOptions {
    bool json = false;
};

int check_command(const CheckOptions& options);
int explain_command(const ExplainOptions& options);
int explain_unit_command(const ExplainOptions& options);  // explain --unit
int run_command(const RunOptions& options);
int features_command(const FeaturesOptions& options);

}  // namespace llh::ctl
