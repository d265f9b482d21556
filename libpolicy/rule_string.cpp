#include "libpolicy/rule_string.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <vector>

#include "libpolicy/access.hpp"
#include "libpolicy/compose.hpp"
#include "libpolicy/path_check.hpp"
#include "libpolicy/policy_document.hpp"
#include "libpolicy/suggest.hpp"

namespace llh {
namespace {

constexpr std::array<std::string_view, 11> kKinds{"ro",    "rx",   "rw",   "rwx",    "bind", "connect",
                                                  "scope", "file", "mode", "compat", "log"};
constexpr std::array<std::string_view, 4> kModes{"auto", "native", "cgroup", "both"};
constexpr std::array<std::string_view, 2> kCompats{"best-effort", "hard"};
constexpr std::array<std::string_view, 3> kLogs{"off", "on", "children"};
// Both spellings of the socket scope: the rule string's dashes and landlockconfig's underscores.
constexpr std::array<std::string_view, 3> kScopeWords{"signal", "abstract-unix-socket", "abstract_unix_socket"};

// Landlock has no port ranges: every port of a range is one landlock_add_rule() call and one
// entry in the kernel's ruleset. 4096 keeps a single item from ballooning the ruleset while
// covering any realistic service range; a whole ephemeral range is not a sandbox anyway.
constexpr std::uint64_t kMaxPortRange = 4096;

// A short item is shown in full; a huge one (an attacker's annotation) would drown the message.
constexpr std::size_t kMaxShownItem = 100;

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// The item as the user wrote it, safe to print on a terminal.
std::string shown(std::string_view text) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const bool cut = text.size() > kMaxShownItem;
    if (cut) {
        // Cut at a character boundary: origins end up in JSON, which must stay valid UTF-8.
        std::size_t end = kMaxShownItem;
        while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
        text = text.substr(0, end);
    }
    std::string out;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += kDigits[byte >> 4];
            out += kDigits[byte & 0xF];
        } else {
            out += c;
        }
    }
    if (cut) out += "...";
    return out;
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629), if any.
std::optional<std::size_t> invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            code = lead & 0x1FU;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            code = lead & 0x0FU;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            code = lead & 0x07U;
        } else {
            return i;
        }
        if (i + length > text.size()) return i;
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            if ((byte & 0xC0) != 0x80) return i;
            code = (code << 6) | (byte & 0x3FU);
        }
        const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
        if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
    }
    return std::nullopt;
}

// "Did you mean": a word that starts a single candidate ("sig" -> "signal"), else the closest
// by edit distance. A short candidate must also share the first letter: two edits turn
// almost any short word into "ro", and a wrong suggestion is worse than none.
std::optional<std::string_view> suggestion(std::string_view word, std::span<const std::string_view> candidates) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (word.size() >= 2) {
        std::optional<std::string_view> prefixed;
        std::size_t count = 0;
        for (std::string_view candidate : candidates) {
            if (candidate.size() > word.size() && candidate.substr(0, word.size()) == word) {
                prefixed = candidate;
                ++count;
            }
        }
        if (count == 1) return prefixed;
    }
    const auto close = detail::closest_name(word, candidates);
    if (!close || word.empty()) return std::nullopt;
    if (close->size() <= 3 && lower(word.front()) != close->front()) return std::nullopt;
    return close;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> split_items(std::string_view text) {
    std::vector<std::string_view> items;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (i > start) items.push_back(text.substr(start, i - start));
    }
    return items;
}

// Colons as in the kernel's sandboxer (LL_FS_RO=/usr:/lib); commas because some callers only
// have commas (and podman 4 splits annotation values at commas, so docs use colons).
std::vector<std::string_view> split_values(std::string_view rest) {
    std::vector<std::string_view> values;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= rest.size(); ++i) {
        if (i == rest.size() || rest[i] == ':' || rest[i] == ',') {
            values.push_back(rest.substr(start, i - start));
            start = i + 1;
        }
    }
    return values;
}

struct ItemRef {
    std::size_t number = 0;
    std::string_view text;
    std::string where;  // `WHERE: item N "TEXT"`
};

struct OptionSeen {
    std::string value;
    const ItemRef* item = nullptr;
};

class Parser {
public:
    Parser(std::string_view where, const IncludeLoader& load, Diagnostics& diagnostics, const Limits& limits)
        : where_(where), load_(load), diagnostics_(diagnostics), limits_(limits) {}

    std::optional<Policy> parse(std::string_view text) {
        const std::string at(where_);
        if (text.size() > limits_.max_rule_string_bytes) {
            diagnostics_.error(at,
                               "the rule string is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                                   std::to_string(limits_.max_rule_string_bytes),
                               "put a long policy in a policy file and include it with file:NAME");
            return std::nullopt;
        }
        if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
            diagnostics_.error(at, "the rule string holds a NUL byte at byte " + std::to_string(nul),
                               "a rule string is text: remove the NUL byte");
            return std::nullopt;
        }
        // Paths and origins travel on in JSON (the normalized policy), which holds only UTF-8;
        // annotation values are JSON strings already, and unit files are UTF-8 text.
        if (const auto bad = invalid_utf8(text)) {
            diagnostics_.error(at, "the rule string is not valid UTF-8 at byte " + std::to_string(*bad),
                               "write the rule string as UTF-8 text");
            return std::nullopt;
        }
        const std::vector<std::string_view> texts = split_items(text);
        if (texts.empty()) {
            diagnostics_.error(at, "the rule string is empty, so it restricts nothing",
                               "write rules such as \"rx:/usr ro:/etc rw:/tmp\"");
            return std::nullopt;
        }
        items_.reserve(texts.size());  // OptionSeen points into items_: no reallocation after this
        for (std::size_t i = 0; i < texts.size(); ++i) {
            items_.push_back(
                ItemRef{i + 1, texts[i], at + ": item " + std::to_string(i + 1) + " \"" + shown(texts[i]) + "\""});
        }
        for (const ItemRef& item : items_) parse_item(item);

        if (errors_ == 0 && !has_rules_ && !has_includes_) {
            ++errors_;
            diagnostics_.error(at, "the rule string has only options, so it restricts nothing",
                               "add rules such as \"rx:/usr ro:/etc rw:/tmp\", or include a policy with file:NAME");
        }
        if (errors_ != 0) return std::nullopt;
        return assemble();
    }

private:
    void error(const ItemRef& item, std::string message, std::string hint) {
        ++errors_;
        diagnostics_.error(item.where, std::move(message), std::move(hint));
    }

    void parse_item(const ItemRef& item) {
        const std::size_t colon = item.text.find_first_of(":,");
        const std::string_view kind = item.text.substr(0, colon);
        const bool known = std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
        if (!known) {
            std::string hint;
            if (auto close = suggestion(kind, kKinds)) {
                hint = "did you mean " + in_quotes(*close) + "?";
            } else {
                hint = "items are KIND:VALUE, such as rx:/usr or bind:8080; kinds are " +
                       detail::join_names(kKinds, false);
            }
            if (colon == std::string_view::npos) {
                error(item, in_quotes(shown(item.text)) + " is not a KIND:VALUE item", std::move(hint));
            } else {
                error(item, "unknown kind " + in_quotes(shown(kind)), std::move(hint));
            }
            return;
        }
        if (colon != std::string_view::npos && item.text[colon] == ',') {
            error(item, "a comma right after " + in_quotes(kind),
                  "write a colon after the kind: " + std::string(kind) + ":VALUE");
            return;
        }
        const bool rule = kind != "file" && kind != "mode" && kind != "compat" && kind != "log";
        has_rules_ = has_rules_ || rule;
        has_includes_ = has_includes_ || kind == "file";
        const std::string_view rest =
            colon == std::string_view::npos ? std::string_view{} : item.text.substr(colon + 1);
        if (rest.empty()) {
            error(item, in_quotes(kind) + " needs a value", "write " + std::string(kind) + ":" + example_value(kind));
            return;
        }
        const std::vector<std::string_view> values = split_values(rest);
        bool empty_reported = false;
        std::vector<std::string_view> present;
        for (std::string_view value : values) {
            if (!value.empty()) {
                present.push_back(value);
            } else if (!empty_reported) {
                empty_reported = true;
                error(item, "an empty value in the list",
                      "separate values with single colons, as in " + std::string(kind) + ":" + example_value(kind) +
                          ":" + example_value(kind, true));
            }
        }
        if (kind == "ro") return add_paths(item, present, fs::read_file | fs::read_dir);
        if (kind == "rx") return add_paths(item, present, fs::read_file | fs::read_dir | fs::execute);
        if (kind == "rw") return add_paths(item, present, fs_all(kMaxKnownAbi) & ~fs::execute);
        if (kind == "rwx") return add_paths(item, present, fs_all(kMaxKnownAbi));
        if (kind == "bind") return add_ports(item, present, net::bind_tcp);
        if (kind == "connect") return add_ports(item, present, net::connect_tcp);
        if (kind == "scope") return add_scopes(item, present);
        if (kind == "file") return add_includes(item, present);
        add_option(item, kind, present);
    }

    static std::string example_value(std::string_view kind, bool second = false) {
        if (kind == "bind" || kind == "connect") return second ? "8443" : "8080";
        if (kind == "scope") return second ? "abstract-unix-socket" : "signal";
        if (kind == "file") return second ? "db" : "web";
        if (kind == "mode") return "native";
        if (kind == "compat") return "hard";
        if (kind == "log") return "off";
        return second ? "/lib" : "/usr";
    }

    bool count_rule(const ItemRef& item) {
        if (rule_count_ < limits_.max_rules) {
            ++rule_count_;
            return true;
        }
        if (!rules_over_) {
            rules_over_ = true;
            error(item, "more than " + std::to_string(limits_.max_rules) + " rules",
                  "allow a common parent directory or fewer ports, or split the policy");
        }
        return false;
    }

    void add_paths(const ItemRef& item, const std::vector<std::string_view>& paths, FsAccess allowed) {
        for (std::string_view path : paths) {
            if (!check_path(item, path)) continue;
            if (!count_rule(item)) return;
            own_.paths.push_back(PathRule{std::string(path), allowed, item.where});
        }
    }

    bool check_path(const ItemRef& item, std::string_view path) {
        if (path.front() != '/') {
            error(item, "relative path " + in_quotes(shown(path)),
                  "paths are absolute, as the workload sees them: \"/" + shown(path) + "\"");
            return false;
        }
        // (No NUL can be here: the whole string was refused for one.)
        if (auto problem = unusable_path(path, "the path", limits_)) {
            error(item, std::move(problem->message), std::move(problem->hint));
            return false;
        }
        // Policy paths go through resolve_variables() when an included file brings variables;
        // a rule string's path is literal, so what that would expand is refused here.
        if (path.find("${") != std::string_view::npos || path.find("$$") != std::string_view::npos) {
            error(item, "the path " + in_quotes(shown(path)) + R"( holds "${" or "$$")",
                  "rule-string paths are literal; ${variables} exist only in policy files");
            return false;
        }
        return true;
    }

    // One port, or nullopt after reporting why it is not one.
    std::optional<std::uint64_t> port(const ItemRef& item, std::string_view text) {
        const bool digits = text.find_first_not_of("0123456789") == std::string_view::npos;
        std::uint64_t value = 0;
        const auto ec = std::from_chars(text.data(), text.data() + text.size(), value).ec;
        if (text.empty() || !digits || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
            error(item, in_quotes(shown(text)) + " is not a port",
                  "write a port (8080), a range (8000-8099), or none to handle the right without allowing a port");
            return std::nullopt;
        }
        if (ec == std::errc::result_out_of_range || value > 65535) {
            error(item, "port " + std::string(text) + " is out of range", "TCP ports are 1 to 65535");
            return std::nullopt;
        }
        if (value == 0) {
            error(item, "port 0 is not a port a rule can name",
                  "TCP ports are 1 to 65535 (binding port 0 lets the kernel choose one)");
            return std::nullopt;
        }
        return value;
    }

    void add_ports(const ItemRef& item, const std::vector<std::string_view>& values, NetAccess right) {
        const std::string right_name = net_names(right);
        own_.handled_net |= right;
        own_.handled_origins.emplace(right_name, item.where);
        const bool has_none = std::find(values.begin(), values.end(), "none") != values.end();
        if (has_none && values.size() > 1) {
            error(item, "\"none\" cannot be combined with ports",
                  "\"none\" handles " + right_name + " and allows no port; to allow ports, list them without \"none\"");
            return;
        }
        if (has_none) return;
        for (std::string_view value : values) {
            const std::size_t dash = value.find('-');
            if (dash == std::string_view::npos) {
                const auto single = port(item, value);
                if (single && count_rule(item)) own_.ports.push_back(PortRule{*single, right, item.where});
                continue;
            }
            if (dash == 0 || dash + 1 == value.size()) {
                (void)port(item, value);  // "-5", "80-": reported as what they are, not a port
                continue;
            }
            const auto low = port(item, value.substr(0, dash));
            const auto high = port(item, value.substr(dash + 1));
            if (!low || !high) continue;
            if (*low > *high) {
                error(item, "the range " + std::string(value) + " is reversed",
                      "write the lower port first: " + std::to_string(*high) + "-" + std::to_string(*low));
                continue;
            }
            const std::uint64_t size = *high - *low + 1;
            if (size > kMaxPortRange) {
                error(item,
                      "the range " + std::string(value) + " holds " + std::to_string(size) + " ports, more than " +
                          std::to_string(kMaxPortRange),
                      "each port is one Landlock rule: allow only the ports the workload uses, or split the range");
                continue;
            }
            for (std::uint64_t p = *low; p <= *high; ++p) {
                if (!count_rule(item)) return;
                own_.ports.push_back(PortRule{p, right, item.where});
            }
        }
    }

    void add_scopes(const ItemRef& item, const std::vector<std::string_view>& values) {
        for (std::string_view value : values) {
            Scopes bit = 0;
            if (value == "signal") bit = scope::signal;
            if (value == "abstract-unix-socket" || value == "abstract_unix_socket") bit = scope::abstract_unix_socket;
            if (bit == 0) {
                std::string hint;
                if (auto close = suggestion(value, kScopeWords)) {
                    hint = "did you mean " + in_quotes(*close) + "?";
                } else {
                    hint = "scopes are signal and abstract-unix-socket";
                }
                error(item, "unknown scope " + in_quotes(shown(value)), std::move(hint));
                continue;
            }
            own_.scoped |= bit;
            own_.handled_origins.emplace(scope_names(bit), item.where);
        }
    }

    void add_includes(const ItemRef& item, const std::vector<std::string_view>& names) {
        for (std::string_view name : names) {
            Result<IncludedFile> loaded = load_(name);
            if (!loaded) {
                Error failure = std::move(loaded.error());
                std::string hint = std::move(failure.hint);
                failure.hint.clear();
                error(item, failure.what(), std::move(hint));
                continue;
            }
            // The included file's own locations, behind the item that included it.
            Diagnostics inner;
            std::optional<Policy> policy = parse_policy_document(loaded->text, loaded->name, inner, limits_);
            for (const Diagnostic& d : inner.all()) {
                const std::string where = d.where.empty() ? item.where : item.where + ": " + d.where;
                if (d.severity == Severity::error) {
                    ++errors_;
                    diagnostics_.error(where, d.message, d.hint);
                } else {
                    diagnostics_.warning(where, d.message, d.hint);
                }
            }
            if (!policy) continue;
            // Rule origins too, so a launcher's error about an included rule names the item.
            const std::string prefix = item.where + ": ";
            for (PathRule& rule : policy->paths) rule.origin.insert(0, prefix);
            for (PortRule& rule : policy->ports) rule.origin.insert(0, prefix);
            for (auto& [right, origin] : policy->handled_origins) origin.insert(0, prefix);
            includes_.push_back(std::move(*policy));
        }
    }

    void add_option(const ItemRef& item, std::string_view kind, const std::vector<std::string_view>& values) {
        if (values.size() != 1) {
            if (!values.empty()) {
                error(item, std::string(kind) + " takes one value, found " + std::to_string(values.size()),
                      "write one of " + choices(kind));
            }
            return;
        }
        const std::string_view value = values.front();
        const std::span<const std::string_view> known = kind == "mode"     ? std::span<const std::string_view>(kModes)
                                                        : kind == "compat" ? std::span<const std::string_view>(kCompats)
                                                                           : std::span<const std::string_view>(kLogs);
        // "best_effort" is the landlockconfig-style spelling of the same value.
        const std::string_view canonical = (kind == "compat" && value == "best_effort") ? "best-effort" : value;
        if (std::find(known.begin(), known.end(), canonical) == known.end()) {
            std::string hint;
            if (auto close = suggestion(value, known)) {
                hint = "did you mean " + std::string(kind) + ":" + std::string(*close) + "?";
            } else {
                hint = std::string(kind) + " is one of " + choices(kind);
            }
            error(item, "unknown " + std::string(kind) + " " + in_quotes(shown(value)), std::move(hint));
            return;
        }
        OptionSeen& seen = kind == "mode" ? mode_ : kind == "compat" ? compat_ : log_;
        if (seen.item != nullptr && seen.value != canonical) {
            error(item,
                  std::string(kind) + ":" + std::string(canonical) + " contradicts item " +
                      std::to_string(seen.item->number) + " \"" + shown(seen.item->text) + "\"",
                  "give " + std::string(kind) + " once");
            return;
        }
        if (seen.item == nullptr) seen = OptionSeen{std::string(canonical), &item};
    }

    static std::string choices(std::string_view kind) {
        if (kind == "mode") return detail::join_names(kModes, false);
        if (kind == "compat") return detail::join_names(kCompats, false);
        return detail::join_names(kLogs, false);
    }

    void apply_options(Options& options) const {
        if (mode_.item != nullptr) {
            options.mode = mode_.value == "native"   ? Mode::native
                           : mode_.value == "cgroup" ? Mode::cgroup
                           : mode_.value == "both"   ? Mode::both
                                                     : Mode::automatic;
        }
        if (compat_.item != nullptr) options.compat = compat_.value == "hard" ? Compat::hard : Compat::best_effort;
        if (log_.item != nullptr) {
            options.log = log_.value == "off"        ? LogMode::off
                          : log_.value == "children" ? LogMode::children
                                                     : LogMode::on;
        }
    }

    Policy assemble() {
        Policy result;
        std::optional<Policy> included;
        if (!includes_.empty()) {
            included = compose(includes_);
            // compose() intersects handled sets; keep the origins of what is still handled.
            included->handled_origins.clear();
            for (const Policy& policy : includes_) {
                for (const auto& [right, origin] : policy.handled_origins) {
                    const bool still =
                        (net_right_by_name(right) && (included->handled_net & *net_right_by_name(right))) ||
                        (scope_by_name(right) && (included->scoped & *scope_by_name(right)));
                    if (still) included->handled_origins.emplace(right, origin);
                }
            }
        }
        if (has_rules_) {
            // Every file-system right is handled: what is not allowed is denied. abi 0 lets compat
            // drop the rights this kernel does not know without calling that a downgrade.
            result = std::move(own_);
            result.abi = 0;
            result.handled_fs = fs_all(kMaxKnownAbi);
            if (included) {
                const auto own_origins = result.handled_origins;
                merge_into(result, *included);
                result.handled_origins = own_origins;
                for (const auto& entry : included->handled_origins) result.handled_origins.insert(entry);
            }
        } else {
            result = std::move(*included);
        }
        // The string's own options are the user's last word over what the included files say.
        apply_options(result.options);
        return result;
    }

    std::string_view where_;
    const IncludeLoader& load_;
    Diagnostics& diagnostics_;
    const Limits& limits_;

    std::vector<ItemRef> items_;
    Policy own_;
    std::vector<Policy> includes_;
    OptionSeen mode_, compat_, log_;
    bool has_rules_ = false;
    bool has_includes_ = false;
    std::size_t errors_ = 0;
    std::size_t rule_count_ = 0;
    bool rules_over_ = false;
};

}  // namespace

std::optional<Policy> parse_rule_string(std::string_view text, std::string_view where, const IncludeLoader& load,
                                        Diagnostics& diagnostics, const Limits& limits) {
    return Parser(where, load, diagnostics, limits).parse(text);
}

}  // namespace llh
