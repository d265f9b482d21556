#include "systemd/unit_policy.hpp"

#include <cerrno>
#include <charconv>

#include "launch/policy_sources.hpp"
#include "libpolicy/variables.hpp"

namespace llh::sd {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::size_t count_items(std::string_view text) {
    std::size_t count = 0;
    bool in_item = false;
    for (char c : text) {
        if (is_space(c)) {
            in_item = false;
        } else if (!in_item) {
            in_item = true;
            ++count;
        }
    }
    return count;
}

// The rule string parser numbers items across the joined string; this maps its numbers back to
// the assignment that holds the item. The token cannot occur in a unit file (a control byte).
constexpr std::string_view kToken = "\x01unit";

struct ItemSpan {
    std::size_t first_item = 0;  // 1-based number of the assignment's first item in the joined string
    std::size_t items = 0;
    std::string label;           // "FILE:LINE: LandlockPolicy="
};

class Relocator {
public:
    explicit Relocator(std::vector<ItemSpan> spans) : spans_(std::move(spans)) {}

    std::string relocate(const std::string& where) const {
        if (where.compare(0, kToken.size(), kToken) != 0) return where;
        const std::string_view rest = std::string_view(where).substr(kToken.size());
        constexpr std::string_view kItem = ": item ";
        if (rest.substr(0, kItem.size()) == kItem) {
            const std::string_view digits = rest.substr(kItem.size());
            std::size_t number = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
            if (ec == std::errc()) {
                for (const ItemSpan& span : spans_) {
                    if (number >= span.first_item && number < span.first_item + span.items) {
                        return span.label + ": item " + std::to_string(number - span.first_item + 1) +
                               std::string(end, digits.data() + digits.size());
                    }
                }
            }
        }
        // About the whole value: name the first assignment (and how many follow).
        std::string label = spans_.empty() ? std::string("LandlockPolicy=") : spans_.front().label;
        if (spans_.size() > 1) label += " (with " + std::to_string(spans_.size() - 1) + " more assignments)";
        return label + std::string(rest);
    }

private:
    std::vector<ItemSpan> spans_;
};

Result<IncludedFile> load_named(std::string_view name) {
    if (name.empty()) return fail("an empty file name", "write file:NAME or file:/absolute/path");
    if (name.front() == '/') {
        auto text = read_policy_file(std::string(name));
        if (!text) return tl::unexpected(std::move(text.error()));
        return IncludedFile{std::string(name), std::move(*text)};
    }
    if (name.find('/') != std::string_view::npos || name == "." || name == "..") {
        return fail("\"" + std::string(name) + "\" is neither a name in " + kPolicyDirectory + " nor an absolute path",
                    "write file:NAME for " + std::string(kPolicyDirectory) + "/NAME.json, or file:/absolute/path");
    }
    for (const char* extension : {"", ".json", ".toml"}) {
        const std::string path = std::string(kPolicyDirectory) + "/" + std::string(name) + extension;
        auto text = read_policy_file(path);
        if (text) return IncludedFile{path, std::move(*text)};
        if (text.error().errno_value != ENOENT) return tl::unexpected(std::move(text.error()));
    }
    return fail("no policy \"" + std::string(name) + "\" in " + kPolicyDirectory,
                "create " + std::string(kPolicyDirectory) + "/" + std::string(name) + ".json, or give an absolute path");
}

}  // namespace

IncludeLoader unit_include_loader() { return load_named; }

std::optional<Policy> policy_from_labeled(const std::vector<LabeledValue>& values, const IncludeLoader& load,
                                          Diagnostics& diagnostics) {
    std::string joined;
    std::vector<ItemSpan> spans;
    std::size_t next_item = 1;
    for (const LabeledValue& value : values) {
        const std::size_t items = count_items(value.value);
        spans.push_back(ItemSpan{next_item, items, value.label});
        next_item += items;
        if (!joined.empty()) joined += ' ';
        joined += value.value;
    }

    const Relocator relocator(std::move(spans));
    Diagnostics found;
    std::optional<Policy> policy = parse_rule_string(joined, kToken, load, found);
    if (policy && !resolve_variables(*policy, found)) policy.reset();
    for (const Diagnostic& diagnostic : found.all()) {
        if (diagnostic.severity == Severity::error) {
            diagnostics.error(relocator.relocate(diagnostic.where), diagnostic.message, diagnostic.hint);
        } else {
            diagnostics.warning(relocator.relocate(diagnostic.where), diagnostic.message, diagnostic.hint);
        }
    }
    if (!policy) return std::nullopt;
    for (PathRule& rule : policy->paths) rule.origin = relocator.relocate(rule.origin);
    for (PortRule& rule : policy->ports) rule.origin = relocator.relocate(rule.origin);
    for (auto& [right, origin] : policy->handled_origins) origin = relocator.relocate(origin);
    return policy;
}

std::string assignment_label(const Located& assignment) { return assignment.where() + ": " + assignment.key + "="; }

std::optional<Policy> policy_from_assignments(const std::vector<Located>& assignments, const UnitName& unit,
                                              const ManagerContext& manager, const IncludeLoader& load,
                                              Diagnostics& diagnostics) {
    std::vector<LabeledValue> values;
    bool expanded_all = true;
    for (const Located& assignment : assignments) {
        const std::string label = assignment_label(assignment);
        auto value = expand_specifiers(assignment.value, unit, manager);
        if (!value) {
            diagnostics.error(label, value.error().message, value.error().hint);
            expanded_all = false;
            continue;
        }
        values.push_back(LabeledValue{label, std::move(*value)});
    }
    if (!expanded_all) return std::nullopt;
    return policy_from_labeled(values, load, diagnostics);
}

namespace {

// The value of the assignment's first mode: item, if it has one.
std::optional<std::string> mode_item(const Located& assignment) {
    std::size_t i = 0;
    const std::string& text = assignment.value;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        const std::string_view item = std::string_view(text).substr(start, i - start);
        if (item.substr(0, 5) == "mode:") return std::string(item.substr(5));
    }
    return std::nullopt;
}

}  // namespace

std::string written_mode(const std::vector<Located>& assignments) {
    std::string mode;
    for (const Located& assignment : assignments) {
        if (auto value = mode_item(assignment)) mode = *value;
    }
    return mode;
}

Mode written_mode_value(const std::vector<Located>& assignments) {
    const std::string mode = written_mode(assignments);
    if (mode == "native") return Mode::native;
    if (mode == "cgroup") return Mode::cgroup;
    if (mode == "both") return Mode::both;
    return Mode::automatic;
}

const Located& mode_assignment(const std::vector<Located>& assignments) {
    for (const Located& assignment : assignments) {
        if (mode_item(assignment)) return assignment;
    }
    return assignments.front();
}

}  // namespace llh::sd
