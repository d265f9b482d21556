// Where things live, on the host and inside a container. In-container paths sit under /dev
// because every runtime mounts a tmpfs there (runc, crun and podman, --read-only included):
// the runtime can create the bind-mount targets without writing to the image's rootfs.
#pragma once

#include <string>
#include <string_view>

namespace llh {

inline constexpr std::string_view kLaunchDirInContainer = "/dev/.landlock";
inline constexpr std::string_view kLaunchInContainer = "/dev/.landlock/landlock-launch";
inline constexpr std::string_view kPolicyInContainer = "/dev/.landlock/policy.json";

inline constexpr std::string_view kStateDirectory = "/run/landlock-hooks";

inline constexpr std::string_view kRuntimeConf = "/etc/landlock/runtime.conf";

// Bounds on what runtimes and engines hand us (config.json, state, process specs).
inline constexpr std::size_t kMaxConfigBytes = 16U << 20;
inline constexpr std::size_t kMaxStateBytes = 1U << 20;

// The host binaries, found as: the environment (LANDLOCK_LAUNCH, LANDLOCK_OCI_HOOK), a sibling
// of the running executable, the install location.
std::string launcher_host_path();
std::string hook_host_path();

}  // namespace llh
