// Is BPF LSM usable on this kernel? Asked the only way that cannot lie: "bpf" in the kernel's LSM
// list AND a trial load + attach + detach of a do-nothing lsm/file_open program. A kernel can list
// "bpf" and still refuse every trampoline program (seen: EPERM with an empty verifier log).
#pragma once

#include <string>
#include <vector>

namespace llh {

// "unknown" (we could not ask: no privileges, no securityfs, no BTF) is kept apart from "no"
// (we asked and the kernel said no), as systemd's and bpftrace's feature probes do.
enum class Availability { yes, no, unknown };

const char* to_string(Availability availability);  // "yes", "no", "unknown"

struct BpfLsmProbe {
    // Is "bpf" among the active LSMs?
    Availability in_lsm_list = Availability::unknown;
    std::vector<std::string> lsm_list;  // active LSMs in order, when known
    std::string lsm_list_source;        // "/sys/kernel/security/lsm" or "lsm_list_modules(2)"

    // The trial: load, attach, detach. `available` is the overall answer.
    Availability available = Availability::unknown;
    std::string stage;     // where the trial stopped: "lsm list", "privileges", "btf", "load", "attach"; "" on success
    int errno_value = 0;   // the kernel's answer at that stage, 0 when not from a syscall
    std::string reason;    // one line for people; empty when available
    std::string verifier_log;  // the verifier's last words, when it said anything
};

// Runs the probe once per process and remembers the answer (the kernel's answer does not change
// while we run, and each trial attaches a program to every file_open of the host for a moment).
const BpfLsmProbe& probe_bpf_lsm();

}  // namespace llh
