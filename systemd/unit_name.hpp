// Unit names as systemd.unit(5) defines them: "prefix@instance.type", templates "prefix@.type",
// and the escaping of systemd-escape(1) ("-" for "/", "\xNN" for other bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llh::sd {

struct UnitName {
    std::string full;      // "getty@tty1.service"
    std::string prefix;    // "getty" (the whole name without type when there is no '@')
    std::string instance;  // "tty1" ("" for a template or a plain unit)
    std::string type;      // "service"
    bool is_template = false;  // "getty@.service"
    bool has_instance = false; // "getty@tty1.service"

    // "getty@.service" for an instance or a template; "" otherwise.
    std::string template_name() const;
};

// Parses and validates a unit name (length, characters, one type suffix). nullopt when it is
// not a name systemd would load, which the generator then skips like systemd does.
std::optional<UnitName> parse_unit_name(std::string_view name);

// systemd-escape --unescape: "-" becomes "/", "\xNN" becomes the byte.
std::string unescape_unit_name(std::string_view text);

// unit_name_path_unescape as %f uses it: unescaped, with a leading "/" (and "-" alone is "/").
std::string unescape_unit_path(std::string_view text);

// The names whose "NAME.d" drop-in directories apply to `name`, most specific first, as systemd
// looks them up in each unit directory: the name, its template, then each dashed prefix
// ("foo-bar-.service", "foo-.service" for "foo-bar-baz.service"; with the instance kept for an
// instance, and its template after it), then the type ("service", the top-level drop-in of 246+).
// Where two directories hold a drop-in of the same file name, the earlier one wins.
std::vector<std::string> dropin_names(const UnitName& name);

}  // namespace llh::sd
