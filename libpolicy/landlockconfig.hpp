// The upstream Landlock project's configuration format (landlockconfig), JSON and TOML.
// One walker serves both syntaxes so that they cannot drift apart: TOML keys are the
// snake_case spellings of the JSON camelCase ones.
#pragma once

#include <optional>
#include <string_view>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"

namespace llh {

enum class ConfigSyntax { json, toml };

// Which syntax a document is in: by the name's extension (.json/.toml), else by content.
ConfigSyntax guess_syntax(std::string_view name, std::string_view text);

// Parses one landlockconfig document. `source` names it in diagnostics (a file path, or an
// annotation key for inline policies). Returns nullopt when any error was reported; warnings
// alone do not fail. Variables stay unexpanded (see variables.hpp): composition merges them first.
//
// As upstream: pathBeneath/netPort rights are added to the handled sets automatically; the
// abi.* groups need the top-level "abi". Unlike upstream, a policy that handles nothing, an
// allowed right that a declared ruleset does not handle, and unknown keys are reported.
std::optional<Policy> parse_landlockconfig(std::string_view text, ConfigSyntax syntax, std::string_view source,
                                           Diagnostics& diagnostics, const Limits& limits = {});

}  // namespace llh
