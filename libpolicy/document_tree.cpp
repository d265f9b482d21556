#include "libpolicy/document_tree.hpp"

#include "libpolicy/prescan.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_set>

#include <nlohmann/json.hpp>

// toml++ 3.3 asserts, on attacker-supplied input, that a table header starts with a key
// character ("[$x]" aborts the process), and in NDEBUG builds turns that assert into an
// optimizer assumption, which is undefined behaviour. With its asserts off, its own check a
// few lines further reports the error properly. This file is the only user of toml++.
#ifdef NDEBUG
#define LLH_TOML_HAD_NDEBUG
#undef NDEBUG
#endif
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>
#ifdef LLH_TOML_HAD_NDEBUG
#define NDEBUG
#undef LLH_TOML_HAD_NDEBUG
#endif

namespace llh::detail {
namespace {

// ---------- locations ----------

std::string json_pointer_token(const std::string& key) {
    std::string out;  // RFC 6901: "~" -> "~0", "/" -> "~1"
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

bool is_bare_toml_key(const std::string& key) {
    if (key.empty()) return false;
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// ---------- JSON: a SAX handler builds the tree, so duplicate keys can be reported ----------

class JsonBuilder {
public:
    using json = nlohmann::json;

    JsonBuilder(std::string_view source, Diagnostics& diagnostics, std::size_t max_nesting)
        : source_(source), diagnostics_(diagnostics), max_nesting_(max_nesting) {}

    bool null() { return add(Node{}); }
    bool boolean(bool value) {
        Node node;
        node.kind = Node::Kind::boolean;
        node.boolean = value;
        return add(std::move(node));
    }
    bool number_integer(json::number_integer_t value) {
        Node node;
        node.kind = Node::Kind::integer;
        node.negative = value < 0;
        // Negating INT64_MIN overflows; go through unsigned arithmetic instead.
        node.magnitude = value < 0 ? (~static_cast<std::uint64_t>(value) + 1) : static_cast<std::uint64_t>(value);
        return add(std::move(node));
    }
    bool number_unsigned(json::number_unsigned_t value) {
        Node node;
        node.kind = Node::Kind::integer;
        node.magnitude = value;
        return add(std::move(node));
    }
    bool number_float(json::number_float_t value, const std::string& /*text*/) {
        Node node;
        node.kind = Node::Kind::floating;
        node.floating = value;
        return add(std::move(node));
    }
    bool string(std::string& value) {
        Node node;
        node.kind = Node::Kind::string;
        node.text = std::move(value);
        return add(std::move(node));
    }
    bool binary(json::binary_t& /*value*/) { return false; }  // not produced by the JSON reader
    bool start_object(std::size_t /*size*/) { return open(Node::Kind::object); }
    bool key(std::string& key) {
        Frame& frame = frames_.back();
        if (!frame.keys.insert(key).second) {
            Location where = location();
            where.path.emplace_back(key);
            diagnostics_.error(where.format(), "duplicate key \"" + key + "\"",
                               "JSON keeps only one of them: write each key once");
            failed_ = true;
        }
        frame.pending_key = std::move(key);
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t /*size*/) { return open(Node::Kind::array); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& ex) {
        // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error …".
        std::string what = ex.what();
        std::size_t line = 0;
        std::size_t column = 0;
        const std::size_t at = what.find("parse error at line ");
        std::string message = what;
        if (at != std::string::npos &&
            std::sscanf(what.c_str() + at, "parse error at line %zu, column %zu", &line, &column) == 2) {
            const std::size_t colon = what.find(": ", at);
            message = colon == std::string::npos ? what.substr(at) : what.substr(colon + 2);
        } else {
            line = 0;
            column = position;
        }
        std::string where = std::string(source_);
        if (line != 0) where += ":" + std::to_string(line) + ":" + std::to_string(column);
        diagnostics_.error(where, "malformed JSON: " + message, "check the brackets, commas and quotes around this point");
        failed_ = true;
        return false;
    }

    bool failed() const { return failed_; }
    std::optional<Node> take() {
        if (failed_ || !root_) return std::nullopt;
        return std::move(*root_);
    }

private:
    struct Frame {
        Node* node;
        std::string pending_key;
        std::unordered_set<std::string> keys;
        std::size_t index = 0;
    };

    Location location() const {
        Location where{ConfigSyntax::json, source_, {}, 0};
        for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
            const Frame& frame = frames_[i];
            if (frame.node->kind == Node::Kind::object) {
                where.path.emplace_back(frame.pending_key);
            } else {
                where.path.emplace_back(frame.node->items.size() - 1);
            }
        }
        return where;
    }

    Node* place(Node&& node) {
        if (frames_.empty()) {
            root_ = std::make_unique<Node>(std::move(node));
            return root_.get();
        }
        Frame& frame = frames_.back();
        if (frame.node->kind == Node::Kind::array) {
            frame.node->items.push_back(std::move(node));
            return &frame.node->items.back();
        }
        frame.node->members.push_back(Member{frame.pending_key, std::move(node)});  // key kept for locations
        return &frame.node->members.back().value;
    }

    bool add(Node&& node) {
        place(std::move(node));
        return true;
    }

    bool open(Node::Kind kind) {
        if (frames_.size() >= max_nesting_) {  // the pre-scan already refused this; stay bounded anyway
            diagnostics_.error(std::string(source_), "nesting deeper than " + std::to_string(max_nesting_) + " levels",
                               "a landlockconfig document needs 4 levels");
            failed_ = true;
            return false;
        }
        Node node;
        node.kind = kind;
        frames_.push_back(Frame{place(std::move(node)), {}, {}, 0});
        return true;
    }

    bool close() {
        frames_.pop_back();
        return true;
    }

    std::string_view source_;
    Diagnostics& diagnostics_;
    std::size_t max_nesting_;
    std::unique_ptr<Node> root_;
    std::vector<Frame> frames_;
    bool failed_ = false;
};

std::optional<Node> parse_json_tree(std::string_view text, std::string_view source, Diagnostics& diagnostics,
                                    const Limits& limits) {
    JsonBuilder builder(source, diagnostics, limits.max_nesting);
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    nlohmann::json::sax_parse(begin, end, &builder, nlohmann::json::input_format_t::json, true);
    return builder.take();
}

// ---------- TOML: toml++ parses, the tree keeps every value's line ----------

std::optional<Node> convert_toml(const toml::node& value, std::size_t depth, std::size_t max_nesting) {
    if (depth > max_nesting) return std::nullopt;  // the pre-scan already refused this
    Node node;
    node.line = value.source().begin.line;
    switch (value.type()) {
    case toml::node_type::table:
        node.kind = Node::Kind::object;
        for (auto&& [key, child] : *value.as_table()) {
            auto converted = convert_toml(child, depth + 1, max_nesting);
            if (!converted) return std::nullopt;
            if (converted->line == 0) converted->line = key.source().begin.line;
            node.members.push_back(Member{std::string(key.str()), std::move(*converted)});
        }
        break;
    case toml::node_type::array:
        node.kind = Node::Kind::array;
        for (const toml::node& child : *value.as_array()) {
            auto converted = convert_toml(child, depth + 1, max_nesting);
            if (!converted) return std::nullopt;
            node.items.push_back(std::move(*converted));
        }
        break;
    case toml::node_type::string:
        node.kind = Node::Kind::string;
        node.text = value.as_string()->get();
        break;
    case toml::node_type::integer: {
        const std::int64_t v = value.as_integer()->get();
        node.kind = Node::Kind::integer;
        node.negative = v < 0;
        node.magnitude = v < 0 ? (~static_cast<std::uint64_t>(v) + 1) : static_cast<std::uint64_t>(v);
        break;
    }
    case toml::node_type::floating_point:
        node.kind = Node::Kind::floating;
        node.floating = value.as_floating_point()->get();
        break;
    case toml::node_type::boolean:
        node.kind = Node::Kind::boolean;
        node.boolean = value.as_boolean()->get();
        break;
    default:
        node.kind = Node::Kind::datetime;
        break;
    }
    return node;
}

std::optional<Node> parse_toml_tree(std::string_view text, std::string_view source, Diagnostics& diagnostics,
                                    const Limits& limits) {
    toml::parse_result result = toml::parse(text, source);
    if (!result) {
        const toml::parse_error& error = result.error();
        const auto& begin = error.source().begin;
        diagnostics.error(std::string(source) + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column),
                          "malformed TOML: " + std::string(error.description()),
                          "check the quotes, brackets and \"key = value\" syntax around this point");
        return std::nullopt;
    }
    auto tree = convert_toml(result.table(), 1, limits.max_nesting);
    if (!tree) {
        diagnostics.error(std::string(source), "nesting deeper than " + std::to_string(limits.max_nesting) + " levels",
                          "a landlockconfig document needs 4 levels");
        return std::nullopt;
    }
    tree->line = 0;  // the root table has no line of its own
    return tree;
}

}  // namespace

std::string_view kind_name(Node::Kind kind, ConfigSyntax syntax) {
    switch (kind) {
    case Node::Kind::null:
        return "null";
    case Node::Kind::boolean:
        return "a boolean";
    case Node::Kind::integer:
        return "an integer";
    case Node::Kind::floating:
        return "a floating-point number";
    case Node::Kind::string:
        return "a string";
    case Node::Kind::array:
        return "an array";
    case Node::Kind::object:
        return syntax == ConfigSyntax::json ? "an object" : "a table";
    case Node::Kind::datetime:
        return "a date or time";
    }
    return "a value";
}

Location Location::child(std::string key, std::size_t child_line) const {
    Location out = *this;
    out.path.emplace_back(std::move(key));
    if (child_line != 0) out.line = child_line;
    return out;
}

Location Location::child(std::size_t index, std::size_t child_line) const {
    Location out = *this;
    out.path.emplace_back(index);
    if (child_line != 0) out.line = child_line;
    return out;
}

std::string Location::format() const {
    std::string out(source);
    if (syntax == ConfigSyntax::json) {
        if (path.empty()) return out;
        out += ": ";
        for (const Segment& segment : path) {
            out += '/';
            if (const auto* key = std::get_if<std::string>(&segment)) {
                out += json_pointer_token(*key);
            } else {
                out += std::to_string(std::get<std::size_t>(segment));
            }
        }
        return out;
    }
    if (line != 0) out += ":" + std::to_string(line);
    if (path.empty()) return out;
    out += " (";
    bool first = true;
    for (const Segment& segment : path) {
        if (const auto* key = std::get_if<std::string>(&segment)) {
            if (!first) out += '.';
            out += is_bare_toml_key(*key) ? *key : "\"" + *key + "\"";
        } else {
            out += "[" + std::to_string(std::get<std::size_t>(segment)) + "]";
        }
        first = false;
    }
    out += ")";
    return out;
}

std::optional<Node> parse_document_tree(std::string_view text, ConfigSyntax syntax, std::string_view source,
                                        Diagnostics& diagnostics, const Limits& limits) {
    const std::string where(source);
    if (text.size() > limits.max_document_bytes) {
        diagnostics.error(where,
                          "the document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                              std::to_string(limits.max_document_bytes),
                          "a policy is a few kilobytes of text: check that this is the right file");
        return std::nullopt;
    }
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
        const LineColumn at = line_column_at(text, nul);
        diagnostics.error(where + ":" + std::to_string(at.line) + ":" + std::to_string(at.column),
                          "a NUL byte: this is a binary file, not a policy",
                          "a policy is UTF-8 text in JSON or TOML");
        return std::nullopt;
    }
    auto at_offset = [&](std::size_t offset) {
        const LineColumn at = line_column_at(text, offset);
        return where + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    };
    const std::string too_deep_message = "nesting deeper than " + std::to_string(limits.max_nesting) + " levels";
    const std::string too_deep_hint = "a landlockconfig document needs 4 levels";
    if (syntax == ConfigSyntax::json) {
        if (const auto offset = json_too_deep(text, limits.max_nesting)) {
            diagnostics.error(at_offset(*offset), too_deep_message, too_deep_hint);
            return std::nullopt;
        }
    } else if (const auto problem = toml_scan(text, limits.max_nesting)) {
        switch (problem->problem) {
        case TomlProblem::too_deep:
            diagnostics.error(at_offset(problem->offset), too_deep_message, too_deep_hint);
            break;
        case TomlProblem::non_ascii:
            diagnostics.error(at_offset(problem->offset), "malformed TOML: a non-ASCII character outside a string",
                              "keys and values other than strings are ASCII: quote the text");
            break;
        case TomlProblem::quote_in_value:
            diagnostics.error(at_offset(problem->offset), "malformed TOML: a quote right after an unquoted value",
                              "separate values with a comma, or quote the whole value");
            break;
        case TomlProblem::bad_escape:
            diagnostics.error(at_offset(problem->offset), "malformed TOML: a non-ASCII character after a backslash",
                              "escape sequences are \\\\, \\\", \\n, \\t, \\uXXXX and the like");
            break;
        }
        return std::nullopt;
    }
    return syntax == ConfigSyntax::json ? parse_json_tree(text, source, diagnostics, limits)
                                        : parse_toml_tree(text, source, diagnostics, limits);
}

void TreeReporter::error(const Location& at, std::string message, std::string hint) {
    ++errors_;
    diagnostics_.error(at.format(), std::move(message), std::move(hint));
}

bool TreeReporter::count_rule(const Location& at) {
    if (rule_count_ < limits_.max_rules) {
        ++rule_count_;
        return true;
    }
    if (!rules_over_) {
        rules_over_ = true;
        error(at, "more than " + std::to_string(limits_.max_rules) + " rules",
              "allow a common parent directory instead of many paths, or split the policy");
    }
    return false;
}

}  // namespace llh::detail
