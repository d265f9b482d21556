// landlock-systemd-guard [--user] UNIT: the first step of the guard (service.d/landlock-guard.conf),
// which runs before every service the generator has not handled. Almost all of those set no
// LandlockPolicy=, so this step is static (no dynamic linking), asks nothing of the service
// manager and writes nothing: it reads the unit's files from the unit path, as the generator
// does, and exits 0 when none of them sets LandlockPolicy=. Otherwise, or when it cannot tell
// (a file it cannot read, an alias whose drop-ins systemd also loads), it execs
// "landlock-systemd-helper --guard", found next to it, which asks the manager what it loaded
// and refuses the start with the reason.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "systemd/search_path.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/unit_name.hpp"
#include "systemd/unit_settings.hpp"

namespace {

using namespace llh::sd;

// Does any file systemd may load for `unit` set LandlockPolicy=? nullopt: cannot tell.
std::optional<bool> sets_policy(Scope scope, const std::string& unit) {
    const auto name = parse_unit_name(unit);
    if (!name || name->type != "service" || name->is_template) return std::nullopt;
    const UnitIndex index(unit_search_path(scope));
    if (index.has_aliases(*name)) return std::nullopt;
    std::vector<std::string> paths;
    if (const auto fragment = index.fragment(*name); fragment && !fragment->masked) paths.push_back(fragment->path);
    for (const std::string& dropin : index.dropins(*name)) paths.push_back(dropin);
    std::vector<UnitFile> files;
    for (const std::string& path : paths) {
        auto file = read_unit_file(path);
        if (!file) return std::nullopt;
        files.push_back(std::move(*file));
    }
    return merge_settings(files).sets_policy();
}

std::string helper_path() {
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return {};
    std::string path(self, static_cast<std::size_t>(n));
    return path.substr(0, path.rfind('/') + 1) + "landlock-systemd-helper";
}

}  // namespace

int main(int argc, char** argv) {
    Scope scope = Scope::system;
    std::string unit;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--user") {
            scope = Scope::user;
        } else if (unit.empty() && !arg.empty() && arg[0] != '-') {
            unit = arg;
        } else {
            std::fprintf(stderr, "usage: landlock-systemd-guard [--user] UNIT\n");
            return 2;
        }
    }
    if (unit.empty()) {
        std::fprintf(stderr, "usage: landlock-systemd-guard [--user] UNIT\n");
        return 2;
    }
    try {
        if (sets_policy(scope, unit) == false) return 0;
    } catch (const std::exception&) {
        // cannot tell: the helper decides
    }
    const std::string helper = helper_path();
    std::vector<char*> args{helper.empty() ? nullptr : const_cast<char*>(helper.c_str())};
    if (scope == Scope::user) args.push_back(const_cast<char*>("--user"));
    args.push_back(const_cast<char*>("--guard"));
    args.push_back(unit.data());
    args.push_back(nullptr);
    if (!helper.empty()) ::execv(helper.c_str(), args.data());
    // Fail closed: a unit that may set LandlockPolicy= is not started unverified.
    std::fprintf(stderr, "landlock-systemd-guard: %s: error: cannot run %s to verify the Landlock sandbox: %s\n",
                 unit.c_str(), helper.c_str(), std::strerror(errno));
    return 1;
}
