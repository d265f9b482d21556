#include "oci-hook/paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace llh {
namespace {

// `build_sibling` is where meson puts the binary in a build tree (oci-hook/../launch/), so the
// hooks work uninstalled from a build directory too.
std::string find_binary(const char* env_name, std::string_view name, std::string_view build_sibling,
                        std::string_view installed) {
    if (const char* env = std::getenv(env_name); env != nullptr && *env != '\0') {
        return env;
    }
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto sibling = self.parent_path() / name;
        if (::access(sibling.c_str(), X_OK) == 0) {
            return sibling.string();
        }
        const auto in_build = (self.parent_path() / build_sibling).lexically_normal();
        if (!build_sibling.empty() && ::access(in_build.c_str(), X_OK) == 0) {
            return in_build.string();
        }
    }
    return std::string(installed);
}

}  // namespace

std::string launcher_host_path() {
    return find_binary("LANDLOCK_LAUNCH", "landlock-launch", "../launch/landlock-launch", LLH_LAUNCH_INSTALL_PATH);
}

std::string hook_host_path() {
    return find_binary("LANDLOCK_OCI_HOOK", "landlock-oci-hook", "", LLH_HOOK_INSTALL_PATH);
}

}  // namespace llh
