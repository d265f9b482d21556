#include "libpolicy/policy_document.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "libpolicy/access.hpp"
#include "libpolicy/document_tree.hpp"
#include "libpolicy/landlockconfig.hpp"
#include "libpolicy/path_check.hpp"
#include "libpolicy/suggest.hpp"

namespace llh {
namespace {

using detail::Location;
using detail::Node;
using detail::TreeReporter;

constexpr std::string_view kVersionKey = "landlockHooksPolicy";
constexpr std::uint64_t kVersion = 1;

constexpr std::array<std::string_view, 10> kTopKeys{
    "abi",     "handledAccessFs", "handledAccessNet", "handledOrigins", "landlockHooksPolicy",
    "netPort", "options",         "pathBeneath",      "scoped",         "variables"};
constexpr std::array<std::string_view, 3> kOptionKeys{"compat", "log", "mode"};
constexpr std::array<std::string_view, 3> kPathKeys{"allowedAccess", "origin", "parent"};
constexpr std::array<std::string_view, 3> kPortKeys{"allowedAccess", "origin", "port"};

constexpr std::array<std::pair<Mode, std::string_view>, 4> kModeNames{
    {{Mode::automatic, "auto"}, {Mode::native, "native"}, {Mode::cgroup, "cgroup"}, {Mode::both, "both"}}};
constexpr std::array<std::pair<Compat, std::string_view>, 2> kCompatNames{
    {{Compat::best_effort, "best-effort"}, {Compat::hard, "hard"}}};
constexpr std::array<std::pair<LogMode, std::string_view>, 3> kLogNames{
    {{LogMode::off, "off"}, {LogMode::on, "on"}, {LogMode::children, "children"}}};

template <class T, std::size_t N>
std::string_view name_of(const std::array<std::pair<T, std::string_view>, N>& table, T value) {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return table.front().second;
}

nlohmann::json right_names(std::span<const RightInfo> table, std::uint64_t set) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& right : table) {
        if ((set & right.bit) != 0) out.push_back(right.name);
    }
    return out;
}

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// The normalized form is written by our own hooks, so it is read strictly: every key required,
// nothing unknown, every value checked, each problem reported with its JSON pointer.
class NormalizedReader {
public:
    NormalizedReader(std::string_view source, Diagnostics& diagnostics, const Limits& limits)
        : source_(source), report_(diagnostics, limits), limits_(limits) {}

    std::optional<Policy> read(const Node& root) {
        const Location at{ConfigSyntax::json, source_, {}, 0};
        check_keys(root, at, kTopKeys);
        const Node* version = required(root, at, kVersionKey);
        if (version != nullptr && expect(*version, Node::Kind::integer, child(at, kVersionKey)) &&
            (version->negative || version->magnitude != kVersion)) {
            error(child(at, kVersionKey),
                  "normalized policy version " + std::string(version->negative ? "-" : "") +
                      std::to_string(version->magnitude) + " is not supported",
                  "this landlock-hooks reads version 1: write the policy with the same version of landlock-hooks");
            return std::nullopt;  // a different version means different keys: reading on only misleads
        }
        if (const Node* abi = required(root, at, "abi")) read_abi(*abi, child(at, "abi"));
        if (const Node* options = required(root, at, "options")) read_options(*options, child(at, "options"));
        if (const Node* fs = required(root, at, "handledAccessFs")) {
            policy_.handled_fs = rights(*fs, child(at, "handledAccessFs"), kFsRights, "file-system right");
        }
        if (const Node* net = required(root, at, "handledAccessNet")) {
            policy_.handled_net = rights(*net, child(at, "handledAccessNet"), kNetRights, "network right");
        }
        if (const Node* scoped = required(root, at, "scoped")) {
            policy_.scoped = rights(*scoped, child(at, "scoped"), kScopes, "scope");
        }
        if (const Node* origins = member(root, "handledOrigins")) read_origins(*origins, child(at, "handledOrigins"));
        if (const Node* variables = member(root, "variables")) read_variables(*variables, child(at, "variables"));
        if (const Node* paths = required(root, at, "pathBeneath")) read_paths(*paths, child(at, "pathBeneath"));
        if (const Node* ports = required(root, at, "netPort")) read_ports(*ports, child(at, "netPort"));

        if (report_.errors() == 0 && policy_.handled_fs == 0 && policy_.handled_net == 0 && policy_.scoped == 0) {
            error(at, "the policy handles no access right, so it would restrict nothing",
                  R"(handle rights in "handledAccessFs", "handledAccessNet" or "scoped")");
        }
        if (report_.errors() != 0) return std::nullopt;
        return std::move(policy_);
    }

private:
    void error(const Location& at, std::string message, std::string hint) {
        report_.error(at, std::move(message), std::move(hint));
    }

    static Location child(const Location& at, std::string_view key) { return at.child(std::string(key), 0); }

    static const Node* member(const Node& object, std::string_view key) {
        for (const auto& [name, value] : object.members) {
            if (name == key) return &value;
        }
        return nullptr;
    }

    const Node* required(const Node& object, const Location& at, std::string_view key) {
        if (const Node* found = member(object, key)) return found;
        error(at, "missing key " + in_quotes(key), "a normalized policy has every key serialize_policy() writes");
        return nullptr;
    }

    void check_keys(const Node& object, const Location& at, std::span<const std::string_view> known) {
        for (const auto& [key, value] : object.members) {
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            std::string hint;
            if (auto close = detail::closest_name(key, known)) {
                hint = "did you mean " + in_quotes(*close) + "?";
            } else {
                hint = "known keys here: " + detail::join_names(known, true);
            }
            error(child(at, key), "unknown key " + in_quotes(key), std::move(hint));
        }
    }

    bool expect(const Node& node, Node::Kind kind, const Location& at) {
        if (node.kind == kind) return true;
        error(at,
              "expected " + std::string(detail::kind_name(kind, ConfigSyntax::json)) + ", found " +
                  std::string(detail::kind_name(node.kind, ConfigSyntax::json)),
              "see serialize_policy() for the normalized form");
        return false;
    }

    void read_abi(const Node& node, const Location& at) {
        if (!expect(node, Node::Kind::integer, at)) return;
        if (node.negative || node.magnitude > static_cast<std::uint64_t>(kMaxKnownAbi)) {
            error(at,
                  "abi " + std::string(node.negative ? "-" : "") + std::to_string(node.magnitude) + " is out of range",
                  "0 (the running kernel's) or a Landlock ABI from 1 to " + std::to_string(kMaxKnownAbi));
            return;
        }
        policy_.abi = static_cast<int>(node.magnitude);
    }

    template <class T, std::size_t N>
    void read_choice(const Node& options, const Location& at, std::string_view key,
                     const std::array<std::pair<T, std::string_view>, N>& table, T& out) {
        const Node* node = required(options, at, key);
        if (node == nullptr) return;
        const Location where = child(at, key);
        if (!expect(*node, Node::Kind::string, where)) return;
        std::vector<std::string_view> names;
        for (const auto& [value, name] : table) {
            names.push_back(name);
            if (name == node->text) {
                out = value;
                return;
            }
        }
        error(where, "unknown " + std::string(key) + " " + in_quotes(node->text),
              std::string(key) + " is one of " + detail::join_names(names, false));
    }

    void read_options(const Node& node, const Location& at) {
        if (!expect(node, Node::Kind::object, at)) return;
        check_keys(node, at, kOptionKeys);
        read_choice(node, at, "mode", kModeNames, policy_.options.mode);
        read_choice(node, at, "compat", kCompatNames, policy_.options.compat);
        read_choice(node, at, "log", kLogNames, policy_.options.log);
    }

    // A list of right names; an empty list is fine here (the normalized form writes every key).
    std::uint64_t rights(const Node& list, const Location& at, std::span<const RightInfo> table,
                         std::string_view label) {
        if (!expect(list, Node::Kind::array, at)) return 0;
        std::vector<std::string_view> names;
        for (const auto& right : table) names.push_back(right.name);
        std::uint64_t set = 0;
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const Node& item = list.items[i];
            const Location item_at = at.child(i, 0);
            if (!expect(item, Node::Kind::string, item_at)) continue;
            const auto found =
                std::find_if(table.begin(), table.end(), [&](const RightInfo& r) { return r.name == item.text; });
            if (found != table.end()) {
                set |= found->bit;
                continue;
            }
            std::string hint;
            if (auto close = detail::closest_name(item.text, names)) {
                hint = "did you mean " + in_quotes(*close) + "?";
            } else {
                hint = "known names: " + detail::join_names(names, false);
            }
            error(item_at, "unknown " + std::string(label) + " " + in_quotes(item.text), std::move(hint));
        }
        return set;
    }

    void read_origins(const Node& node, const Location& at) {
        if (!expect(node, Node::Kind::object, at)) return;
        for (const auto& [key, value] : node.members) {
            const Location where = child(at, key);
            if (!net_right_by_name(key) && !scope_by_name(key)) {
                error(where, "unknown network right or scope " + in_quotes(key),
                      "handledOrigins names network rights and scopes");
                continue;
            }
            if (expect(value, Node::Kind::string, where)) policy_.handled_origins[key] = value.text;
        }
    }

    void read_variables(const Node& node, const Location& at) {
        if (!expect(node, Node::Kind::object, at)) return;
        for (const auto& [key, value] : node.members) {
            const Location where = child(at, key);
            if (!expect(value, Node::Kind::array, where)) continue;
            auto& values = policy_.variables[key];
            for (std::size_t i = 0; i < value.items.size(); ++i) {
                if (expect(value.items[i], Node::Kind::string, where.child(i, 0)))
                    values.push_back(value.items[i].text);
            }
        }
    }


    const Node* string_member(const Node& entry, const Location& at, std::string_view key) {
        const Node* node = required(entry, at, key);
        if (node == nullptr || !expect(*node, Node::Kind::string, child(at, key))) return nullptr;
        return node;
    }

    template <class Fn>
    void for_each_entry(const Node& list, const Location& at, std::span<const std::string_view> keys, Fn&& fn) {
        if (!expect(list, Node::Kind::array, at)) return;
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const Node& entry = list.items[i];
            const Location entry_at = at.child(i, 0);
            if (!expect(entry, Node::Kind::object, entry_at)) continue;
            check_keys(entry, entry_at, keys);
            if (!report_.count_rule(entry_at)) return;
            fn(entry, entry_at);
        }
    }

    std::uint64_t allowed(const Node& entry, const Location& at, std::span<const RightInfo> table,
                          std::string_view label, std::uint64_t handled, std::string_view handled_key) {
        const Node* node = required(entry, at, "allowedAccess");
        if (node == nullptr) return 0;
        const Location where = child(at, "allowedAccess");
        // An empty list is accepted: landlockconfig can yield such a rule ("abi.all" of network
        // rights on ABI 1), the round trip must keep it, and apply_compat() drops it before any
        // landlock_add_rule() could refuse it with ENOMSG.
        const std::uint64_t set = rights(*node, where, table, label);
        if ((set & ~handled) != 0) {
            error(where,
                  "allows " +
                      (table.size() == kFsRights.size() ? fs_names(set & ~handled) : net_names(set & ~handled)) +
                      ", which " + in_quotes(handled_key) + " does not handle",
                  "add it to " + in_quotes(handled_key));
        }
        return set;
    }

    void read_paths(const Node& list, const Location& at) {
        for_each_entry(list, at, kPathKeys, [&](const Node& entry, const Location& entry_at) {
            PathRule rule;
            rule.allowed =
                allowed(entry, entry_at, kFsRights, "file-system right", policy_.handled_fs, "handledAccessFs");
            if (const Node* origin = string_member(entry, entry_at, "origin")) rule.origin = origin->text;
            const Node* parent = string_member(entry, entry_at, "parent");
            if (parent == nullptr || !check_path(parent->text, child(entry_at, "parent"))) return;
            rule.path = parent->text;
            policy_.paths.push_back(std::move(rule));
        });
    }

    bool check_path(const std::string& path, const Location& at) {
        if (path.empty() || (path.front() != '/' && path.rfind("${", 0) != 0)) {
            error(at, "relative path " + in_quotes(path), "paths are absolute, as the workload sees them");
            return false;
        }
        if (auto problem = unusable_path(path, "the path", limits_)) {
            error(at, std::move(problem->message), std::move(problem->hint));
            return false;
        }
        return true;
    }

    void read_ports(const Node& list, const Location& at) {
        for_each_entry(list, at, kPortKeys, [&](const Node& entry, const Location& entry_at) {
            PortRule rule;
            rule.allowed =
                allowed(entry, entry_at, kNetRights, "network right", policy_.handled_net, "handledAccessNet");
            if (const Node* origin = string_member(entry, entry_at, "origin")) rule.origin = origin->text;
            const Node* port = required(entry, entry_at, "port");
            const Location port_at = child(entry_at, "port");
            if (port == nullptr || !expect(*port, Node::Kind::integer, port_at)) return;
            if (port->negative || port->magnitude > 65535) {
                error(port_at,
                      "port " + std::string(port->negative ? "-" : "") + std::to_string(port->magnitude) +
                          " is out of range",
                      "TCP ports are 0 to 65535");
                return;
            }
            rule.port = port->magnitude;
            policy_.ports.push_back(std::move(rule));
        });
    }

    std::string_view source_;
    TreeReporter report_;
    const Limits& limits_;
    Policy policy_;
};

}  // namespace

std::string serialize_policy(const Policy& policy) {
    // nlohmann::json keeps object keys in a std::map: sorted, so equal policies give equal bytes
    // (hooks store the result under its SHA-256).
    nlohmann::json out;
    out[std::string(kVersionKey)] = kVersion;
    out["abi"] = policy.abi;
    out["options"] = {{"mode", name_of(kModeNames, policy.options.mode)},
                      {"compat", name_of(kCompatNames, policy.options.compat)},
                      {"log", name_of(kLogNames, policy.options.log)}};
    out["handledAccessFs"] = right_names(kFsRights, policy.handled_fs);
    out["handledAccessNet"] = right_names(kNetRights, policy.handled_net);
    out["scoped"] = right_names(kScopes, policy.scoped);
    out["pathBeneath"] = nlohmann::json::array();
    for (const auto& rule : policy.paths) {
        out["pathBeneath"].push_back(
            {{"parent", rule.path}, {"allowedAccess", right_names(kFsRights, rule.allowed)}, {"origin", rule.origin}});
    }
    out["netPort"] = nlohmann::json::array();
    for (const auto& rule : policy.ports) {
        out["netPort"].push_back(
            {{"port", rule.port}, {"allowedAccess", right_names(kNetRights, rule.allowed)}, {"origin", rule.origin}});
    }
    // Only when present, so that the usual document (variables expanded, no named net/scope)
    // stays as small as the design shows it.
    if (!policy.handled_origins.empty()) out["handledOrigins"] = policy.handled_origins;
    if (!policy.variables.empty()) out["variables"] = policy.variables;
    // Origins and paths come from untrusted input: replace invalid UTF-8 rather than throw.
    // Compact: a large policy with an origin on every rule must stay within the document limit
    // the launcher reads it with; people read it through landlockctl or jq.
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<Policy> parse_policy_document(std::string_view text, std::string_view source, Diagnostics& diagnostics,
                                            const Limits& limits) {
    const ConfigSyntax syntax = guess_syntax(source, text);
    // Only a document that mentions the version key can be a normalized policy; others go
    // straight to the landlockconfig parser instead of being parsed twice.
    if (syntax == ConfigSyntax::json && text.find(kVersionKey) != std::string_view::npos) {
        const std::optional<Node> root = detail::parse_document_tree(text, syntax, source, diagnostics, limits);
        if (!root) return std::nullopt;
        const bool normalized = root->kind == Node::Kind::object &&
                                std::any_of(root->members.begin(), root->members.end(),
                                            [](const detail::Member& m) { return m.key == kVersionKey; });
        if (normalized) return NormalizedReader(source, diagnostics, limits).read(*root);
    }
    return parse_landlockconfig(text, syntax, source, diagnostics, limits);
}

}  // namespace llh
