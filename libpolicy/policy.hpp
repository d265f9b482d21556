// The policy model every parser produces and every back end consumes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libpolicy/access.hpp"

namespace llh {

enum class Mode { automatic, native, cgroup, both };
enum class Compat { best_effort, hard };
enum class LogMode { off, on, children };

struct Options {
    Mode mode = Mode::automatic;
    Compat compat = Compat::best_effort;
    LogMode log = LogMode::on;
};

// A pathBeneath rule. `path` may hold ${variables} until resolve_variables() ran.
struct PathRule {
    std::string path;
    FsAccess allowed = 0;
    std::string origin;  // where the rule was written, for error messages
};

struct PortRule {
    std::uint64_t port = 0;
    NetAccess allowed = 0;
    std::string origin;
};

struct Policy {
    // The ABI the author wrote the policy for. 0 means "the running kernel's": a rule
    // string handles every file-system right the kernel knows, so file-system rights
    // newer than the kernel are not a downgrade for it.
    int abi = 0;
    FsAccess handled_fs = 0;
    NetAccess handled_net = 0;
    Scopes scoped = 0;
    std::vector<PathRule> paths;
    std::vector<PortRule> ports;
    std::map<std::string, std::vector<std::string>> variables;  // landlockconfig [[variable]]
    // Where a network right or scope was asked for by name ("bind:none", "scope:signal"), keyed by
    // its landlockconfig name: such a handled right has no rule to carry an origin, yet a compat
    // report must say where it came from. Rights handled implicitly have no entry.
    std::map<std::string, std::string> handled_origins;
    Options options;
};

}  // namespace llh
