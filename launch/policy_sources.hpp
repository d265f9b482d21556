// Where a command-line user's policy comes from: policy files, an inherited fd, a rule string.
// Shared by landlock-launch and landlockctl so both read policies the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

inline constexpr const char* kPolicyDirectory = "/etc/landlock/policies";

struct PolicySources {
    std::vector<std::string> files;   // --policy FILE (repeatable): composed, landlockconfig rules
    std::optional<int> fd;            // --policy-fd N: one more document, read to EOF
    std::optional<std::string> rules; // --rules STRING: merged with the files (union)
};

// Reads a policy file for parsing: regular files only, at most limits.max_document_bytes,
// text only (a NUL byte is refused as a binary file). Errors name the file.
Result<std::string> read_policy_file(const std::string& path, const Limits& limits = {});

// Reads, parses, composes and expands every source into one policy. Diagnostics (warnings too)
// are collected in `diagnostics`; nullopt when any error was reported.
// A rule string's `file:NAME` names a file in /etc/landlock/policies/ (NAME, NAME.json or
// NAME.toml); from the command line an absolute path is accepted too (the user is trusted).
std::optional<Policy> load_policy(const PolicySources& sources, Diagnostics& diagnostics, const Limits& limits = {});

}  // namespace llh
