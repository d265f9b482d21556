// Internal to libpolicy: one small tree for JSON and TOML documents, so that a single walker
// (landlockconfig.cpp) validates both syntaxes and they cannot drift apart. TOML nodes keep
// their line numbers; JSON locations are JSON pointers and need none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/landlockconfig.hpp"
#include "libpolicy/limits.hpp"

namespace llh::detail {

struct Member;  // an object's key and value; complete below (std::vector allows that)

struct Node {
    enum class Kind { null, boolean, integer, floating, string, array, object, datetime };

    Kind kind = Kind::null;
    bool boolean = false;
    bool negative = false;        // integer: value = negative ? -magnitude : magnitude
    std::uint64_t magnitude = 0;  // integer (JSON integers reach 2^64 - 1)
    double floating = 0;
    std::string text;             // string
    std::vector<Node> items;      // array
    std::vector<Member> members;  // object, in document order
    std::size_t line = 0;         // 1-based (TOML); 0 when unknown (JSON)
};

struct Member {
    std::string key;
    Node value;
};

// "an object"/"a table", "an array", … as the user's syntax calls it.
std::string_view kind_name(Node::Kind kind, ConfigSyntax syntax);

// One step of a location: an object key or an array index.
using Segment = std::variant<std::string, std::size_t>;

// Where a value is, rendered as the user's syntax shows it:
// JSON "SOURCE: /pathBeneath/0/parent/1", TOML "SOURCE:12 (path_beneath[0].parent[1])".
struct Location {
    ConfigSyntax syntax = ConfigSyntax::json;
    std::string_view source;
    std::vector<Segment> path;
    std::size_t line = 0;

    Location child(std::string key, std::size_t child_line) const;
    Location child(std::size_t index, std::size_t child_line) const;
    std::string format() const;
};

// What both walkers of a document tree (landlockconfig and the normalized form) share: errors
// reported at a Location and counted here, because a Diagnostics shared by several documents may
// already hold other documents' errors; and the Limits::max_rules budget, reported once.
class TreeReporter {
public:
    TreeReporter(Diagnostics& diagnostics, const Limits& limits) : diagnostics_(diagnostics), limits_(limits) {}

    void error(const Location& at, std::string message, std::string hint);
    // Takes one rule from the budget; false (and one error at the first rule over) past it.
    bool count_rule(const Location& at);
    std::size_t errors() const { return errors_; }

private:
    Diagnostics& diagnostics_;
    const Limits& limits_;
    std::size_t errors_ = 0;
    std::size_t rule_count_ = 0;
    bool rules_over_ = false;
};

// Checks size, NUL bytes and nesting (before any recursive parser sees the text), then parses.
// Reports every problem found to `diagnostics` and returns nullopt on any error.
std::optional<Node> parse_document_tree(std::string_view text, ConfigSyntax syntax, std::string_view source,
                                        Diagnostics& diagnostics, const Limits& limits);

}  // namespace llh::detail
