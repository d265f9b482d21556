// A unit's LandlockPolicy= assignments → one Policy, with every diagnostic at the unit file's
// line: "/etc/systemd/system/web.service:7: LandlockPolicy=: item 2 \"rx:usr\": error: …".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/rule_string.hpp"
#include "systemd/specifiers.hpp"
#include "systemd/unit_name.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {

// file:NAME from a unit file: NAME, NAME.json or NAME.toml in /etc/landlock/policies/, or an
// absolute path (the unit's author chooses the file; the helper reads it with the unit's rights).
IncludeLoader unit_include_loader();

// One assignment whose specifiers are already expanded, with the label its diagnostics carry:
// landlock-launch gets these on its command line, expanded by systemd itself (ExecStart=).
struct LabeledValue {
    std::string label;  // "FILE:LINE: LandlockPolicy="
    std::string value;
};

// "FILE:LINE: KEY=", the label of an assignment in every message.
std::string assignment_label(const Located& assignment);

// Parses the values as one rule string (so options given in one assignment apply to rules of
// another, as a list does), then expands variables of included files. Diagnostics and rule
// origins name the value's label and the item's number within it.
std::optional<Policy> policy_from_labeled(const std::vector<LabeledValue>& values, const IncludeLoader& load,
                                          Diagnostics& diagnostics);

// Expands specifiers in each assignment, then parses them as one rule string (so options given
// in one assignment apply to rules of another, as a list does), then expands variables of
// included files. Diagnostics and rule origins name the assignment's FILE:LINE and key.
std::optional<Policy> policy_from_assignments(const std::vector<Located>& assignments, const UnitName& unit,
                                              const ManagerContext& manager, const IncludeLoader& load,
                                              Diagnostics& diagnostics);

// The value of mode: as written in the assignments ("" when none), for the generator, which
// must decide on the command lines before any policy file is read.
std::string written_mode(const std::vector<Located>& assignments);

// written_mode() as the parser reads it: "" is mode:auto, the default. An unknown name is also
// taken as mode:auto here; compiling the policy refuses it at its item.
Mode written_mode_value(const std::vector<Located>& assignments);

// The assignment whose mode: item sets the unit's mode (the first, as the parser keeps the first),
// or the first assignment when none does (mode:auto by default): where a mode refusal points.
// `assignments` must not be empty.
const Located& mode_assignment(const std::vector<Located>& assignments);

}  // namespace llh::sd
