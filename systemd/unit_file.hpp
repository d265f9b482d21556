// One unit file or drop-in, read the way systemd's configuration parser reads it: sections,
// KEY=VALUE assignments with their line numbers, '#'/';' comments, '\' continuations.
// Unit files are untrusted input (a user writes their own user units): sizes are bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/result.hpp"

namespace llh::sd {

struct UnitLimits {
    std::size_t max_file_bytes = 4U << 20;  // systemd itself reads at most a few MiB per unit
    std::size_t max_line_bytes = 1U << 20;  // systemd's LONG_LINE_MAX: 1 MiB after continuations
};

struct Assignment {
    std::string section;  // "Service"
    std::string key;      // "LandlockPolicy"
    std::string value;    // continuations joined with a space, surrounding whitespace dropped
    std::size_t line = 0; // 1-based line of the key, for "FILE:LINE" in messages
};

struct UnitFile {
    std::string path;  // as shown in messages
    std::vector<Assignment> assignments;
};

// Parses the text of a unit file or drop-in. Fails on what systemd would refuse outright
// (a NUL byte, a line over the limit); a line that is no assignment is skipped, as systemd
// skips it with a warning, because a unit must load the same here as in systemd.
Result<UnitFile> parse_unit_file(std::string_view text, std::string path, const UnitLimits& limits = {});

// Reads and parses a file (regular files only, bounded size). Errors name the file.
Result<UnitFile> read_unit_file(const std::string& path, const UnitLimits& limits = {});

// Does the text mention a Landlock key at all? A cheap test so that the generator parses only
// the few files that matter out of hundreds.
bool mentions_landlock(std::string_view text);

}  // namespace llh::sd
