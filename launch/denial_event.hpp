// One denial as `landlockctl events` shows it, whichever source reported it: cgroup mode's ring
// buffer (kernel/event_reader.hpp) or Landlock's own audit records (launch/audit_records.hpp).
// Accesses are named as landlockconfig names rights (read_file, bind_tcp, signal, ...).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernel/event_reader.hpp"
#include "launch/audit_records.hpp"

namespace llh::events {

enum class Source { cgroup, landlock_audit };
const char* to_string(Source source);  // "cgroup", "landlock-audit"

struct Denial {
    std::int64_t time_ns = 0;  // CLOCK_REALTIME
    Source source = Source::cgroup;
    std::string workload;         // container id, unit name or cgroup path; "" unknown
    std::uint64_t cgroup_id = 0;  // 0 unknown
    std::int64_t pid = 0;         // 0 unknown
    std::string comm;
    std::string access;  // "read_file", "make_reg,refer", "signal", "mount", ...; never empty
    std::string path;    // the object's path (or last component); "" none
    std::optional<std::uint32_t> port;
    int error = 0;  // positive errno; 0 unknown
};

// What a cgroup-mode event denied, in landlockconfig names: the rights of its access bits, the
// scope, or the change (mount, cgroup_move, bpf, ptrace).
std::string access_name(const cgroup::CgroupEvent& event);
// The same for Landlock's audit blockers ("fs.read_file" -> "read_file", "fs.change_topology" ->
// "mount"), comma-separated.
std::string access_name(const std::vector<std::string>& blockers);

// CLOCK_REALTIME minus CLOCK_BOOTTIME, now: what turns bpf_ktime_get_boot_ns() into wall time.
std::int64_t boot_to_realtime_ns();

// Without the workload, which the caller looks up (launch/workload_names.hpp).
Denial from_cgroup_event(const cgroup::CgroupEvent& event, std::int64_t boot_to_realtime);
Denial from_audit(const audit::LandlockDenial& denial);

// "2026-11-29T09:30:12.345Z"
std::string format_time(std::int64_t realtime_ns);
// One line for people:
//   2026-11-29T09:30:12.345Z cgroup nginx.service: cat[4242] denied read_file /etc/hostname (EACCES)
std::string format_line(const Denial& denial);
// One JSON object (one line) with the keys time, source, workload, cgroup_id, pid, comm, access,
// path, port, errno; unknown values are null.
std::string format_json(const Denial& denial);

// At most `per_second` denials a second per key (a Landlock domain), with bounded memory: the
// count restarts every second, and a second with more than `max_keys` keys limits the extra keys
// together. Cgroup mode's programs limit themselves (64 a second a policy); audit does not.
class RateLimit {
public:
    explicit RateLimit(std::uint32_t per_second = 64, std::size_t max_keys = 1024)
        : per_second_(per_second), max_keys_(max_keys) {}
    // True when the denial may be shown; `second` is any clock's whole seconds.
    bool allow(const std::string& key, std::int64_t second);
    std::uint64_t suppressed() const { return suppressed_; }

private:
    std::uint32_t per_second_;
    std::size_t max_keys_;
    std::int64_t second_ = -1;
    std::map<std::string, std::uint32_t> counts_;
    std::uint64_t suppressed_ = 0;
};

}  // namespace llh::events
