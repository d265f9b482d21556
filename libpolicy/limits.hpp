// Bounds on untrusted input: annotations, unit files and policy files are all attacker-supplied
// in some deployment, so every parser checks these before doing work proportional to the input.
#pragma once

#include <cstddef>

namespace llh {

struct Limits {
    std::size_t max_document_bytes = 4U << 20;  // one policy file or inline JSON policy
    std::size_t max_rule_string_bytes = 64U << 10;  // one annotation / LandlockPolicy= value
    std::size_t max_nesting = 16;      // JSON/TOML nesting; landlockconfig needs 4
    std::size_t max_rules = 100000;    // path and port rules after variable expansion
    std::size_t max_path_bytes = 4095; // PATH_MAX - 1
    std::size_t max_include_depth = 1; // file: includes: a policy file cannot include further files
};

}  // namespace llh
