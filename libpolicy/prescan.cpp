#include "libpolicy/prescan.hpp"

#include <vector>

namespace llh::detail {

LineColumn line_column_at(std::string_view text, std::size_t offset) {
    LineColumn at;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++at.line;
            at.column = 1;
        } else {
            ++at.column;
        }
    }
    return at;
}

std::optional<std::size_t> json_too_deep(std::string_view text, std::size_t max_nesting) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_nesting) return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

std::optional<TomlScanResult> toml_scan(std::string_view text, std::size_t max_nesting) {
    enum class Str { none, basic, literal, ml_basic, ml_literal };
    Str str = Str::none;
    bool comment = false;
    std::vector<char> brackets;  // bounded: the scan stops once it exceeds max_nesting
    bool at_key = true;          // at the start of a statement, a header, or an inline-table key
    std::size_t key_dots = 0;
    bool line_ending_backslash = false;  // in a multi-line basic string, skipping whitespace after "\"
    // Inside an unquoted value (a number, date, boolean). toml++ reads such a value ahead up to the
    // next terminator, through any quote, so a string glued to it would reach its whitespace test.
    bool bare_value = false;
    auto starts = [&](std::size_t i, std::string_view what) { return text.substr(i, what.size()) == what; };
    auto ascii = [&](std::size_t i) { return i >= text.size() || static_cast<unsigned char>(text[i]) < 0x80; };
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };

    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (comment) {
            if (c == '\n') {
                comment = false;
                if (brackets.empty()) {
                    at_key = true;
                    key_dots = 0;
                }
            }
            continue;
        }
        switch (str) {
        case Str::basic:
            if (c == '\\') {
                if (!ascii(i + 1)) return TomlScanResult{i + 1, TomlProblem::bad_escape};
                ++i;
            } else if (c == '"' || c == '\n') {
                str = Str::none;
            }
            continue;
        case Str::literal:
            if (c == '\'' || c == '\n') str = Str::none;
            continue;
        case Str::ml_basic:
            if (line_ending_backslash) {
                if (space(c)) continue;
                line_ending_backslash = false;
                if (!ascii(i)) return TomlScanResult{i, TomlProblem::bad_escape};
            }
            if (c == '\\') {
                if (!ascii(i + 1)) return TomlScanResult{i + 1, TomlProblem::bad_escape};
                if (i + 1 < text.size() && space(text[i + 1])) {
                    line_ending_backslash = true;
                    continue;
                }
                ++i;
            } else if (starts(i, "\"\"\"")) {
                str = Str::none;
                i += 2;
            }
            continue;
        case Str::ml_literal:
            if (starts(i, "'''")) {
                str = Str::none;
                i += 2;
            }
            continue;
        case Str::none:
            break;
        }
        if (bare_value && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ']' || c == '}' || c == ',' ||
                           c == '#')) {
            bare_value = false;
        }
        if ((c == '"' || c == '\'') && bare_value) return TomlScanResult{i, TomlProblem::quote_in_value};
        switch (c) {
        case '#':
            comment = true;
            break;
        case '"':
            if (starts(i, "\"\"\"")) {
                str = Str::ml_basic;
                i += 2;
            } else {
                str = Str::basic;
            }
            break;
        case '\'':
            if (starts(i, "'''")) {
                str = Str::ml_literal;
                i += 2;
            } else {
                str = Str::literal;
            }
            break;
        case '[':
        case '{':
            brackets.push_back(c);
            if (c == '{') {
                at_key = true;
                key_dots = 0;
            }
            break;
        case ']':
        case '}':
            if (!brackets.empty()) brackets.pop_back();
            break;
        case ',':
            if (!brackets.empty() && brackets.back() == '{') {
                at_key = true;
                key_dots = 0;
            }
            break;
        case '=':
            if (!at_key) bare_value = true;  // "a = =" is no TOML; keep reading it as a bare run
            at_key = false;
            break;
        case '.':
            if (at_key) {
                ++key_dots;
            } else {
                bare_value = true;
            }
            break;
        case '\n':
            if (brackets.empty()) {
                at_key = true;
                key_dots = 0;
            }
            break;
        default:
            if (!ascii(i)) return TomlScanResult{i, TomlProblem::non_ascii};
            if (!at_key && c != ' ' && c != '\t' && c != '\r') bare_value = true;
            break;
        }
        if (brackets.size() + key_dots > max_nesting) return TomlScanResult{i, TomlProblem::too_deep};
    }
    return std::nullopt;
}

}  // namespace llh::detail
