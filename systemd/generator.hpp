// landlock-systemd-generator's work, apart from its main(): find the services that set
// LandlockPolicy=, and write for each "<unit>.d/zz-landlock.conf" into the generator's normal
// output directory. Units without LandlockPolicy= are never touched.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "libpolicy/result.hpp"
#include "systemd/search_path.hpp"
#include "systemd/specifiers.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {

// The drop-in's file name: "zz-" sorts after the drop-ins admins write ("override.conf",
// "10-foo.conf"), so that its ExecStart= reset comes last. landlock-systemd-helper --guard
// refuses a start when a later drop-in added a command line that bypasses the launcher.
inline constexpr const char* kDropinName = "zz-landlock.conf";

// Where the helper writes the compiled policy and the launcher reads it, in systemd's words:
// %t is /run for the system manager and $XDG_RUNTIME_DIR for a user manager.
inline constexpr const char* kPolicyFileSpecifier = "%t/landlock-hooks/units/%n.json";
inline constexpr const char* kSystemPolicyDirectory = "/run/landlock-hooks/units";

struct GeneratorConfig {
    Scope scope = Scope::system;
    std::string launcher;  // absolute path of landlock-launch
    std::string helper;    // absolute path of landlock-systemd-helper
};

// The drop-in for one unit, or an error naming the command line that cannot be rewritten.
Result<std::string> render_dropin(const std::string& unit, const UnitSettings& settings, const GeneratorConfig& config);

// The drop-in written instead when render_dropin() failed, or a file of the unit could not be
// read: it keeps the helper in the start (which fails it, naming the reason), and resets
// ExecStart=/ExecReload= so that nothing runs unsandboxed even if the helper were skipped.
std::string render_refusal(const std::string& unit, const std::string& reason, const GeneratorConfig& config);

struct GeneratorReport {
    std::size_t units_seen = 0;
    std::vector<std::string> written;  // unit names
    std::vector<std::string> errors;   // one line each, for the generator's stderr
};

// Scans `index`, writes drop-ins below `output_dir`. Never fails as a whole: a problem with one
// unit is reported and that unit gets a refusal drop-in, the others are unaffected.
GeneratorReport run_generator(const UnitIndex& index, const GeneratorConfig& config, const std::string& output_dir);

}  // namespace llh::sd
