// Internal to libpolicy: a cheap linear scan of a document before any parser sees it.
// nlohmann/json and toml++ recurse on nesting, and toml++ 3.3 has undefined behaviour on some
// inputs, so what they would mishandle is refused here first.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace llh::detail {

struct LineColumn {
    std::size_t line = 1;
    std::size_t column = 1;
};

// 1-based line and column of a byte offset.
LineColumn line_column_at(std::string_view text, std::size_t offset);

// Offset where JSON nesting first exceeds the limit, if it does.
std::optional<std::size_t> json_too_deep(std::string_view text, std::size_t max_nesting);

enum class TomlProblem { too_deep, non_ascii, bad_escape, quote_in_value };
struct TomlScanResult {
    std::size_t offset;
    TomlProblem problem;
};

// TOML nests through brackets and through dotted keys ("a.b.c = 1", "[a.b.c]"), so both count,
// conservatively: a landlockconfig document needs 4 levels and the limit is far above.
// The scan also refuses what toml++ 3.3 mishandles: its whitespace test reaches
// __builtin_unreachable() (undefined behaviour) for many non-ASCII characters, and it applies that
// test outside strings and after a backslash in multi-line basic strings. Valid TOML has no
// non-ASCII character in either place, nor a quote glued to an unquoted value (where toml++ reads
// ahead into the string), so refusing them loses nothing.
std::optional<TomlScanResult> toml_scan(std::string_view text, std::size_t max_nesting);

}  // namespace llh::detail
