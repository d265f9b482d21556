// Where a container's files are, seen from the hook: its root file system as the container sees
// it (through /proc/PID/root), so that cgroup mode resolves the policy's paths in the container,
// never on the host. (Its cgroup: kernel/cgroup_paths.hpp.)
#pragma once

#include <sys/types.h>

#include <string>

#include "libpolicy/result.hpp"

namespace llh {

// The container's root as a path the hook can open: runc runs createRuntime/prestart hooks
// before pivot_root, when /proc/PID/root is still the new mount namespace's "/" and the rootfs is
// at its host path beneath it; crun may run them after, when /proc/PID/root is the rootfs itself.
// Told apart by (st_dev, st_ino) of /proc/PID/root and of `rootfs` as the hook sees it.
// `proc` is "/proc" except in tests.
Result<std::string> container_root_directory(pid_t pid, const std::string& rootfs, const std::string& proc = "/proc");

// The rootfs of a bundle's config.json root.path: absolute, or relative to the bundle.
std::string bundle_rootfs(const std::string& bundle, const std::string& root_path);

}  // namespace llh
