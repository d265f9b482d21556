#include "launch/denial_event.hpp"

#include <linux/types.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>

#include "kernel/llh_bpf_abi.h"
#include "libpolicy/access.hpp"

namespace llh::events {
namespace {

template <std::size_t N>
std::string names_of(const std::array<RightInfo, N>& table, std::uint64_t bits, std::string_view kind) {
    std::string out;
    for (const auto& right : table) {
        if ((bits & right.bit) == 0) continue;
        if (!out.empty()) out += ',';
        out += right.name;
        bits &= ~right.bit;
    }
    if (bits != 0) {  // a right newer than this build knows
        char unknown[48];
        std::snprintf(unknown, sizeof(unknown), "%s%s0x%llx", out.empty() ? "" : ",", std::string(kind).c_str(),
                      static_cast<unsigned long long>(bits));
        out += unknown;
    }
    return out.empty() ? std::string(kind) + "none" : out;
}

const char* change_name(std::uint64_t op) {
    switch (op) {
    case LLH_CHANGE_MOUNT:
        return "mount";
    case LLH_CHANGE_CGROUP:
        return "cgroup_move";
    case LLH_CHANGE_BPF:
        return "bpf";
    case LLH_CHANGE_PTRACE:
        return "ptrace";
    default:
        return "change";
    }
}

// Landlock's audit blocker -> the landlockconfig name: the part after "fs.", "net." or "scope.";
// changes of the mount topology (fs.change_topology, fs.change_layout before Linux 6.16) are
// what cgroup mode calls "mount".
std::string blocker_name(std::string_view blocker) {
    if (blocker == "fs.change_topology" || blocker == "fs.change_layout") return "mount";
    for (const std::string_view prefix : {"fs.", "net.", "scope."}) {
        if (blocker.substr(0, prefix.size()) == prefix) return std::string(blocker.substr(prefix.size()));
    }
    return std::string(blocker);
}

// What Landlock returns for a blocker, when the event had no failed syscall to tell: EXDEV for a
// refer, EPERM for scopes and ptrace, EACCES otherwise.
int default_error(const std::vector<std::string>& blockers) {
    for (const auto& blocker : blockers) {
        if (blocker == "fs.refer") return EXDEV;
        if (blocker.rfind("scope.", 0) == 0 || blocker == "ptrace") return EPERM;
    }
    return EACCES;
}

// Control bytes shown as '?': a path or comm cannot forge a line of this output.
std::string printable(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

std::int64_t clock_ns(clockid_t clock) {
    timespec now{};
    ::clock_gettime(clock, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

}  // namespace

const char* to_string(Source source) {
    return source == Source::cgroup ? "cgroup" : "landlock-audit";
}

std::string access_name(const cgroup::CgroupEvent& event) {
    switch (event.kind) {
    case LLH_EVENT_FS:
        return names_of(kFsRights, event.access, "fs:");
    case LLH_EVENT_NET:
        return names_of(kNetRights, event.access, "net:");
    case LLH_EVENT_SCOPE:
        return names_of(kScopes, event.access, "scope:");
    case LLH_EVENT_CHANGE:
        return change_name(event.access);
    default:
        return "unknown";
    }
}

std::string access_name(const std::vector<std::string>& blockers) {
    std::string out;
    for (const auto& blocker : blockers) {
        if (!out.empty()) out += ',';
        out += blocker_name(blocker);
    }
    return out.empty() ? "unknown" : out;
}

std::int64_t boot_to_realtime_ns() {
    return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

Denial from_cgroup_event(const cgroup::CgroupEvent& event, std::int64_t boot_to_realtime) {
    Denial denial;
    denial.time_ns = static_cast<std::int64_t>(event.boot_time_ns) + boot_to_realtime;
    denial.source = Source::cgroup;
    denial.cgroup_id = event.cgroup_id;
    denial.pid = event.pid;
    denial.comm = event.comm;
    denial.access = access_name(event);
    denial.path = event.path;
    if (event.kind == LLH_EVENT_NET) denial.port = event.port;
    denial.error = event.error;
    return denial;
}

Denial from_audit(const audit::LandlockDenial& record) {
    Denial denial;
    denial.time_ns = record.time_ms * 1000000LL;
    denial.source = Source::landlock_audit;
    denial.pid = record.pid;
    denial.comm = record.comm;
    denial.access = access_name(record.blockers);
    denial.path = record.path;
    denial.port = record.port;
    denial.error = record.error != 0 ? record.error : default_error(record.blockers);
    return denial;
}

std::string format_time(std::int64_t realtime_ns) {
    const std::time_t seconds = static_cast<std::time_t>(realtime_ns / 1000000000LL);
    const long millis = static_cast<long>((realtime_ns % 1000000000LL) / 1000000LL);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[64];
    const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + length, sizeof(text) - length, ".%03ldZ", millis);
    return text;
}

std::string format_line(const Denial& denial) {
    std::string line = format_time(denial.time_ns);
    line += ' ';
    line += to_string(denial.source);
    line += ' ';
    if (!denial.workload.empty()) {
        line += printable(denial.workload);
    } else if (denial.cgroup_id != 0) {
        line += "cgroup " + std::to_string(denial.cgroup_id);
    } else {
        line += '-';
    }
    line += ": " + (denial.comm.empty() ? std::string("?") : printable(denial.comm));
    line += '[' + (denial.pid != 0 ? std::to_string(denial.pid) : std::string("?")) + ']';
    line += " denied " + denial.access;
    if (!denial.path.empty()) line += ' ' + printable(denial.path);
    if (denial.port) line += " port " + std::to_string(*denial.port);
    if (denial.error != 0) {
        const char* name = ::strerrorname_np(denial.error);
        line += " (" + (name != nullptr ? std::string(name) : "errno " + std::to_string(denial.error)) + ')';
    }
    return line;
}

std::string format_json(const Denial& denial) {
    const auto or_null = [](auto value, bool known) { return known ? nlohmann::ordered_json(value) : nullptr; };
    const nlohmann::ordered_json out = {
        {"time", format_time(denial.time_ns)},
        {"source", to_string(denial.source)},
        {"workload", or_null(denial.workload, !denial.workload.empty())},
        {"cgroup_id", or_null(denial.cgroup_id, denial.cgroup_id != 0)},
        {"pid", or_null(denial.pid, denial.pid != 0)},
        {"comm", or_null(denial.comm, !denial.comm.empty())},
        {"access", denial.access},
        {"path", or_null(denial.path, !denial.path.empty())},
        {"port", or_null(denial.port.value_or(0), denial.port.has_value())},
        {"errno", or_null(denial.error, denial.error != 0)},
    };
    // Paths are bytes, not always UTF-8: replace what JSON cannot carry rather than throw.
    return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

bool RateLimit::allow(const std::string& key, std::int64_t second) {
    if (second != second_) {
        counts_.clear();
        second_ = second;
    }
    auto found = counts_.find(key);
    if (found == counts_.end()) {
        // Past max_keys, the new keys of this second share one budget.
        const std::string& bucket = counts_.size() < max_keys_ ? key : std::string();
        found = counts_.emplace(bucket, 0).first;
    }
    if (found->second >= per_second_) {
        ++suppressed_;
        return false;
    }
    ++found->second;
    return true;
}

}  // namespace llh::events
