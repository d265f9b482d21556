// landlock-systemd-generator's work, apart from its main(): find the services that set
// LandlockPolicy=, and write for each "<unit>.d/zz-landlock.conf" into the generator's normal
// output directory. Units without LandlockPolicy= are never touched.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/mode_choice.hpp"
#include "libpolicy/result.hpp"
#include "systemd/search_path.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/specifiers.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {

struct GeneratorConfig {
    Scope scope = Scope::system;
    std::string launcher;  // absolute path of landlock-launch
    std::string helper;    // absolute path of landlock-systemd-helper
    // Is cgroup mode available to this manager's services? Asked only for a unit in mode:auto,
    // and at most once per run by the caller's choice (the probe is a trial load). Unset: no.
    std::function<CgroupModeSupport()> cgroup_support;
};

// The drop-in for one unit (`files`: the fragment, then the drop-ins, in systemd's order), or
// the problems, at the admin's lines, that keep it from being sandboxed.
//
// Native mode (mode:native, and mode:auto) adds no ExecStartPre= process of its own: every
// ExecStart=/ExecReload= line runs through landlock-launch, which gets the LandlockPolicy=
// assignments with their FILE:LINE on its command line (systemd expands their specifiers),
// compiles and checks them in the service's own mount namespace, logs to the unit's journal and
// refuses to exec on any error. So the service runs sandboxed as asked or not at all, at the
// cost of one exec (an ExecStartPre= process costs more than the whole 10 % budget of a start:
// bench/systemd-bench.sh). The drop-in also resets ExecStartPre= and writes the unit's own lines
// again, so that the guard (service.d/landlock-guard.conf, for units this generator has not
// seen) does not run for it.
// Cgroup mode needs the ExecStartPre= helper: it attaches the policy to the unit's cgroup, so it
// comes FIRST, before the unit's own ExecStartPre= lines, and every later process of the unit is
// held. It gets the unit's files on its command line, so that it need not ask the service
// manager over D-Bus, and decides at start with choose_mode() (refusing mode:cgroup/both where
// cgroup mode is not available). So:
//   mode:native          launcher only
//   mode:auto            launcher, and the helper when `cgroup_support` says available; else no
//                        helper (the fast start stays) and the launcher reports the downgrade
//                        (--cgroup-mode-unavailable REASON) in the unit's journal at each start
//   mode:both            helper and launcher
//   mode:cgroup          helper only; the command lines stay as they are
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
