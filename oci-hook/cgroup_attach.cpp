#include "oci-hook/cgroup_attach.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "kernel/cgroup_enforcer.hpp"
#include "kernel/cgroup_paths.hpp"
#include "libpolicy/access.hpp"
#include "oci-hook/container_cgroup.hpp"
#include "oci-hook/paths.hpp"

namespace llh {

Result<ContainerLocation> locate_container(const OciState& state, const std::string& rootfs) {
    const auto pid = static_cast<pid_t>(state.pid);
    if (pid <= 0) {
        return fail("the OCI state has no pid", "run the hook at createRuntime or prestart, which get the pid");
    }
    ContainerLocation location;
    auto cgroup_dir = cgroup::process_cgroup_directory(pid);
    if (!cgroup_dir) return tl::unexpected(std::move(cgroup_dir.error()));
    auto root_dir = container_root_directory(pid, rootfs);
    if (!root_dir) return tl::unexpected(std::move(root_dir.error()));
    struct stat st {};
    if (::stat(cgroup_dir->c_str(), &st) != 0) return fail_errno(errno, "cannot stat " + *cgroup_dir);
    location.cgroup_id = st.st_ino;
    location.cgroup_dir = std::move(*cgroup_dir);
    location.root_dir = std::move(*root_dir);
    return location;
}

Policy with_launcher_readable(const Policy& policy) {
    Policy layered = policy;
    layered.paths.push_back(PathRule{std::string(kLaunchDirInContainer), fs::execute | fs::read_file | fs::read_dir,
                                     "landlock-hooks: the launcher and its policy (native and cgroup mode)"});
    return layered;
}

Result<std::vector<std::string>> attach_container(const ContainerLocation& location, const Policy& policy) {
    auto enforcer = cgroup::Enforcer::open();
    if (!enforcer) return tl::unexpected(std::move(enforcer.error()));
    cgroup::AttachRequest request;
    request.cgroup_dir = location.cgroup_dir;
    request.root_dir = location.root_dir;
    // createRuntime runs while the runtime's init, already in the cgroup, still sets the container
    // up (runc before pivot_root, crun before its masked mounts): the policy starts with the
    // workload's first execve, as native mode's launcher restricts itself just before it.
    request.until_exec = true;
    auto report = (*enforcer)->attach(request, policy);
    if (!report) return tl::unexpected(std::move(report.error()).with_context(location.cgroup_dir));
    if (report->cgroup_id != location.cgroup_id) {
        // The directory was replaced in between: the record names another cgroup. Undo.
        (void)(*enforcer)->detach_id(report->cgroup_id);
        return fail(location.cgroup_dir + " changed while the policy was being attached", "start the container again");
    }
    std::vector<std::string> warnings;
    if (report->compat.enforcement != Enforcement::full) warnings.push_back("cgroup mode: " + report->compat.summary());
    for (auto& warning : report->warnings) warnings.push_back("cgroup mode: " + std::move(warning));
    return warnings;
}

Result<bool> detach_container(std::uint64_t cgroup_id) {
    cgroup::OpenOptions options;
    options.load = false;  // detaching never loads programs
    auto enforcer = cgroup::Enforcer::open(options);
    if (!enforcer) {
        // Nothing pinned: nothing can be attached to any cgroup (e.g. after a reboot).
        if (enforcer.error().errno_value == ENOENT) return false;
        return tl::unexpected(std::move(enforcer.error()));
    }
    return (*enforcer)->detach_id(cgroup_id);
}

}  // namespace llh
