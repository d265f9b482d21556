// landlock-systemd-generator NORMAL_DIR [EARLY_DIR LATE_DIR] (systemd.generator(7)).
// Writes NORMAL_DIR/<unit>.d/zz-landlock.conf for each service that sets LandlockPolicy=.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <set>
#include <string>

#include "systemd/generator.hpp"
#include "systemd/search_path.hpp"
#include "systemd/unit_mode.hpp"

#ifndef LLH_LAUNCH_INSTALL_PATH
#define LLH_LAUNCH_INSTALL_PATH "/usr/bin/landlock-launch"
#endif
#ifndef LLH_HELPER_INSTALL_PATH
#define LLH_HELPER_INSTALL_PATH "/usr/libexec/landlock-hooks/landlock-systemd-helper"
#endif

namespace {

using namespace llh::sd;

// $SYSTEMD_SCOPE (systemd 251+) says which manager runs us; older managers only tell by the
// output directory, which is below $XDG_RUNTIME_DIR for a user manager.
Scope detect_scope(const std::string& normal_dir) {
    if (const char* scope = std::getenv("SYSTEMD_SCOPE"); scope != nullptr) {
        return std::strcmp(scope, "user") == 0 ? Scope::user : Scope::system;
    }
    return normal_dir.rfind("/run/systemd/", 0) == 0 ? Scope::system : Scope::user;
}

// For tests and relocated installs: the paths written into drop-ins. Only the manager's own
// environment reaches a generator, so only root (or the user, for their own manager) sets them.
std::string path_setting(const char* variable, const char* fallback) {
    const char* value = std::getenv(variable);
    return value != nullptr && value[0] == '/' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 4) {
        std::fprintf(stderr, "usage: landlock-systemd-generator NORMAL_DIR [EARLY_DIR LATE_DIR]\n");
        return 2;
    }
    try {
        const std::string normal_dir = argv[1];
        std::set<std::string> skip{normal_dir};
        for (int i = 2; i < argc; ++i) skip.insert(argv[i]);
        GeneratorConfig config;
        config.scope = detect_scope(normal_dir);
        config.launcher = path_setting("LANDLOCK_LAUNCH_PATH", LLH_LAUNCH_INSTALL_PATH);
        config.helper = path_setting("LANDLOCK_SYSTEMD_HELPER_PATH", LLH_HELPER_INSTALL_PATH);
        // Asked once, and only when a unit is in mode:auto: the first probe of a boot is a trial
        // load (tens of ms), later ones read its cached answer.
        std::optional<llh::CgroupModeSupport> support;
        config.cgroup_support = [&support, scope = config.scope] {
            if (!support) support = unit_cgroup_mode_support(scope);
            return *support;
        };

        // Generator output directories are written by other generators while we run, and the
        // transient ones by the manager: neither is ours to read.
        SearchPath path = unit_search_path(config.scope, skip);
        std::erase_if(path.directories, [](const std::string& dir) {
            return dir.ends_with("/generator") || dir.ends_with("/generator.early") || dir.ends_with("/generator.late") ||
                   dir.ends_with("/transient");
        });
        const UnitIndex index(std::move(path));
        const GeneratorReport report = run_generator(index, config, normal_dir);
        for (const std::string& error : report.errors) {
            std::fprintf(stderr, "landlock-systemd-generator: %s\n", error.c_str());
        }
        // A refused unit is reported and gets a drop-in that fails it; the other units still
        // load, so the generator itself succeeds.
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "landlock-systemd-generator: internal error: %s\n", error.what());
        return 1;
    }
}
