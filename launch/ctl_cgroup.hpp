// landlockctl attach / detach / status / collect: cgroup mode for any cgroup v2 directory,
// through llh::cgroup::Enforcer, the code path the OCI hook and the systemd helper use.
#pragma once

#include <string>

#include "launch/policy_sources.hpp"

namespace llh::ctl {

struct AttachOptions {
    PolicySources sources;
    std::string cgroup;  // cgroup v2 directory
    std::string root;    // rule paths resolved beneath this directory ("" = /)
    bool quiet = false;
};

struct DetachOptions {
    std::string cgroup;
};

struct StatusOptions {
    bool json = false;
};

int attach_command(const AttachOptions& options);
int detach_command(const DetachOptions& options);
int status_command(const StatusOptions& options);
int collect_command();

}  // namespace llh::ctl
