#include "kernel/cgroup_paths.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace llh::cgroup {
namespace {

// A /proc file, whole: mountinfo and cgroup files are small (a few KiB; 4 MiB is far beyond any).
Result<std::string> read_proc_file(const std::string& path) {
    constexpr std::size_t kMaxProcFileBytes = 4U << 20;
    std::ifstream in(path);
    if (!in) return fail_errno(errno, "cannot read " + path);
    std::string text(kMaxProcFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return fail_errno(errno, "cannot read " + path);
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxProcFileBytes) return fail(path + " is larger than " + std::to_string(kMaxProcFileBytes) + " bytes");
    return text;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto octal = [&](std::size_t at, char high) { return text[at] >= '0' && text[at] <= high; };
        if (text[i] == '\\' && i + 3 < text.size() && octal(i + 1, '3') && octal(i + 2, '7') && octal(i + 3, '7')) {
            out += static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0'));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool under(const std::string& path, const std::string& root) {
    if (root == "/") return true;
    return path.compare(0, root.size(), root) == 0 && (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

std::string unified_cgroup_path(std::string_view proc_cgroup) {
    std::istringstream lines{std::string(proc_cgroup)};
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    }
    return {};
}

std::vector<Cgroup2Mount> cgroup2_mounts(std::string_view mountinfo) {
    // "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS"
    std::vector<Cgroup2Mount> mounts;
    std::istringstream lines{std::string(mountinfo)};
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point, field;
        if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
        while (fields >> field && field != "-") {
        }
        std::string fstype;
        if (field == "-" && fields >> fstype && fstype == "cgroup2") {
            mounts.push_back({unescape_octal(root), unescape_octal(mount_point)});
        }
    }
    return mounts;
}

Result<std::string> cgroup_directory(const std::string& path, const std::vector<Cgroup2Mount>& mounts) {
    if (path.empty() || path.front() != '/') {
        return fail("the process has no cgroup v2 path (\"0::\" line)",
                    "cgroup mode needs a cgroup2 hierarchy (cgroup_no_v1 or a hybrid host's unified mount)");
    }
    const Cgroup2Mount* best = nullptr;
    for (const auto& mount : mounts) {
        if (under(path, mount.root) && (best == nullptr || mount.root.size() > best->root.size())) best = &mount;
    }
    if (best == nullptr) {
        return fail("no cgroup2 mount shows the cgroup " + path,
                    "mount cgroup2 (e.g. mount -t cgroup2 none /sys/fs/cgroup) in this mount namespace");
    }
    const std::string rest = best->root == "/" ? path : path.substr(best->root.size());
    if (rest == "/" || rest.empty()) return best->mount_point;
    return (best->mount_point == "/" ? std::string() : best->mount_point) + rest;
}

Result<std::string> process_cgroup_directory(pid_t pid) {
    if (pid <= 0) return fail("no process to find the cgroup of (pid " + std::to_string(pid) + ")");
    const std::string proc_file = "/proc/" + std::to_string(pid) + "/cgroup";
    auto cgroups = read_proc_file(proc_file);
    if (!cgroups) return tl::unexpected(std::move(cgroups.error()));
    auto mountinfo = read_proc_file("/proc/self/mountinfo");
    if (!mountinfo) return tl::unexpected(std::move(mountinfo.error()));
    auto directory = cgroup_directory(unified_cgroup_path(*cgroups), cgroup2_mounts(*mountinfo));
    if (!directory) return tl::unexpected(std::move(directory.error()).with_context(proc_file));
    return directory;
}

}  // namespace llh::cgroup
