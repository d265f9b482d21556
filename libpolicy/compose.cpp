#include "libpolicy/compose.hpp"

#include <algorithm>
#include <tuple>

namespace llh {
namespace {

Mode compose_mode(Mode a, Mode b) {
    // An explicit choice beats automatic; two different explicit choices ask for both layers.
    if (a == Mode::automatic) return b;
    if (b == Mode::automatic || a == b) return a;
    return Mode::both;
}

int verbosity(LogMode log) {
    switch (log) {
    case LogMode::off:
        return 0;
    case LogMode::on:
        return 1;
    case LogMode::children:
        return 2;
    }
    return 1;
}

Options compose_options(const Options& a, const Options& b) {
    Options out;
    out.mode = compose_mode(a.mode, b.mode);
    out.compat = (a.compat == Compat::hard || b.compat == Compat::hard) ? Compat::hard : Compat::best_effort;
    out.log = verbosity(a.log) >= verbosity(b.log) ? a.log : b.log;
    return out;
}

void merge_variables(Policy& into, const Policy& other) {
    for (const auto& [name, values] : other.variables) {
        auto& mine = into.variables[name];
        mine.insert(mine.end(), values.begin(), values.end());
    }
}

// Composition is commutative only if its result does not depend on the order the inputs came
// in: rules and variable values are kept sorted and without exact duplicates (upstream keeps
// them in ordered sets for the same reason).
void canonicalize(Policy& policy) {
    auto path_key = [](const PathRule& r) { return std::tie(r.path, r.allowed, r.origin); };
    std::sort(policy.paths.begin(), policy.paths.end(),
              [&](const PathRule& a, const PathRule& b) { return path_key(a) < path_key(b); });
    policy.paths.erase(std::unique(policy.paths.begin(), policy.paths.end(),
                                   [&](const PathRule& a, const PathRule& b) { return path_key(a) == path_key(b); }),
                       policy.paths.end());
    auto port_key = [](const PortRule& r) { return std::tie(r.port, r.allowed, r.origin); };
    std::sort(policy.ports.begin(), policy.ports.end(),
              [&](const PortRule& a, const PortRule& b) { return port_key(a) < port_key(b); });
    policy.ports.erase(std::unique(policy.ports.begin(), policy.ports.end(),
                                   [&](const PortRule& a, const PortRule& b) { return port_key(a) == port_key(b); }),
                       policy.ports.end());
    for (auto& [name, values] : policy.variables) {
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
    }
}

template <class Rule>
void keep_common(std::vector<Rule>& rules, std::uint64_t common) {
    std::erase_if(rules, [&](Rule& rule) {
        rule.allowed &= common;
        return rule.allowed == 0;
    });
}

}  // namespace

void compose_into(Policy& into, const Policy& other) {
    const FsAccess common_fs = into.handled_fs & other.handled_fs;
    const NetAccess common_net = into.handled_net & other.handled_net;

    // A rule may only allow what both policies handle: anything else one of them denies.
    keep_common(into.paths, common_fs);
    keep_common(into.ports, common_net);
    for (PathRule rule : other.paths) {
        rule.allowed &= common_fs;
        if (rule.allowed != 0) into.paths.push_back(std::move(rule));
    }
    for (PortRule rule : other.ports) {
        rule.allowed &= common_net;
        if (rule.allowed != 0) into.ports.push_back(std::move(rule));
    }
    merge_variables(into, other);

    into.handled_fs = common_fs;
    into.handled_net = common_net;
    into.scoped &= other.scoped;
    into.abi = std::max(into.abi, other.abi);
    into.options = compose_options(into.options, other.options);
    canonicalize(into);
}

Policy compose(const std::vector<Policy>& policies) {
    Policy out = policies.front();
    for (std::size_t i = 1; i < policies.size(); ++i) compose_into(out, policies[i]);
    return out;
}

void merge_into(Policy& into, const Policy& other) {
    into.handled_fs |= other.handled_fs;
    into.handled_net |= other.handled_net;
    into.scoped |= other.scoped;
    into.paths.insert(into.paths.end(), other.paths.begin(), other.paths.end());
    into.ports.insert(into.ports.end(), other.ports.begin(), other.ports.end());
    for (const auto& [name, values] : other.variables) {
        auto& mine = into.variables[name];
        for (const auto& value : values) {
            if (std::find(mine.begin(), mine.end(), value) == mine.end()) mine.push_back(value);
        }
    }
    // abi 0 means "every right of the running kernel": a union with it stays that.
    into.abi = (into.abi == 0 || other.abi == 0) ? 0 : std::max(into.abi, other.abi);
    into.options = compose_options(into.options, other.options);
}

}  // namespace llh
