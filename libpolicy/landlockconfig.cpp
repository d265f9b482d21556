#include "libpolicy/landlockconfig.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "libpolicy/access.hpp"
#include "libpolicy/document_tree.hpp"
#include "libpolicy/path_check.hpp"
#include "libpolicy/suggest.hpp"

namespace llh {
namespace {

using detail::Location;
using detail::Node;
using detail::TreeReporter;

// The same keys in both syntaxes: TOML spells JSON's camelCase in snake_case.
struct Keys {
    std::string_view abi, variable, ruleset, path_beneath, net_port;
    std::string_view handled_fs, handled_net, scoped, allowed, parent, port, name, literal;
};
constexpr Keys kJsonKeys{"abi",     "variable",         "ruleset", "pathBeneath", "netPort", "handledAccessFs",
                         "handledAccessNet", "scoped", "allowedAccess", "parent", "port", "name", "literal"};
constexpr Keys kTomlKeys{"abi",      "variable",           "ruleset", "path_beneath",   "net_port", "handled_access_fs",
                         "handled_access_net", "scoped", "allowed_access", "parent", "port",     "name", "literal"};

enum class RightKind { fs, net, scope };
enum class Use { handled, allowed };

std::string_view kind_label(RightKind kind) {
    switch (kind) {
    case RightKind::fs:
        return "file-system right";
    case RightKind::net:
        return "network right";
    case RightKind::scope:
        return "scope";
    }
    return "right";
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool valid_variable_name(std::string_view name) {
    if (name.empty()) return false;
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!letter(name.front())) return false;
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; });
}

class Walker {
public:
    Walker(ConfigSyntax syntax, std::string_view source, Diagnostics& diagnostics, const Limits& limits)
        : syntax_(syntax),
          keys_(syntax == ConfigSyntax::json ? kJsonKeys : kTomlKeys),
          other_keys_(syntax == ConfigSyntax::json ? kTomlKeys : kJsonKeys),
          source_(source),
          report_(diagnostics, limits),
          limits_(limits) {}

    std::optional<Policy> walk(const Node& root) {
        const Location at{syntax_, source_, {}, 0};
        if (root.kind != Node::Kind::object) {
            error(at, "expected an object at the top, found " + std::string(detail::kind_name(root.kind, syntax_)),
                  "a landlockconfig policy is an object such as {\"pathBeneath\": [...]}");
            return std::nullopt;
        }
        check_keys(root, at, {keys_.abi, keys_.variable, keys_.ruleset, keys_.path_beneath, keys_.net_port});
        // "abi" first: the abi.* groups in every other section depend on it.
        if (const Node* abi = member(root, keys_.abi)) read_abi(*abi, at.child(std::string(keys_.abi), abi->line));
        for_each_entry(root, at, keys_.variable, [&](const Node& entry, const Location& where) { read_variable(entry, where); });
        for_each_entry(root, at, keys_.ruleset, [&](const Node& entry, const Location& where) { read_ruleset(entry, where); });
        for_each_entry(root, at, keys_.path_beneath,
                       [&](const Node& entry, const Location& where) { read_path_beneath(entry, where); });
        for_each_entry(root, at, keys_.net_port, [&](const Node& entry, const Location& where) { read_net_port(entry, where); });

        if (report_.errors() == 0 && policy_.handled_fs == 0 && policy_.handled_net == 0 && policy_.scoped == 0) {
            error(at, "the policy handles no access right, so it would restrict nothing",
                  "handle rights in a " + std::string(keys_.ruleset) + " entry (" + std::string(keys_.handled_fs) + ", " +
                      std::string(keys_.handled_net) + ", " + std::string(keys_.scoped) + ") or allow some in " +
                      std::string(keys_.path_beneath) + " / " + std::string(keys_.net_port) + " rules");
        }
        if (report_.errors() != 0) return std::nullopt;
        policy_.abi = abi_valid_ ? abi_
                                 : std::max({1, fs_min_abi(policy_.handled_fs), net_min_abi(policy_.handled_net),
                                             scopes_min_abi(policy_.scoped)});
        return std::move(policy_);
    }

private:
    void error(const Location& at, std::string message, std::string hint) {
        report_.error(at, std::move(message), std::move(hint));
    }

    static const Node* member(const Node& object, std::string_view key) {
        for (const auto& [name, value] : object.members) {
            if (name == key) return &value;
        }
        return nullptr;
    }

    void check_keys(const Node& object, const Location& at, std::initializer_list<std::string_view> known) {
        const std::vector<std::string_view> names(known);
        for (const auto& [key, value] : object.members) {
            if (std::find(names.begin(), names.end(), key) != names.end()) continue;
            std::string hint;
            if (auto other = other_spelling(key); other && std::find(names.begin(), names.end(), *other) != names.end()) {
                hint = std::string(syntax_ == ConfigSyntax::json ? "JSON" : "TOML") + " spells it " + quoted(*other);
            } else if (auto close = detail::closest_name(key, names)) {
                hint = "did you mean " + quoted(*close) + "?";
            } else {
                hint = "known keys here: " + detail::join_names(names, true);
            }
            error(at.child(key, value.line), "unknown key " + quoted(key), std::move(hint));
        }
    }

    // The key of this syntax that the other syntax spells `key` ("pathBeneath" -> "path_beneath").
    std::optional<std::string_view> other_spelling(std::string_view key) const {
        const std::array<std::pair<std::string_view, std::string_view>, 8> pairs{{
            {other_keys_.path_beneath, keys_.path_beneath},
            {other_keys_.net_port, keys_.net_port},
            {other_keys_.handled_fs, keys_.handled_fs},
            {other_keys_.handled_net, keys_.handled_net},
            {other_keys_.allowed, keys_.allowed},
            {other_keys_.abi, keys_.abi},
            {other_keys_.variable, keys_.variable},
            {other_keys_.ruleset, keys_.ruleset},
        }};
        for (const auto& [theirs, ours] : pairs) {
            if (theirs == key && theirs != ours) return ours;
        }
        return std::nullopt;
    }

    std::string type_hint(Node::Kind expected, Node::Kind found, const Location& at) const {
        if (expected == Node::Kind::array && found == Node::Kind::object && syntax_ == ConfigSyntax::toml) {
            std::string key;
            if (!at.path.empty()) {
                if (const auto* k = std::get_if<std::string>(&at.path.back())) key = *k;
            }
            return "write [[" + key + "]] for an array of tables";
        }
        if (expected == Node::Kind::array) return "wrap the value in [ ]";
        if (expected == Node::Kind::string) return "write it in double quotes";
        if (expected == Node::Kind::integer) return "write a whole number without quotes";
        if (expected == Node::Kind::object) {
            return syntax_ == ConfigSyntax::json ? "write each entry as an object: {\"key\": value, ...}"
                                                 : "write each entry as a table: [[name]] or {key = value}";
        }
        return "see the landlockconfig schema for this key";
    }

    bool expect(const Node& node, Node::Kind kind, const Location& at) {
        if (node.kind == kind) return true;
        error(at,
              "expected " + std::string(detail::kind_name(kind, syntax_)) + ", found " +
                  std::string(detail::kind_name(node.kind, syntax_)),
              type_hint(kind, node.kind, at));
        return false;
    }

    // A non-empty array, as upstream's schema demands of every list.
    bool expect_list(const Node& node, const Location& at) {
        if (!expect(node, Node::Kind::array, at)) return false;
        if (!node.items.empty()) return true;
        error(at, "empty list", "list at least one value, or remove the key");
        return false;
    }

    template <class Fn>
    void for_each_entry(const Node& root, const Location& at, std::string_view key, Fn&& fn) {
        const Node* list = member(root, key);
        if (list == nullptr) return;
        const Location where = at.child(std::string(key), list->line);
        if (!expect_list(*list, where)) return;
        for (std::size_t i = 0; i < list->items.size(); ++i) {
            const Node& entry = list->items[i];
            const Location entry_at = where.child(i, entry.line);
            if (expect(entry, Node::Kind::object, entry_at)) fn(entry, entry_at);
        }
    }

    bool require(const Node& entry, const Location& at, std::string_view key, std::string_view entry_name,
                 std::string_view first, std::string_view second) {
        if (member(entry, key) != nullptr) return true;
        error(at, "missing key " + quoted(key),
              "a " + std::string(entry_name) + " entry needs " + quoted(first) + " and " + quoted(second));
        return false;
    }

    void read_abi(const Node& node, const Location& at) {
        abi_declared_ = true;
        if (!expect(node, Node::Kind::integer, at)) return;
        if (node.negative || node.magnitude < 1) {
            error(at, "abi " + std::string(node.negative ? "-" : "") + std::to_string(node.magnitude) + " is not a Landlock ABI",
                  "Landlock ABIs are numbered from 1 to " + std::to_string(kMaxKnownAbi));
            return;
        }
        if (node.magnitude > static_cast<std::uint64_t>(kMaxKnownAbi)) {
            error(at,
                  "abi " + std::to_string(node.magnitude) + " is newer than the Landlock ABIs this version knows (1 to " +
                      std::to_string(kMaxKnownAbi) + ")",
                  "use abi " + std::to_string(kMaxKnownAbi) + " or less; a newer ABI needs a newer landlock-hooks");
            return;
        }
        abi_ = static_cast<int>(node.magnitude);
        abi_valid_ = true;
    }

    void read_variable(const Node& entry, const Location& at) {
        check_keys(entry, at, {keys_.name, keys_.literal});
        const Node* name = member(entry, keys_.name);
        if (name == nullptr) {
            error(at, "missing key " + quoted(keys_.name),
                  "a variable entry needs " + quoted(keys_.name) + " and its " + quoted(keys_.literal) + " values");
            return;
        }
        const Location name_at = at.child(std::string(keys_.name), name->line);
        if (!expect(*name, Node::Kind::string, name_at)) return;
        if (!valid_variable_name(name->text)) {
            error(name_at, "invalid variable name " + quoted(name->text),
                  "a name is an ASCII letter followed by letters, digits or _");
            return;
        }
        // Several entries with one name accumulate, as upstream's sets do.
        auto& values = policy_.variables[name->text];
        const Node* literal = member(entry, keys_.literal);
        if (literal == nullptr) return;  // a variable with no value: resolve_variables() warns where it is used
        const Location literal_at = at.child(std::string(keys_.literal), literal->line);
        if (!expect_list(*literal, literal_at)) return;
        for (std::size_t i = 0; i < literal->items.size(); ++i) {
            const Node& value = literal->items[i];
            if (!expect(value, Node::Kind::string, literal_at.child(i, value.line))) continue;
            if (std::find(values.begin(), values.end(), value.text) == values.end()) values.push_back(value.text);
        }
    }

    void read_ruleset(const Node& entry, const Location& at) {
        check_keys(entry, at, {keys_.handled_fs, keys_.handled_net, keys_.scoped});
        if (entry.members.empty()) {
            error(at, "empty ruleset entry",
                  "handle rights with " + quoted(keys_.handled_fs) + ", " + quoted(keys_.handled_net) + " or " +
                      quoted(keys_.scoped) + ", or remove the entry");
            return;
        }
        if (const Node* fs = member(entry, keys_.handled_fs)) {
            fs_declared_ = true;
            declared_fs_ |= rights(*fs, at.child(std::string(keys_.handled_fs), fs->line), RightKind::fs, Use::handled);
        }
        if (const Node* net = member(entry, keys_.handled_net)) {
            net_declared_ = true;
            declared_net_ |= rights(*net, at.child(std::string(keys_.handled_net), net->line), RightKind::net, Use::handled);
        }
        if (const Node* scoped = member(entry, keys_.scoped)) {
            policy_.scoped |= rights(*scoped, at.child(std::string(keys_.scoped), scoped->line), RightKind::scope, Use::handled);
        }
        policy_.handled_fs |= declared_fs_;
        policy_.handled_net |= declared_net_;
    }

    void read_path_beneath(const Node& entry, const Location& at) {
        check_keys(entry, at, {keys_.allowed, keys_.parent});
        const bool has_allowed = require(entry, at, keys_.allowed, keys_.path_beneath, keys_.allowed, keys_.parent);
        const bool has_parent = require(entry, at, keys_.parent, keys_.path_beneath, keys_.allowed, keys_.parent);
        if (!has_allowed || !has_parent) return;
        const Node& allowed_node = *member(entry, keys_.allowed);
        const Location allowed_at = at.child(std::string(keys_.allowed), allowed_node.line);
        const FsAccess allowed = rights(allowed_node, allowed_at, RightKind::fs, Use::allowed);
        if (fs_declared_ && (allowed & ~declared_fs_) != 0) {
            error(allowed_at,
                  "allows " + fs_names(allowed & ~declared_fs_) + ", which no ruleset's " + quoted(keys_.handled_fs) +
                      " handles",
                  "add it to " + quoted(keys_.handled_fs) + ", or drop " + quoted(keys_.handled_fs) +
                      " from the ruleset to let it be derived from the rules");
        }
        policy_.handled_fs |= allowed;  // upstream: rules keep the ruleset consistent

        const Node& parents = *member(entry, keys_.parent);
        const Location parents_at = at.child(std::string(keys_.parent), parents.line);
        if (!expect_list(parents, parents_at)) return;
        for (std::size_t i = 0; i < parents.items.size(); ++i) {
            const Node& parent = parents.items[i];
            const Location parent_at = parents_at.child(i, parent.line);
            if (!expect(parent, Node::Kind::string, parent_at) || !check_path(parent.text, parent_at)) continue;
            if (!report_.count_rule(parent_at)) return;
            policy_.paths.push_back(PathRule{parent.text, allowed, parent_at.format()});
        }
    }

    void read_net_port(const Node& entry, const Location& at) {
        check_keys(entry, at, {keys_.allowed, keys_.port});
        const bool has_allowed = require(entry, at, keys_.allowed, keys_.net_port, keys_.allowed, keys_.port);
        const bool has_port = require(entry, at, keys_.port, keys_.net_port, keys_.allowed, keys_.port);
        if (!has_allowed || !has_port) return;
        const Node& allowed_node = *member(entry, keys_.allowed);
        const Location allowed_at = at.child(std::string(keys_.allowed), allowed_node.line);
        const NetAccess allowed = rights(allowed_node, allowed_at, RightKind::net, Use::allowed);
        if (net_declared_ && (allowed & ~declared_net_) != 0) {
            error(allowed_at,
                  "allows " + net_names(allowed & ~declared_net_) + ", which no ruleset's " + quoted(keys_.handled_net) +
                      " handles",
                  "add it to " + quoted(keys_.handled_net) + ", or drop " + quoted(keys_.handled_net) +
                      " from the ruleset to let it be derived from the rules");
        }
        policy_.handled_net |= allowed;

        const Node& ports = *member(entry, keys_.port);
        const Location ports_at = at.child(std::string(keys_.port), ports.line);
        if (!expect_list(ports, ports_at)) return;
        for (std::size_t i = 0; i < ports.items.size(); ++i) {
            const Node& port = ports.items[i];
            const Location port_at = ports_at.child(i, port.line);
            if (!expect(port, Node::Kind::integer, port_at)) continue;
            if (port.negative || port.magnitude > 65535) {
                error(port_at, "port " + std::string(port.negative ? "-" : "") + std::to_string(port.magnitude) + " is out of range",
                      "TCP ports are 0 to 65535");
                continue;
            }
            if (!report_.count_rule(port_at)) return;
            policy_.ports.push_back(PortRule{port.magnitude, allowed, port_at.format()});
        }
    }

    bool check_path(const std::string& path, const Location& at) {
        if (path.empty()) {
            error(at, "empty path", "paths are absolute, as the workload sees them, such as \"/usr\"");
            return false;
        }
        if (auto problem = unusable_path(path, "the path", limits_)) {
            error(at, std::move(problem->message), std::move(problem->hint));
            return false;
        }
        // "${var}/x" is checked once expanded (variables.cpp): the value decides.
        if (path.front() != '/' && path.rfind("${", 0) != 0) {
            error(at, "relative path " + quoted(path), "paths are absolute, as the workload sees them: \"/" + path + "\"");
            return false;
        }
        return true;
    }


    FsAccess group_bits(RightKind kind, std::string_view group, int abi) const {
        if (kind == RightKind::net) return net_all(abi);
        if (kind == RightKind::scope) return scopes_all(abi);
        if (group == "read_execute") return fs_read_execute(abi);
        if (group == "read_write") return fs_read_write(abi);
        return fs_all(abi);
    }

    std::string wrong_kind_hint(RightKind is, Use use) const {
        if (use == Use::handled) {
            const std::string_view key = is == RightKind::fs ? keys_.handled_fs : is == RightKind::net ? keys_.handled_net : keys_.scoped;
            return "list it in a ruleset's " + quoted(key);
        }
        if (is == RightKind::fs) return "allow it in a " + quoted(keys_.path_beneath) + " entry";
        if (is == RightKind::net) return "allow it in a " + quoted(keys_.net_port) + " entry";
        return "scopes have no rules: list it in a ruleset's " + quoted(keys_.scoped);
    }

    std::vector<std::string_view> names_of(RightKind kind) const {
        std::vector<std::string_view> names;
        auto add = [&](const auto& table) {
            for (const auto& right : table) names.push_back(right.name);
        };
        if (kind == RightKind::fs) add(kFsRights);
        if (kind == RightKind::net) add(kNetRights);
        if (kind == RightKind::scope) add(kScopes);
        names.push_back("abi.all");
        if (kind == RightKind::fs) {
            names.push_back("abi.read_execute");
            names.push_back("abi.read_write");
        }
        return names;
    }

    // One name of an access list; 0 (with an error) when it does not name a right of `kind`.
    std::uint64_t right(const std::string& name, const Location& at, RightKind kind, Use use) {
        const std::optional<std::uint64_t> as_fs = fs_right_by_name(name);
        const std::optional<std::uint64_t> as_net = net_right_by_name(name);
        const std::optional<std::uint64_t> as_scope = scope_by_name(name);
        if (as_fs || as_net || as_scope) {
            const RightKind is = as_fs ? RightKind::fs : as_net ? RightKind::net : RightKind::scope;
            if (is == kind) return *(as_fs ? as_fs : as_net ? as_net : as_scope);
            error(at, quoted(name) + " is a " + std::string(kind_label(is)) + ", not a " + std::string(kind_label(kind)),
                  wrong_kind_hint(is, use));
            return 0;
        }
        if (const std::size_t dot = name.find('.'); dot != std::string::npos) {
            const std::string_view prefix = std::string_view(name).substr(0, dot);
            const std::string_view group = std::string_view(name).substr(dot + 1);
            const bool fs_group = group == "read_execute" || group == "read_write";
            if (group == "all" || fs_group) {
                if (fs_group && kind != RightKind::fs) {
                    error(at, quoted(name) + " is a group of file-system rights, not a " + std::string(kind_label(kind)),
                          wrong_kind_hint(RightKind::fs, use));
                    return 0;
                }
                if (prefix == "abi") {
                    if (!abi_declared_) {
                        error(at, quoted(name) + " needs the top-level " + quoted(keys_.abi) + " (the ABI the policy is written for)",
                              syntax_ == ConfigSyntax::json
                                  ? "add \"abi\": " + std::to_string(kMaxKnownAbi) + " at the top, or name the rights one by one"
                                  : "add abi = " + std::to_string(kMaxKnownAbi) + " at the top, or name the rights one by one");
                        return 0;
                    }
                    return abi_valid_ ? group_bits(kind, group, abi_) : 0;  // a bad abi was reported once already
                }
                // The older explicit form: "v3.all".
                int abi = 0;
                if (prefix.size() >= 2 && prefix[0] == 'v') {
                    const auto [end, ec] = std::from_chars(prefix.data() + 1, prefix.data() + prefix.size(), abi);
                    if (ec == std::errc{} && end == prefix.data() + prefix.size()) {
                        if (abi >= 1 && abi <= kMaxKnownAbi) return group_bits(kind, group, abi);
                        error(at, quoted(name) + " names Landlock ABI " + std::string(prefix.substr(1)) +
                                      ", which this version does not know (1 to " + std::to_string(kMaxKnownAbi) + ")",
                              "use v1 to v" + std::to_string(kMaxKnownAbi) + "; a newer ABI needs a newer landlock-hooks");
                        return 0;
                    }
                }
            }
        }
        const std::vector<std::string_view> names = names_of(kind);
        std::string hint;
        if (auto close = detail::closest_name(name, names)) {
            hint = "did you mean " + quoted(*close) + "?";
        } else {
            hint = "this version knows rights up to Landlock ABI " + std::to_string(kMaxKnownAbi) + ": " +
                   detail::join_names(names, false) + "; a right from a newer Landlock needs a newer landlock-hooks";
        }
        error(at, "unknown " + std::string(kind_label(kind)) + " " + quoted(name), std::move(hint));
        return 0;
    }

    std::uint64_t rights(const Node& list, const Location& at, RightKind kind, Use use) {
        if (!expect_list(list, at)) return 0;
        std::uint64_t set = 0;
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const Node& item = list.items[i];
            const Location item_at = at.child(i, item.line);
            if (expect(item, Node::Kind::string, item_at)) set |= right(item.text, item_at, kind, use);
        }
        return set;
    }

    ConfigSyntax syntax_;
    const Keys& keys_;
    const Keys& other_keys_;
    std::string_view source_;
    TreeReporter report_;
    const Limits& limits_;

    Policy policy_;
    bool abi_declared_ = false;
    bool abi_valid_ = false;
    int abi_ = 0;
    bool fs_declared_ = false;
    bool net_declared_ = false;
    FsAccess declared_fs_ = 0;
    NetAccess declared_net_ = 0;
};

bool ends_with_ci(std::string_view text, std::string_view suffix) {
    if (text.size() < suffix.size()) return false;
    const std::string_view tail = text.substr(text.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
        return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
    });
}

}  // namespace

ConfigSyntax guess_syntax(std::string_view name, std::string_view text) {
    if (ends_with_ci(name, ".json")) return ConfigSyntax::json;
    if (ends_with_ci(name, ".toml")) return ConfigSyntax::toml;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    // A landlockconfig JSON document is an object; a TOML document cannot start with "{".
    if (first != std::string_view::npos && text[first] == '{') return ConfigSyntax::json;
    return ConfigSyntax::toml;
}

std::optional<Policy> parse_landlockconfig(std::string_view text, ConfigSyntax syntax, std::string_view source,
                                           Diagnostics& diagnostics, const Limits& limits) {
    const std::optional<Node> root = detail::parse_document_tree(text, syntax, source, diagnostics, limits);
    if (!root) return std::nullopt;
    return Walker(syntax, source, diagnostics, limits).walk(*root);
}

}  // namespace llh
