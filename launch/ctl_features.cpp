// landlockctl features: what this kernel and machine offer, asked of the kernel.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "kernel/bpf_lsm_probe.hpp"
#include "kernel/cgroup_enforcer.hpp"
#include "launch/ctl_commands.hpp"
#include "launch/features.hpp"
#include "native/landlock.hpp"

namespace llh::ctl {
namespace {

using Json = nlohmann::ordered_json;

Json errno_json(int errno_value) {
    if (errno_value == 0) return nullptr;
    const char* name = strerrorname_np(errno_value);
    return name != nullptr ? Json(name) : Json(errno_value);
}

std::string errno_text(int errno_value) {
    const char* name = strerrorname_np(errno_value);
    return std::string(name != nullptr ? name : std::to_string(errno_value).c_str()) + " (" +
           std::strerror(errno_value) + ")";
}

Json mounts_json(const std::vector<Mount>& mounts) {
    Json out = Json::array();
    for (const auto& mount : mounts) out.push_back(mount.path);
    return out;
}

// Cgroup mode: BPF LSM (the trial load) and a cgroup2 mount, plus what is pinned right now.
struct CgroupModeState {
    Availability available = Availability::unknown;
    std::string reason;
    cgroup::PinnedState pins;
    std::string pins_error;
};

CgroupModeState cgroup_mode_state() {
    CgroupModeState state;
    const BpfLsmProbe& bpf = probe_bpf_lsm();
    if (bpf.available != Availability::yes) {
        state.available = bpf.available;
        state.reason = bpf.available == Availability::no ? "BPF LSM is not available" : "BPF LSM: unknown";
    } else if (probe_cgroup().v2_mounts.empty()) {
        state.available = Availability::no;
        state.reason = "no cgroup2 mount";
    } else {
        state.available = Availability::yes;
    }
    auto pins = cgroup::inspect_pins();
    if (pins) {
        state.pins = *pins;
    } else {
        state.pins_error = pins.error().what();
    }
    return state;
}

Json features_json() {
    Json out;
    const LandlockSupport& landlock = landlock_support();
    Json abis = Json::array();
    for (const auto& feature : kLandlockAbiFeatures) {
        abis.push_back({{"abi", feature.abi}, {"adds", feature.adds}, {"supported", landlock.abi >= feature.abi}});
    }
    Json errata = Json::array();
    for (const auto& erratum : kLandlockErrata) {
        errata.push_back({{"number", erratum.number},
                          {"abi", erratum.abi},
                          {"title", erratum.title},
                          {"fixed", (landlock.errata >> (erratum.number - 1)) & 1U}});
    }
    out["landlock"] = {{"available", landlock.abi > 0 ? "yes" : "no"},
                       {"abi", landlock.abi},
                       {"errata", landlock.errata},
                       {"errno", errno_json(landlock.errno_value)},
                       {"abis", abis},
                       {"errataList", errata}};

    const AuditProbe& audit = probe_audit();
    out["audit"] = {{"state", to_string(audit.state)}, {"errno", errno_json(audit.errno_value)}, {"reason", audit.reason}};

    const CgroupProbe& cgroup = probe_cgroup();
    out["cgroup"] = {{"layout", to_string(cgroup.layout)},
                     {"v2Mounts", mounts_json(cgroup.v2_mounts)},
                     {"v1Mounts", mounts_json(cgroup.v1_mounts)},
                     {"ownCgroup", cgroup.own_cgroup},
                     {"reason", cgroup.reason}};

    const BpfLsmProbe& bpf = probe_bpf_lsm();
    out["bpfLsm"] = {{"available", to_string(bpf.available)},
                     {"inLsmList", to_string(bpf.in_lsm_list)},
                     {"lsmList", bpf.lsm_list},
                     {"lsmListSource", bpf.lsm_list_source},
                     {"stage", bpf.stage},
                     {"errno", errno_json(bpf.errno_value)},
                     {"reason", bpf.reason},
                     {"verifierLog", bpf.verifier_log}};

    const BpffsProbe& bpffs = probe_bpffs();
    out["bpffs"] = {{"mounted", to_string(bpffs.mounted)},
                    {"supported", to_string(bpffs.supported)},
                    {"mounts", mounts_json(bpffs.mounts)},
                    {"reason", bpffs.reason}};

    const CgroupModeState mode = cgroup_mode_state();
    out["cgroupMode"] = {{"available", to_string(mode.available)},
                         {"reason", mode.reason},
                         {"loaded", mode.pins.pinned},
                         {"abiVersion", mode.pins.pinned ? Json(mode.pins.abi_version) : Json(nullptr)},
                         {"links", mode.pins.links},
                         {"attachments", mode.pins.attachments},
                         {"sameBuild", mode.pins.same_programs},
                         {"pinsError", mode.pins_error}};
    return out;
}

std::string join_mounts(const std::vector<Mount>& mounts) {
    std::string text;
    for (const auto& mount : mounts) text += (text.empty() ? "" : ", ") + mount.path;
    return text;
}

void print_human() {
    std::string text;
    const auto line = [&text](const std::string& content) { text += content + "\n"; };

    const LandlockSupport& landlock = landlock_support();
    if (landlock.abi > 0) {
        char errata[16];
        std::snprintf(errata, sizeof(errata), "0x%x", landlock.errata);
        line("Landlock: ABI " + std::to_string(landlock.abi) + ", errata " + errata);
    } else {
        line("Landlock: not available: " + errno_text(landlock.errno_value) +
             (landlock.errno_value == EOPNOTSUPP ? " (disabled at boot: add landlock to lsm=)" : ""));
    }
    for (const auto& feature : kLandlockAbiFeatures) {
        line(std::string(landlock.abi >= feature.abi ? "  yes" : "  no ") + "  ABI " + std::to_string(feature.abi) +
             ": " + std::string(feature.adds));
    }
    for (const auto& erratum : kLandlockErrata) {
        const bool fixed = ((landlock.errata >> (erratum.number - 1)) & 1U) != 0;
        line(std::string(fixed ? "  fixed    " : "  not fixed") + "  erratum " + std::to_string(erratum.number) +
             " (ABI " + std::to_string(erratum.abi) + "): " + std::string(erratum.title));
    }

    const AuditProbe& audit = probe_audit();
    std::string audit_line = std::string("Audit: ") + to_string(audit.state);
    if (!audit.reason.empty()) audit_line += ": " + audit.reason;
    if (audit.state == AuditState::disabled) audit_line += " (Landlock denials are not recorded; auditctl -e 1)";
    line(audit_line);

    const CgroupProbe& cgroup = probe_cgroup();
    std::string cgroup_line = std::string("cgroup v2: ") + to_string(cgroup.layout);
    if (!cgroup.v2_mounts.empty()) cgroup_line += ", cgroup2 at " + join_mounts(cgroup.v2_mounts);
    if (!cgroup.v1_mounts.empty()) cgroup_line += ", " + std::to_string(cgroup.v1_mounts.size()) + " v1 hierarchies";
    if (!cgroup.own_cgroup.empty()) cgroup_line += ", this process in " + cgroup.own_cgroup;
    if (!cgroup.reason.empty()) cgroup_line += ": " + cgroup.reason;
    line(cgroup_line);

    const BpfLsmProbe& bpf = probe_bpf_lsm();
    std::string lsms;
    for (const auto& name : bpf.lsm_list) lsms += (lsms.empty() ? "" : ",") + name;
    const std::string list_note =
        bpf.in_lsm_list == Availability::unknown ? "LSM list unknown" : "LSM list: " + lsms;
    if (bpf.available == Availability::yes) {
        line("BPF LSM: available (" + list_note + "; trial load and attach succeeded)");
    } else if (bpf.available == Availability::no) {
        line("BPF LSM: not available: " + bpf.reason + " (" + list_note + ")");
    } else {
        line("BPF LSM: unknown: " + bpf.reason + " (" + list_note + ")");
    }

    const BpffsProbe& bpffs = probe_bpffs();
    if (bpffs.mounted == Availability::yes) {
        line("bpffs: mounted at /sys/fs/bpf");
    } else if (bpffs.mounted == Availability::no) {
        std::string bpffs_line = "bpffs: " + bpffs.reason;
        if (!bpffs.mounts.empty()) bpffs_line += " (mounted at " + join_mounts(bpffs.mounts) + ")";
        if (bpffs.supported != Availability::no) bpffs_line += " (hint: mount -t bpf bpf /sys/fs/bpf)";
        line(bpffs_line);
    } else {
        line("bpffs: unknown: " + bpffs.reason);
    }

    const CgroupModeState mode = cgroup_mode_state();
    if (mode.pins.pinned) {
        line("cgroup mode: loaded (map layout " + std::to_string(mode.pins.abi_version) + ", " +
             std::to_string(mode.pins.links) + " links, " + std::to_string(mode.pins.attachments) +
             " cgroups attached" + (mode.pins.same_programs ? "" : "; programs of another build") + ")");
    } else if (mode.available == Availability::yes) {
        line("cgroup mode: available (not loaded: the first `landlockctl attach` loads it)");
    } else {
        line(std::string("cgroup mode: ") + (mode.available == Availability::no ? "not available: " : "unknown: ") +
             mode.reason);
    }
    if (!mode.pins_error.empty()) line("cgroup mode: cannot read the pins: " + mode.pins_error);
    std::fputs(text.c_str(), stdout);
}

}  // namespace

int features_command(const FeaturesOptions& options) {
    if (options.json) {
        std::printf("%s\n", features_json().dump(2).c_str());
    } else {
        print_human();
    }
    return kExitOk;
}

}  // namespace llh::ctl
