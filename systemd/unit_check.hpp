// What landlock-systemd-helper (and landlockctl explain --unit) do with a unit: read the files
// systemd loaded, merge the Landlock settings, check that every command line runs through the
// launcher, compile the policy and judge it against this kernel and this mount namespace.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libpolicy/compat.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"
#include "systemd/specifiers.hpp"
#include "systemd/unit_bus.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/unit_name.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {

struct LoadedUnit {
    UnitName name;
    std::vector<std::string> paths;  // the fragment, then the drop-ins, in systemd's order
    std::vector<UnitFile> files;
    UnitSettings settings;
    bool has_generator_dropin = false;  // one of the paths is the generator's zz-landlock.conf
};

// Reads and merges the files. A file that cannot be read is an error: the helper must not
// compile a policy from half of a unit.
Result<LoadedUnit> load_unit(const UnitName& name, const std::string& fragment, const std::vector<std::string>& dropins);

// Every command line of the service that does not run through the launcher, as a diagnostic at
// the line that set it: "/etc/systemd/system/web.service.d/zzz.conf:3: ExecStart=/usr/bin/web …".
// Where the generator had to refuse a line, the diagnostic is the generator's reason at the
// admin's line. Empty when all run through it (or in mode:cgroup, where command lines stay).
Diagnostics unrouted_commands(const LoadedUnit& unit, const UnitProperties& properties,
                                           const std::string& launcher);

struct Judgement {
    std::optional<Policy> policy;  // the policy as written (the launcher applies compat itself)
    CompatReport compat;
};

// Compiles the policy and checks it on this kernel, with paths looked up in this process's mount
// namespace: under compat:hard a missing path or a dropped right is an error at the rule's
// origin, under best-effort a warning. `policy` is empty when any error was reported.
Judgement judge_policy(const LoadedUnit& unit, const ManagerContext& manager, int kernel_abi, Diagnostics& diagnostics);

}  // namespace llh::sd
