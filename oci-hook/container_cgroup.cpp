#include "oci-hook/container_cgroup.hpp"

#include <sys/stat.h>

#include <cerrno>

namespace llh {

Result<std::string> container_root_directory(pid_t pid, const std::string& rootfs, const std::string& proc) {
    if (pid <= 0) {
        return fail("the OCI state has no pid", "run the hook at createRuntime or prestart, which get the pid");
    }
    if (rootfs.empty() || rootfs.front() != '/') {
        return fail("the container's rootfs \"" + rootfs + "\" is not an absolute path");
    }
    const std::string process_root = proc + "/" + std::to_string(pid) + "/root";
    struct stat seen_by_process {};
    struct stat seen_by_hook {};
    if (::stat(process_root.c_str(), &seen_by_process) != 0) {
        return fail_errno(errno, "cannot stat " + process_root, "is the container's process still there?");
    }
    if (::stat(rootfs.c_str(), &seen_by_hook) != 0) {
        return fail_errno(errno, "cannot stat the container's rootfs " + rootfs);
    }
    // After pivot_root: the process's root is the rootfs itself.
    if (seen_by_process.st_dev == seen_by_hook.st_dev && seen_by_process.st_ino == seen_by_hook.st_ino) {
        return process_root;
    }
    // Before: the rootfs, with the container's mounts on it, at its host path in the process's
    // mount namespace (runc bind-mounts it onto itself there: same device, same inode).
    const std::string beneath = process_root + rootfs;
    struct stat seen_beneath {};
    if (::stat(beneath.c_str(), &seen_beneath) != 0 || seen_beneath.st_dev != seen_by_hook.st_dev ||
        seen_beneath.st_ino != seen_by_hook.st_ino) {
        return fail("cannot find the container's rootfs " + rootfs + " in its mount namespace (" + process_root +
                        " is neither the rootfs nor above it)",
                    "cgroup mode resolves the policy's paths in the container's root; use mode:native with this "
                    "runtime");
    }
    return beneath;
}

std::string bundle_rootfs(const std::string& bundle, const std::string& root_path) {
    if (!root_path.empty() && root_path.front() == '/') return root_path;
    return bundle + "/" + (root_path.empty() ? std::string("rootfs") : root_path);
}

}  // namespace llh
