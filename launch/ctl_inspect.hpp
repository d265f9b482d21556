// landlockctl inspect CONTAINER-ID|BUNDLE: what a container got from landlock-hooks.
#pragma once

#include <string>

namespace llh::ctl {

struct InspectOptions {
    std::string target;  // a container id (its record under /run/landlock-hooks) or a bundle directory
    bool json = false;
    std::string state_directory = "/run/landlock-hooks";
};

int inspect_command(const InspectOptions& options);

}  // namespace llh::ctl
