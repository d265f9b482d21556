// systemd's unit specifiers (systemd.unit(5) "Specifiers") for a LandlockPolicy= value, so that
// "rw:/var/lib/%p ro:%h/.config/%N" means for the policy what it means everywhere else in the unit.
#pragma once

#include <string>
#include <string_view>

#include "libpolicy/result.hpp"
#include "systemd/unit_name.hpp"

namespace llh::sd {

enum class Scope { system, user };

// What specifiers resolve to besides the unit name: the service manager's user and directories.
struct ManagerContext {
    Scope scope = Scope::system;
    std::string user_name = "root";  // %u
    std::string uid = "0";           // %U
    std::string home = "/root";      // %h
    std::string runtime_dir = "/run";    // %t
    std::string state_dir = "/var/lib";  // %S
    std::string cache_dir = "/var/cache";// %C
    std::string log_dir = "/var/log";    // %L
    std::string config_dir = "/etc";     // %E
    std::string temp_dir = "/tmp";       // %T
    std::string var_temp_dir = "/var/tmp";  // %V
};

// The context of the running manager: for Scope::user, $XDG_*_HOME, $XDG_RUNTIME_DIR and $HOME
// with systemd's fallbacks; for Scope::system, the fixed system directories.
ManagerContext current_manager_context(Scope scope);

// Expands every %X of `text` for `unit`. An unknown specifier or a lone '%' at the end is an
// error (systemd refuses such an assignment too), naming the specifier and listing the known ones.
Result<std::string> expand_specifiers(std::string_view text, const UnitName& unit, const ManagerContext& manager);

}  // namespace llh::sd
