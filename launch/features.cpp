#include "launch/features.hpp"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "io/bounded_read.hpp"
#include "kernel/cgroup_paths.hpp"
#include "kernel/mountinfo.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {

const std::vector<AbiFeature> kLandlockAbiFeatures = {
    {1, "file system: execute, read/write files, read directories, remove and make files (13 rights)"},
    {2, "refer: rename and link files across directories"},
    {3, "truncate: truncate(2), O_TRUNC"},
    {4, "network: TCP bind and connect by port"},
    {5, "ioctl_dev: ioctl(2) on character and block devices"},
    {6, "scopes: abstract UNIX sockets and signals outside the domain"},
    {7, "audit: restrict_self log flags (log_same_exec_off, log_new_exec_on, log_subdomains_off)"},
    {8, "tsync: restrict every thread of the process at once"},
    {9, "resolve_unix: connect to named UNIX sockets by path"},
};

const std::vector<Erratum> kLandlockErrata = {
    {1, 4, "TCP rights no longer restrict other stream protocols (SMC, MPTCP, SCTP)"},
    {2, 6, "signal scoping no longer blocks signals between threads of one process"},
    {3, 1, "access checks on disconnected directories (bind mounts moved away)"},
};

const char* to_string(AuditState state) {
    switch (state) {
        case AuditState::enabled: return "enabled";
        case AuditState::disabled: return "disabled";
        case AuditState::locked: return "locked";
        case AuditState::not_built: return "not built";
        case AuditState::unknown: break;
    }
    return "unknown";
}

const char* to_string(CgroupLayout layout) {
    switch (layout) {
        case CgroupLayout::unified: return "unified";
        case CgroupLayout::hybrid: return "hybrid";
        case CgroupLayout::legacy: return "legacy";
        case CgroupLayout::none: return "none";
        case CgroupLayout::unknown: break;
    }
    return "unknown";
}

namespace {

std::string errno_text(int errno_value) {
    const char* name = strerrorname_np(errno_value);
    std::string text = name != nullptr ? name : "errno " + std::to_string(errno_value);
    return text + " (" + std::strerror(errno_value) + ")";
}

AuditProbe unknown_audit(int errno_value, std::string what) {
    return {AuditState::unknown, errno_value, std::move(what) + ": " + errno_text(errno_value)};
}

AuditProbe run_audit_probe() {
    UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT));
    if (!sock.valid()) {
        const int error = errno;
        // The audit netlink family exists only with CONFIG_AUDIT.
        if (error == EPROTONOSUPPORT) return {AuditState::not_built, error, "the kernel has no audit support"};
        return unknown_audit(error, "cannot open a NETLINK_AUDIT socket");
    }
    const timeval timeout{1, 0};
    ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    nlmsghdr request{};
    request.nlmsg_len = NLMSG_LENGTH(0);
    request.nlmsg_type = AUDIT_GET;
    request.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request.nlmsg_seq = 1;
    if (::sendto(sock.get(), &request, request.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof(kernel)) < 0) {
        return unknown_audit(errno, "AUDIT_GET");
    }

    // The kernel answers with an ACK (NLMSG_ERROR, error 0) and the status, in either order, or
    // with an NLMSG_ERROR carrying why it refused (EPERM without CAP_AUDIT_CONTROL, ECONNREFUSED
    // outside the initial namespaces).
    alignas(nlmsghdr) char buffer[8192];
    for (int messages = 0; messages < 8; ++messages) {
        const ssize_t length = ::recv(sock.get(), buffer, sizeof(buffer), 0);
        if (length < 0) {
            if (errno == EINTR) continue;
            return unknown_audit(errno, "no answer to AUDIT_GET");
        }
        auto remaining = static_cast<unsigned int>(length);
        for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type == NLMSG_ERROR) {
                const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
                if (error->error != 0) return unknown_audit(-error->error, "AUDIT_GET refused");
                continue;
            }
            if (header->nlmsg_type == AUDIT_GET) {
                audit_status status{};
                std::memcpy(&status, NLMSG_DATA(header),
                            std::min<std::size_t>(sizeof(status), header->nlmsg_len - NLMSG_LENGTH(0)));
                switch (status.enabled) {
                    case 0: return {AuditState::disabled, 0, {}};
                    case 1: return {AuditState::enabled, 0, {}};
                    case 2: return {AuditState::locked, 0, {}};
                    default: return {AuditState::unknown, 0, "AUDIT_GET said enabled=" +
                                                                 std::to_string(status.enabled)};
                }
            }
        }
    }
    return {AuditState::unknown, 0, "the kernel did not send the audit status"};
}

CgroupProbe run_cgroup_probe() {
    CgroupProbe probe;
    const auto mountinfo = read_proc_file("/proc/self/mountinfo");
    if (!mountinfo) {
        probe.reason = "cannot read /proc/self/mountinfo: " + errno_text(mountinfo.error().errno_value);
        return probe;
    }
    probe.v2_mounts = mounts_of_type(*mountinfo, "cgroup2");
    probe.v1_mounts = mounts_of_type(*mountinfo, "cgroup");
    bool v2_at_top = false;
    for (const auto& mount : probe.v2_mounts) v2_at_top = v2_at_top || mount.path == "/sys/fs/cgroup";
    if (v2_at_top) {
        probe.layout = CgroupLayout::unified;
    } else if (!probe.v2_mounts.empty()) {
        probe.layout = probe.v1_mounts.empty() ? CgroupLayout::unified : CgroupLayout::hybrid;
    } else {
        probe.layout = probe.v1_mounts.empty() ? CgroupLayout::none : CgroupLayout::legacy;
    }
    if (const auto cgroups = read_proc_file("/proc/self/cgroup")) probe.own_cgroup = cgroup::unified_cgroup_path(*cgroups);
    return probe;
}

BpffsProbe run_bpffs_probe() {
    BpffsProbe probe;
    if (const auto filesystems = read_proc_file("/proc/filesystems")) {
        probe.supported = Availability::no;
        std::istringstream lines(*filesystems);
        for (std::string line; std::getline(lines, line);) {
            if (line == "nodev\tbpf" || line == "\tbpf") probe.supported = Availability::yes;
        }
    }
    const auto mountinfo = read_proc_file("/proc/self/mountinfo");
    if (!mountinfo) {
        probe.reason = "cannot read /proc/self/mountinfo: " + errno_text(mountinfo.error().errno_value);
        return probe;
    }
    probe.mounts = mounts_of_type(*mountinfo, "bpf");
    probe.mounted = Availability::no;
    for (const auto& mount : probe.mounts) {
        if (mount.path == "/sys/fs/bpf") probe.mounted = Availability::yes;
    }
    if (probe.mounted == Availability::no) {
        probe.reason = probe.supported == Availability::no ? "the kernel has no bpf file system"
                                                          : "not mounted at /sys/fs/bpf";
    }
    return probe;
}

}  // namespace

std::vector<Mount> mounts_of_type(std::string_view mountinfo, std::string_view fstype) {
    std::vector<Mount> mounts;
    for (auto& mount : parse_mountinfo(mountinfo)) {
        if (mount.fstype == fstype) {
            mounts.push_back({std::move(mount.mount_point), std::move(mount.source), std::move(mount.super_options)});
        }
    }
    return mounts;
}

const AuditProbe& probe_audit() {
    static const AuditProbe probe = run_audit_probe();
    return probe;
}

const CgroupProbe& probe_cgroup() {
    static const CgroupProbe probe = run_cgroup_probe();
    return probe;
}

const BpffsProbe& probe_bpffs() {
    static const BpffsProbe probe = run_bpffs_probe();
    return probe;
}

}  // namespace llh
