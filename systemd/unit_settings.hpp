// What a unit's fragment and drop-ins, merged in systemd's order, say about Landlock: the
// LandlockPolicy=/X-LandlockPolicy= assignments in force and the ExecStart=/ExecReload= command
// lines that must run through the launcher. Lists accumulate; an empty assignment resets.
#pragma once

#include <string>
#include <vector>

#include "libpolicy/result.hpp"
#include "systemd/unit_file.hpp"

namespace llh::sd {

struct Located {
    std::string file;
    std::size_t line = 0;
    std::string key;    // "LandlockPolicy" or "X-LandlockPolicy"
    std::string value;

    // "/etc/systemd/system/nginx.service:7"
    std::string where() const { return file + ":" + std::to_string(line); }
};

// The file name of landlock-systemd-generator's drop-in: "zz-" sorts after the drop-ins admins
// write ("override.conf", "10-foo.conf"), so that its ExecStart= reset comes last.
inline constexpr const char* kDropinName = "zz-landlock.conf";

struct UnitSettings {
    std::vector<Located> policy;        // LandlockPolicy= and X-LandlockPolicy= in force, in order
    std::vector<Located> exec_start;    // ExecStart= values in force
    std::vector<Located> exec_reload;   // ExecReload= values in force
    // ExecStartPre= values in force from the files that sort before the generator's drop-in
    // (which resets the list to leave the guard out, and writes these again).
    std::vector<Located> exec_start_pre;
    // ExecStart=/ExecReload= lines of drop-ins that sort after the generator's: systemd would
    // append them to the routed lines, outside the launcher.
    std::vector<Located> late_commands;
    // Hardening the launcher has to get through: NoExecPaths= keeps it from running unless
    // ExecPaths= names it, and a SystemCallFilter= allow-list (systemd 252's @system-service)
    // lacks Landlock's three system calls. Values in force, lists as systemd merges them.
    std::vector<Located> no_exec_paths;
    std::vector<Located> system_call_filter;
    bool sets_policy() const { return !policy.empty(); }
};

// Merges the files in the order given: the fragment first, then the drop-ins as systemd sorts them.
UnitSettings merge_settings(const std::vector<UnitFile>& files);

}  // namespace llh::sd
