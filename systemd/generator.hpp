// landlock-systemd-generator's work, apart from its main(): find the services that set
// LandlockPolicy=, and write for each "<unit>.d/zz-landlock.conf" into the generator's normal
// output directory. Units without LandlockPolicy= are never touched.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/result.hpp"
#include "systemd/search_path.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/specifiers.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {

// Where the helper (mode:cgroup and mode:both) writes the compiled policy, in systemd's words:
// %t is /run for the system manager and $XDG_RUNTIME_DIR for a user manager.
inline constexpr const char* kPolicyFileSpecifier = "%t/landlock-hooks/units/%n.json";
inline constexpr const char* kSystemPolicyDirectory = "/run/landlock-hooks/units";

struct GeneratorConfig {
    Scope scope = Scope::system;
    std::string launcher;  // absolute path of landlock-launch
    std::string helper;    // absolute path of landlock-systemd-helper
};

// The drop-in for one unit (`files`: the fragment, then the drop-ins, in systemd's order), or
// the problems, at the admin's lines, that keep it from being sandboxed.
//
// Native mode (mode:native, mode:auto in this build) adds no ExecStartPre= process: every
// ExecStart=/ExecReload= line runs through landlock-launch, which gets the LandlockPolicy=
// assignments with their FILE:LINE on its command line (systemd expands their specifiers),
// compiles and checks them in the service's own mount namespace, logs to the unit's journal and
// refuses to exec on any error. So the service runs sandboxed as asked or not at all, at the
// cost of one exec (an ExecStartPre= process costs more than the whole 10 % budget of a start:
// bench/systemd-bench.sh). The drop-in also resets ExecStartPre= and writes the unit's own lines
// again, so that the guard (service.d/landlock-guard.conf, for units this generator has not
// seen) does not run for it.
// mode:cgroup and mode:both keep the ExecStartPre= helper: it is where cgroup mode attaches the
// policy to the unit's cgroup, before any process of the unit runs. It gets the unit's files on
// its command line, so that it need not ask the service manager over D-Bus.
tl::expected<std::string, Diagnostics> render_dropin(const std::string& unit, const std::vector<UnitFile>& files,
                                                     const GeneratorConfig& config);

// The drop-in written instead when render_dropin() failed, or a file of the unit could not be
// read: its ExecStartPre= helper fails the start and logs each reason (given on its command
// line), and ExecStart=/ExecReload= are replaced so that nothing runs unsandboxed even if the
// helper were skipped.
std::string render_refusal(const std::string& unit, const std::vector<std::string>& reasons,
                           const GeneratorConfig& config);

struct GeneratorReport {
    std::size_t units_seen = 0;
    std::vector<std::string> written;  // unit names
    std::vector<std::string> errors;   // one line each, for the generator's stderr
};

// Scans `index`, writes drop-ins below `output_dir`. Never fails as a whole: a problem with one
// unit is reported and that unit gets a refusal drop-in, the others are unaffected.
GeneratorReport run_generator(const UnitIndex& index, const GeneratorConfig& config, const std::string& output_dir);

}  // namespace llh::sd
