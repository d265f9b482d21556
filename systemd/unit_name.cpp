#include "systemd/unit_name.hpp"

#include <algorithm>
#include <cctype>

namespace llh::sd {
namespace {

constexpr std::size_t kUnitNameMax = 255;  // systemd's UNIT_NAME_MAX

bool valid_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '-' || c == '_' || c == '.' ||
           c == '\\';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string UnitName::template_name() const {
    if (!is_template && !has_instance) return {};
    return prefix + "@." + type;
}

std::optional<UnitName> parse_unit_name(std::string_view name) {
    if (name.empty() || name.size() > kUnitNameMax) return std::nullopt;
    const std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
    UnitName out;
    out.full = std::string(name);
    out.type = std::string(name.substr(dot + 1));
    if (!std::all_of(out.type.begin(), out.type.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    const std::string_view stem = name.substr(0, dot);
    const std::size_t at = stem.find('@');
    if (at == std::string_view::npos) {
        out.prefix = std::string(stem);
    } else {
        if (at == 0 || stem.find('@', at + 1) != std::string_view::npos) return std::nullopt;
        out.prefix = std::string(stem.substr(0, at));
        out.instance = std::string(stem.substr(at + 1));
        out.is_template = out.instance.empty();
        out.has_instance = !out.instance.empty();
    }
    if (!std::all_of(out.prefix.begin(), out.prefix.end(), valid_char)) return std::nullopt;
    // Instances may hold '@' and other bytes that systemd allows there.
    if (!std::all_of(out.instance.begin(), out.instance.end(), [](char c) { return valid_char(c) || c == '@'; })) {
        return std::nullopt;
    }
    return out;
}

std::string unescape_unit_name(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '-') {
            out += '/';
        } else if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' && hex_value(text[i + 2]) >= 0 &&
                   hex_value(text[i + 3]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 2]) * 16 + hex_value(text[i + 3]));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string unescape_unit_path(std::string_view text) {
    if (text == "-") return "/";
    std::string out = unescape_unit_name(text);
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    return out;
}

std::vector<std::string> dropin_names(const UnitName& name) {
    std::vector<std::string> names;
    const std::string suffix = (name.has_instance ? "@" + name.instance : std::string()) + "." + name.type;
    names.push_back(name.full);
    if (name.has_instance) names.push_back(name.template_name());
    // Walk up the dashes of the prefix. A prefix that itself ends in a dash ("foo-.service")
    // drops that dash once first, so that "foo-.service" leads on to nothing shorter than "foo".
    std::string prefix = name.prefix;
    if (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
    for (;;) {
        const std::size_t dash = prefix.rfind('-');
        if (dash == std::string::npos || dash == 0) break;
        prefix.resize(dash + 1);
        names.push_back(prefix + suffix);
        if (name.has_instance) names.push_back(prefix + "@." + name.type);
        prefix.pop_back();
    }
    names.push_back(name.type);
    return names;
}

}  // namespace llh::sd
