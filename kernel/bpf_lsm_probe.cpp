#include "kernel/bpf_lsm_probe.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "kernel/vmlinux_btf.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {
namespace {

// lsm_list_modules(2), Linux 6.8: answers without securityfs, which is often not mounted.
#ifdef __NR_lsm_list_modules
constexpr long kNrLsmListModules = __NR_lsm_list_modules;
#else
constexpr long kNrLsmListModules = 461;  // same number on every architecture (generic table)
#endif

// LSM_ID_* of include/uapi/linux/lsm.h (6.8+), which Debian 12's headers lack.
std::string_view lsm_name(std::uint64_t id) {
    switch (id) {
        case 100: return "capability";
        case 101: return "selinux";
        case 102: return "smack";
        case 103: return "tomoyo";
        case 104: return "apparmor";
        case 105: return "yama";
        case 106: return "loadpin";
        case 107: return "safesetid";
        case 108: return "lockdown";
        case 109: return "bpf";
        case 110: return "landlock";
        case 111: return "ima";
        case 112: return "evm";
        case 113: return "ipe";
        default: return {};
    }
}

std::string errno_text(int errno_value) {
    const char* name = strerrorname_np(errno_value);
    std::string text = name != nullptr ? name : "errno " + std::to_string(errno_value);
    return text + " (" + std::strerror(errno_value) + ")";
}

void read_lsm_list(BpfLsmProbe& probe) {
    std::ifstream file("/sys/kernel/security/lsm");
    std::string line;
    if (file && std::getline(file, line)) {
        std::stringstream names(line);
        for (std::string name; std::getline(names, name, ',');) {
            if (!name.empty()) probe.lsm_list.push_back(name);
        }
        probe.lsm_list_source = "/sys/kernel/security/lsm";
    } else {
        std::uint64_t ids[64] = {};
        std::uint32_t size = sizeof(ids);
        const long count = ::syscall(kNrLsmListModules, ids, &size, 0U);
        if (count < 0) {
            probe.in_lsm_list = Availability::unknown;
            probe.errno_value = errno;
            probe.stage = "lsm list";
            probe.reason = "cannot read the LSM list: /sys/kernel/security/lsm is not readable (securityfs not "
                           "mounted?) and lsm_list_modules(2) failed with " +
                           errno_text(errno);
            return;
        }
        for (long i = 0; i < count; ++i) {
            const std::string_view name = lsm_name(ids[i]);
            probe.lsm_list.push_back(name.empty() ? "lsm#" + std::to_string(ids[i]) : std::string(name));
        }
        probe.lsm_list_source = "lsm_list_modules(2)";
    }
    probe.in_lsm_list = Availability::no;
    for (const auto& name : probe.lsm_list) {
        if (name == "bpf") probe.in_lsm_list = Availability::yes;
    }
}

// Loading an LSM program needs CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN. Without them a refusal
// says nothing about the kernel, so the answer is "unknown", not "no".
bool may_load_lsm_programs() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("CapEff:", 0) != 0) continue;
        const std::uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
        const auto has = [caps](int cap) { return (caps >> cap) & 1U; };
        constexpr int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39;
        return has(cap_sys_admin) || (has(cap_bpf) && has(cap_perfmon));
    }
    return false;
}

int silent_libbpf(enum libbpf_print_level, const char*, va_list) { return 0; }

// libbpf prints warnings to stderr by default (bpf_prog_load's feature probes may); the probe's
// answer is its return value.
class QuietLibbpf {
public:
    QuietLibbpf() : previous_(libbpf_set_print(silent_libbpf)) {}
    ~QuietLibbpf() { libbpf_set_print(previous_); }
    QuietLibbpf(const QuietLibbpf&) = delete;
    QuietLibbpf& operator=(const QuietLibbpf&) = delete;

private:
    libbpf_print_fn_t previous_;
};

std::string last_line(const char* log) {
    std::string_view text(log);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.remove_suffix(1);
    const auto newline = text.rfind('\n');
    return std::string(newline == std::string_view::npos ? text : text.substr(newline + 1));
}

void refuse(BpfLsmProbe& probe, Availability answer, std::string stage, int errno_value, std::string reason) {
    probe.available = answer;
    probe.stage = std::move(stage);
    probe.errno_value = errno_value;
    probe.reason = std::move(reason);
}

// The trial: an lsm/file_open program "r0 = 0; exit" (allow everything), loaded, attached, detached.
void trial_load(BpfLsmProbe& probe) {
    const QuietLibbpf quiet;
    // What libbpf_find_vmlinux_btf_id("file_open", BPF_LSM_MAC) answers, without its parse of all
    // of vmlinux's BTF (~100 ms at the first daemon-reload of a boot).
    const auto btf_id = find_vmlinux_func_id("bpf_lsm_file_open");
    if (!btf_id) {
        const int error = btf_id.error().errno_value;
        const bool no_btf = ::access(kVmlinuxBtfPath, R_OK) != 0;
        refuse(probe, no_btf ? Availability::no : Availability::unknown, "btf", error,
               no_btf ? "the kernel has no BTF (/sys/kernel/btf/vmlinux), which LSM programs need"
                      : "cannot find bpf_lsm_file_open in the kernel's BTF: " + errno_text(error));
        return;
    }

    const bpf_insn program[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = 0
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                   // exit
    };
    char log[4096] = {};
    // Filled by hand: libbpf's LIBBPF_OPTS macro is a GNU statement expression (-Wpedantic).
    bpf_prog_load_opts options{};
    options.sz = sizeof(options);
    options.expected_attach_type = BPF_LSM_MAC;
    options.attach_btf_id = *btf_id;
    options.log_level = 1;
    options.log_size = sizeof(log);
    options.log_buf = log;
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_LSM, "llh_lsm_probe", "GPL", program, 2, &options));
    if (!prog.valid()) {
        const int error = errno;
        probe.verifier_log = last_line(log);
        refuse(probe, Availability::no, "load", error,
               "the kernel refused to load an lsm/file_open program: " + errno_text(error) +
                   (probe.verifier_log.empty() ? ", verifier log empty" : ", verifier: " + probe.verifier_log));
        return;
    }

    UniqueFd link(bpf_link_create(prog.get(), 0, BPF_LSM_MAC, nullptr));
    if (!link.valid()) {
        // Kernels before bpf_link support for LSM (5.7-5.10) attach through raw_tracepoint_open.
        const int link_error = errno;
        link = UniqueFd(bpf_raw_tracepoint_open(nullptr, prog.get()));
        if (!link.valid()) {
            refuse(probe, Availability::no, "attach", link_error,
                   "the kernel loaded an lsm/file_open program but refused to attach it: " +
                       errno_text(link_error));
            return;
        }
    }
    link.reset();  // detaches: the probe leaves nothing behind
    probe.available = Availability::yes;
}

BpfLsmProbe run_probe() {
    BpfLsmProbe probe;
    read_lsm_list(probe);
    if (probe.in_lsm_list == Availability::no) {
        refuse(probe, Availability::no, "lsm list", 0,
               "bpf is not in the kernel's LSM list (boot with lsm=...,bpf)");
        return probe;
    }
    if (!may_load_lsm_programs()) {
        refuse(probe, Availability::unknown, "privileges", EPERM,
               "a trial load needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run as root)");
        return probe;
    }
    // An unreadable LSM list leaves the question to the trial load, which answers it anyway.
    probe.stage.clear();
    probe.reason.clear();
    probe.errno_value = 0;
    trial_load(probe);
    return probe;
}

}  // namespace

const char* to_string(Availability availability) {
    switch (availability) {
        case Availability::yes: return "yes";
        case Availability::no: return "no";
        case Availability::unknown: break;
    }
    return "unknown";
}

const BpfLsmProbe& probe_bpf_lsm() {
    static const BpfLsmProbe probe = run_probe();
    return probe;
}

}  // namespace llh
