// What the running service manager says about a unit, over sd-bus: the files it loaded and the
// command lines it will run. The helper trusts these over its own reading of the unit path,
// because they are what systemd actually uses (after daemon-reload, or not).
#pragma once

#include <string>
#include <vector>

#include "libpolicy/result.hpp"
#include "systemd/specifiers.hpp"

namespace llh::sd {

struct BusCommand {
    std::string path;
    std::vector<std::string> argv;
};

struct UnitProperties {
    std::string fragment_path;              // FragmentPath
    std::vector<std::string> dropin_paths;  // DropInPaths, in systemd's order
    std::vector<BusCommand> exec_start;     // ExecStart
    std::vector<BusCommand> exec_reload;    // ExecReload
};

// Connects to the manager of `scope` (its private socket when we may use it, else the bus) and
// reads the unit's properties.
// Without `commands`, only the paths are read (the guard's path for a unit without a policy).
Result<UnitProperties> read_unit_properties(Scope scope, const std::string& unit, bool commands = true);

// The unit this process runs in, from its cgroup (sd_pid_get_unit / sd_pid_get_user_unit).
Result<std::string> own_unit(Scope scope);

}  // namespace llh::sd
