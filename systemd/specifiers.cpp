#include "systemd/specifiers.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace llh::sd {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    // systemd ignores relative XDG directories, as the XDG Base Directory spec says to.
    if (value == nullptr || value[0] != '/') return fallback;
    return value;
}

// %P and %I unescape; %f is the unescaped instance (or prefix) as a path.
std::string file_specifier(const UnitName& unit) {
    return unescape_unit_path(unit.has_instance ? unit.instance : unit.prefix);
}

// %j: the part of the prefix after its last dash (all of it without a dash).
std::string last_dash_component(const std::string& prefix) {
    const std::size_t dash = prefix.rfind('-');
    return dash == std::string::npos ? prefix : prefix.substr(dash + 1);
}

constexpr std::string_view kKnown = "%n %N %p %P %i %I %j %J %f %u %U %h %t %S %C %L %E %T %V %%";

}  // namespace

ManagerContext current_manager_context(Scope scope) {
    ManagerContext context;
    context.scope = scope;
    if (scope == Scope::system) return context;

    const uid_t uid = ::getuid();
    context.uid = std::to_string(uid);
    std::string name = context.uid;
    std::string home = "/";
    // getpwuid_r with a fixed buffer: no NSS module needs more for one entry.
    std::vector<char> buffer(16384);
    struct passwd entry {};
    struct passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        name = found->pw_name;
        home = found->pw_dir;
    }
    context.user_name = name;
    context.home = env_or("HOME", home);
    context.runtime_dir = env_or("XDG_RUNTIME_DIR", "/run/user/" + context.uid);
    context.config_dir = env_or("XDG_CONFIG_HOME", context.home + "/.config");
    // systemd 252 (systemd.unit(5)): a user manager's %S is $XDG_CONFIG_HOME and %L is
    // $XDG_CONFIG_HOME/log; later releases moved both to $XDG_STATE_HOME. We follow the
    // manager we ship for, so that the policy names the directories StateDirectory= creates.
    context.state_dir = context.config_dir;
    context.cache_dir = env_or("XDG_CACHE_HOME", context.home + "/.cache");
    context.log_dir = context.config_dir + "/log";
    context.temp_dir = env_or("TMPDIR", "/tmp");
    context.var_temp_dir = env_or("TMPDIR", "/var/tmp");
    return context;
}

Result<std::string> expand_specifiers(std::string_view text, const UnitName& unit, const ManagerContext& manager) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 1 == text.size()) {
            return fail("a lone \"%\" at the end", "write \"%%\" for a percent sign");
        }
        const char c = text[++i];
        switch (c) {
            case '%': out += '%'; break;
            case 'n': out += unit.full; break;
            case 'N': out += unit.full.substr(0, unit.full.size() - unit.type.size() - 1); break;
            case 'p': out += unit.prefix; break;
            case 'P': out += unescape_unit_name(unit.prefix); break;
            case 'i': out += unit.instance; break;
            case 'I': out += unescape_unit_name(unit.instance); break;
            case 'j': out += last_dash_component(unit.prefix); break;
            case 'J': out += unescape_unit_name(last_dash_component(unit.prefix)); break;
            case 'f': out += file_specifier(unit); break;
            case 'u': out += manager.user_name; break;
            case 'U': out += manager.uid; break;
            case 'h': out += manager.home; break;
            case 't': out += manager.runtime_dir; break;
            case 'S': out += manager.state_dir; break;
            case 'C': out += manager.cache_dir; break;
            case 'L': out += manager.log_dir; break;
            case 'E': out += manager.config_dir; break;
            case 'T': out += manager.temp_dir; break;
            case 'V': out += manager.var_temp_dir; break;
            default:
                return fail("unknown specifier \"%" + std::string(1, c) + "\"",
                            "LandlockPolicy= knows " + std::string(kKnown) + "; write \"%%\" for a percent sign");
        }
    }
    return out;
}

}  // namespace llh::sd
