// Landlock's own denials as the audit subsystem reports them (Landlock ABI 7, Linux 6.15): the
// text of audit records, and the grouping of an event's records into denials. Pure: the netlink
// socket is launch/audit_listener.hpp.
//
// One denied syscall is one audit event: records sharing the serial of "audit(SEC.MSEC:SERIAL): ",
// here an AUDIT_LANDLOCK_ACCESS record per blocking domain
//   domain=194f6d028 blockers=fs.read_file path="/etc/hostname" dev="vda" ino=733
// (an AUDIT_LANDLOCK_DOMAIN record "status=allocated ..." after the first denial of a domain),
// then AUDIT_SYSCALL with the task (pid=, comm=, exe=, exit=-13), AUDIT_PROCTITLE, and AUDIT_EOE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llh::audit {

// Record types (linux/audit.h; the Landlock ones are missing from Debian 12's headers).
inline constexpr int kSyscall = 1300;
inline constexpr int kEndOfEvent = 1320;  // AUDIT_EOE
inline constexpr int kLandlockAccess = 1423;
inline constexpr int kLandlockDomain = 1424;

struct Record {
    int type = 0;
    std::int64_t time_ms = 0;  // CLOCK_REALTIME, from the header
    std::uint64_t serial = 0;
    std::vector<std::pair<std::string, std::string>> fields;  // values unquoted, hex decoded

    // The first value of `key`; nullopt when the record has none.
    std::optional<std::string_view> field(std::string_view key) const;
};

// "audit(1795944162.248:427): key=value key=\"quoted\" ..." -> Record; nullopt when the header is
// not there. The kernel writes strings that hold blanks, quotes or control bytes as hex without
// quotes (audit_log_untrustedstring): those of path, name, comm, exe and ocomm are decoded.
std::optional<Record> parse_record(int type, std::string_view text);

// One AUDIT_LANDLOCK_ACCESS record, with the denied task from its event's AUDIT_SYSCALL record.
struct LandlockDenial {
    std::int64_t time_ms = 0;
    std::uint64_t serial = 0;
    std::string domain;                 // Landlock's domain id, hex
    std::vector<std::string> blockers;  // "fs.read_file", "net.bind_tcp", "scope.signal", "ptrace", ...
    std::string path;                   // path= (or name=) of the object, "" when there is none
    std::optional<std::uint32_t> port;  // net.*: src= (bind) or dest= (connect)
    std::int64_t pid = 0;               // 0 when the event had no AUDIT_SYSCALL record
    std::string comm;
    int error = 0;  // from the syscall's exit= when it failed, else 0
};

// Groups records into denials with a bounded amount of memory, however many records arrive: at
// most `max_events` events are pending (the oldest is handed out early, without its task, to make
// room), and an event keeps at most `max_denials_per_event` access records (the rest are counted
// in dropped()). Records of events without a Landlock access record are not kept at all.
class Assembler {
public:
    explicit Assembler(std::size_t max_events = 64, std::size_t max_denials_per_event = 16)
        : max_events_(max_events), max_denials_(max_denials_per_event) {}

    // Takes one record received at `now_ms` (the caller's monotonic clock); appends to `out` the
    // denials of events that it completes.
    void add(const Record& record, std::int64_t now_ms, std::vector<LandlockDenial>& out);
    // Hands out events that have waited `max_age_ms` or more without their end record: records
    // written outside a syscall get none.
    void expire(std::int64_t now_ms, std::int64_t max_age_ms, std::vector<LandlockDenial>& out);
    // Hands out everything pending (the reader stops).
    void flush(std::vector<LandlockDenial>& out);

    std::uint64_t dropped() const { return dropped_; }
    std::size_t pending() const { return pending_.size(); }

private:
    struct Pending {
        std::uint64_t serial = 0;
        std::int64_t first_seen_ms = 0;  // the caller's clock
        std::vector<LandlockDenial> denials;
    };
    std::optional<std::size_t> index_of(std::uint64_t serial) const;
    void hand_out(std::size_t index, std::vector<LandlockDenial>& out);

    std::size_t max_events_;
    std::size_t max_denials_;
    std::deque<Pending> pending_;  // oldest first
    std::uint64_t dropped_ = 0;
};

}  // namespace llh::audit
