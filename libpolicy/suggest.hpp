// Internal to libpolicy: "did you mean …?" for misspelt keys and right names.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace llh::detail {

// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
std::optional<std::string_view> closest_name(std::string_view word, std::span<const std::string_view> candidates);

// "a, b, c" with each candidate in double quotes when `quote` is set.
std::string join_names(std::span<const std::string_view> names, bool quote);

}  // namespace llh::detail
