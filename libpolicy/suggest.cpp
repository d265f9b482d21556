#include "libpolicy/suggest.hpp"

#include <algorithm>
#include <vector>

namespace llh::detail {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string normalized(std::string_view word) {
    // Case and "-" vs "_" are the usual slips between camelCase and snake_case spellings.
    std::string out;
    for (char c : word) {
        if (c != '_' && c != '-') out += lower(c);
    }
    return out;
}

}  // namespace

std::optional<std::string_view> closest_name(std::string_view word, std::span<const std::string_view> candidates) {
    // Input words can be long (attacker-supplied); the quadratic distance stays cheap this way.
    if (word.size() > 64) return std::nullopt;
    const std::string w = normalized(word);
    std::optional<std::string_view> best;
    std::size_t best_distance = 0;
    for (std::string_view candidate : candidates) {
        const std::size_t d = edit_distance(w, normalized(candidate));
        if (!best || d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    if (!best) return std::nullopt;
    const std::size_t allowed = std::max<std::size_t>(2, best->size() / 4);
    return best_distance <= allowed ? best : std::nullopt;
}

std::string join_names(std::span<const std::string_view> names, bool quote) {
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty()) out += ", ";
        if (quote) out += '"';
        out += name;
        if (quote) out += '"';
    }
    return out;
}

}  // namespace llh::detail
