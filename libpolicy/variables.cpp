#include "libpolicy/variables.hpp"

#include <string>
#include <variant>
#include <vector>

#include "libpolicy/path_check.hpp"

namespace llh {
namespace {

// A path template: literal text and variable names, "$$" already unescaped.
using Token = std::variant<std::string, std::string>;  // index 0: text, index 1: variable name
struct Template {
    std::vector<Token> tokens;
};

bool valid_name(std::string_view name) {
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (name.empty() || !letter(name.front())) return false;
    for (char c : name) {
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
    }
    return true;
}

void add_text(Template& out, std::string_view text) {
    if (text.empty()) return;
    if (!out.tokens.empty() && out.tokens.back().index() == 0) {
        std::get<0>(out.tokens.back()) += text;
    } else {
        out.tokens.emplace_back(std::in_place_index<0>, std::string(text));
    }
}

struct TemplateError {
    std::string message;
};

// "${name}" is a reference, "$$" a dollar sign, any other "$" is kept as written (as upstream).
std::variant<Template, TemplateError> parse_template(std::string_view path) {
    Template out;
    std::size_t text_start = 0;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '$' || i + 1 >= path.size()) continue;
        if (path[i + 1] == '$') {
            add_text(out, path.substr(text_start, i + 1 - text_start));
            text_start = i + 2;
            ++i;
        } else if (path[i + 1] == '{') {
            const std::size_t close = path.find('}', i + 2);
            if (close == std::string_view::npos) {
                return TemplateError{"unclosed variable reference at byte " + std::to_string(i)};
            }
            const std::string_view name = path.substr(i + 2, close - i - 2);
            if (!valid_name(name)) {
                return TemplateError{"invalid variable name \"" + std::string(name) + "\" at byte " + std::to_string(i)};
            }
            add_text(out, path.substr(text_start, i - text_start));
            out.tokens.emplace_back(std::in_place_index<1>, std::string(name));
            text_start = close + 1;
            i = close;
        }
    }
    add_text(out, path.substr(text_start));
    return out;
}

bool check_expanded(const std::string& path, const PathRule& rule, Diagnostics& diagnostics, const Limits& limits) {
    const std::string from = path == rule.path ? "" : " (from \"" + rule.path + "\")";
    if (path.empty() || path.front() != '/') {
        diagnostics.error(rule.origin, "relative path \"" + path + "\"" + from,
                          "paths are absolute, as the workload sees them: give the variable absolute values");
        return false;
    }
    if (auto problem = unusable_path(path, "the path" + from, limits)) {
        diagnostics.error(rule.origin, std::move(problem->message), std::move(problem->hint));
        return false;
    }
    return true;
}

}  // namespace

bool resolve_variables(Policy& policy, Diagnostics& diagnostics, const Limits& limits) {
    bool ok = true;
    std::vector<PathRule> expanded;
    std::size_t total = policy.ports.size();
    bool over_limit = false;

    for (const PathRule& rule : policy.paths) {
        auto parsed = parse_template(rule.path);
        if (auto* bad = std::get_if<TemplateError>(&parsed)) {
            diagnostics.error(rule.origin, bad->message + " in \"" + rule.path + "\"",
                              "write ${name} with an ASCII letter then letters, digits or _; write $$ for a dollar sign");
            ok = false;
            continue;
        }
        const Template& tmpl = std::get<Template>(parsed);

        // Every referenced variable's values, in token order; the rule is their cartesian product.
        std::vector<const std::vector<std::string>*> values(tmpl.tokens.size(), nullptr);
        bool known = true;
        bool empty = false;
        bool exceeds = false;
        std::size_t count = 1;
        for (std::size_t i = 0; i < tmpl.tokens.size(); ++i) {
            if (tmpl.tokens[i].index() != 1) continue;
            const std::string& name = std::get<1>(tmpl.tokens[i]);
            const auto found = policy.variables.find(name);
            if (found == policy.variables.end()) {
                diagnostics.error(rule.origin, "unknown variable \"" + name + "\" in \"" + rule.path + "\"",
                                  "define it in a variable entry with its literal values, or write $$ for a dollar sign");
                known = false;
                continue;
            }
            values[i] = &found->second;
            if (found->second.empty()) {
                diagnostics.warning(rule.origin, "variable \"" + name + "\" has no values: \"" + rule.path +
                                                     "\" expands to no path",
                                    "give the variable literal values, or remove the rule");
                empty = true;
            } else if (count > limits.max_rules / found->second.size()) {
                exceeds = true;  // checked before multiplying: a crafted policy must not overflow the count
            } else {
                count *= found->second.size();
            }
        }
        if (!known) {
            ok = false;
            continue;
        }
        if (empty) continue;
        if (exceeds || total > limits.max_rules || count > limits.max_rules - total) {
            if (!over_limit) {
                diagnostics.error(rule.origin,
                                  "\"" + rule.path + "\" makes the policy expand to more than " +
                                      std::to_string(limits.max_rules) + " rules",
                                  "use fewer variable values, or a common parent directory");
                over_limit = true;
            }
            ok = false;
            continue;
        }
        total += count;

        // Odometer over the variables' values: the first token varies slowest, as upstream orders them.
        std::vector<std::size_t> index(tmpl.tokens.size(), 0);
        for (bool done = false; !done;) {
            std::string path;
            for (std::size_t i = 0; i < tmpl.tokens.size(); ++i) {
                path += tmpl.tokens[i].index() == 0 ? std::get<0>(tmpl.tokens[i]) : (*values[i])[index[i]];
            }
            if (check_expanded(path, rule, diagnostics, limits)) {
                expanded.push_back(PathRule{std::move(path), rule.allowed, rule.origin});
            } else {
                ok = false;
            }
            done = true;
            for (std::size_t i = tmpl.tokens.size(); i-- > 0;) {
                if (values[i] == nullptr) continue;
                if (++index[i] < values[i]->size()) {
                    done = false;
                    break;
                }
                index[i] = 0;
            }
        }
    }
    if (!ok) return false;
    policy.paths = std::move(expanded);
    policy.variables.clear();
    return true;
}

}  // namespace llh
