#include "launch/ctl_events.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "kernel/event_reader.hpp"
#include "launch/audit_listener.hpp"
#include "launch/audit_records.hpp"
#include "launch/ctl_commands.hpp"
#include "launch/denial_event.hpp"
#include "launch/features.hpp"
#include "launch/workload_names.hpp"

namespace llh::ctl {
namespace {

constexpr const char* kAuditOff = "audit is off: Landlock's own denials are not reported (enable audit: auditctl -e 1)";
// An audit event whose end record has not come within this time is shown without it.
constexpr std::int64_t kAuditEventWaitMs = 500;
// Records read per wake-up: the ring buffer and the signals get their turn during a flood.
constexpr std::size_t kRecordsPerWake = 256;
constexpr int kPollMs = 200;

void note(const std::string& text) {
    std::fprintf(stderr, "landlockctl events: %s\n", text.c_str());
}

std::int64_t monotonic_ms() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

// Turns events of either source into lines on stdout, flushed one by one (a pipe reader sees
// each denial when it happens).
class Printer {
public:
    explicit Printer(const EventsOptions& options) : json_(options.json), names_(options.state_directory) {}

    void cgroup(const cgroup::CgroupEvent& event) {
        // Asked per event: the wall clock may be set while --follow runs.
        auto denial = events::from_cgroup_event(event, events::boot_to_realtime_ns());
        denial.workload = names_.for_cgroup(event.cgroup_id);
        print(denial);
    }

    void audit(const audit::LandlockDenial& record) {
        // Audit has no per-domain limit of its own: a busy denied loop is cut to 64 lines a second.
        if (!limit_.allow(record.domain, record.time_ms / 1000)) return;
        auto denial = events::from_audit(record);
        const auto workload = names_.for_pid(record.pid);
        denial.cgroup_id = workload.cgroup_id;
        denial.workload = workload.name;
        print(denial);
    }

    std::uint64_t printed() const { return printed_; }
    std::uint64_t rate_limited() const { return limit_.suppressed(); }

private:
    void print(const events::Denial& denial) {
        const std::string line = json_ ? events::format_json(denial) : events::format_line(denial);
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
        ++printed_;
    }

    bool json_;
    events::WorkloadNames names_;
    events::RateLimit limit_;
    std::uint64_t printed_ = 0;
};

// Landlock's audit records: the listener, and the grouping of records into denials.
struct AuditSource {
    audit::Listener listener;
    audit::Assembler assembler;

    Result<void> read(Printer& printer) {
        std::vector<audit::LandlockDenial> denials;
        const std::int64_t now = monotonic_ms();
        auto read = listener.drain(
            [&](int type, std::string_view text) {
                // Only the records Landlock's denials are made of: the others are not kept at all.
                if (type != audit::kLandlockAccess && type != audit::kSyscall && type != audit::kEndOfEvent) return;
                if (auto record = audit::parse_record(type, text)) assembler.add(*record, now, denials);
            },
            kRecordsPerWake);
        assembler.expire(now, kAuditEventWaitMs, denials);
        for (const auto& denial : denials) printer.audit(denial);
        if (!read) return tl::unexpected(read.error());
        return {};
    }

    void finish(Printer& printer) {
        std::vector<audit::LandlockDenial> denials;
        assembler.flush(denials);
        for (const auto& denial : denials) printer.audit(denial);
    }
};

// What was not shown, said on stderr when it changes (at most once a poll round).
class DropReport {
public:
    void update(const Printer& printer, const std::optional<AuditSource>& audit,
                const std::optional<cgroup::EventReader>& ring) {
        report(rate_limited_, printer.rate_limited(),
               "Landlock audit denials not shown in all: more than 64 a second from one domain");
        if (audit) {
            report(overruns_, audit->listener.overruns(),
                   "times in all the kernel dropped audit records: this reader fell behind");
            report(cut_, audit->assembler.dropped(),
                   "audit access records not shown in all: more than 16 in one event");
        }
        if (ring) report(malformed_, ring->malformed(), "ring buffer records of an unknown layout skipped in all");
    }

private:
    static void report(std::uint64_t& last, std::uint64_t now, const char* what) {
        if (now == last) return;
        last = now;
        note(std::to_string(now) + " " + what);
    }
    std::uint64_t rate_limited_ = 0, overruns_ = 0, cut_ = 0, malformed_ = 0;
};

// Neither source can tell of a denial: an error, with what to do about it.
int no_source(const Error& ring_error, const AuditProbe& probe) {
    note(std::string("error: no source of denials: ") +
         (ring_error.errno_value == ENOENT ? "cgroup mode is not loaded" : "cgroup mode's ring buffer cannot be read") +
         " and " + (probe.state == AuditState::disabled ? "audit is off" : "Landlock's audit records cannot be read") +
         " (hint: attach a policy with landlockctl attach, or enable audit for native mode's denials: auditctl -e 1)");
    return kExitPolicy;
}

bool audit_is_on(const AuditProbe& probe) {
    return probe.state == AuditState::enabled || probe.state == AuditState::locked;
}

// SIGINT and SIGTERM as a file descriptor, so the loop ends between two lines.
Result<UniqueFd> stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return fail_errno(errno, "cannot block SIGINT/SIGTERM");
    UniqueFd fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd.valid()) return fail_errno(errno, "cannot open a signalfd");
    return fd;
}

int follow(std::optional<cgroup::EventReader>& ring, std::optional<AuditSource>& audit, Printer& printer) {
    auto stop = stop_signals();
    if (!stop) {
        note(stop.error().what());
        return kExitPolicy;
    }
    std::string sources = ring ? "cgroup mode's denials" : "";
    if (audit) sources += std::string(sources.empty() ? "" : " and ") + "Landlock's audit records";
    note("following " + sources + " until interrupted");

    DropReport drops;
    int status = kExitOk;
    while (true) {
        std::vector<pollfd> fds = {{stop->get(), POLLIN, 0}};
        if (ring) fds.push_back({ring->wait_fd(), POLLIN, 0});
        if (audit) fds.push_back({audit->listener.fd(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), kPollMs) < 0 && errno != EINTR) {
            note(std::string("poll failed: ") + std::strerror(errno));
            status = kExitPolicy;
            break;
        }
        if ((fds[0].revents & POLLIN) != 0) break;
        if (ring) {
            if (auto consumed = ring->consume(); !consumed) {
                note(consumed.error().what());
                status = kExitPolicy;
                break;
            }
        }
        if (audit) {
            if (auto read = audit->read(printer); !read) {
                note(read.error().what());
                status = kExitPolicy;
                break;
            }
        }
        drops.update(printer, audit, ring);
    }
    if (ring) (void)ring->consume();
    if (audit) audit->finish(printer);
    drops.update(printer, audit, ring);
    return status;
}

}  // namespace

int events_command(const EventsOptions& given) {
    EventsOptions options = given;
    // The hooks' own override (rootless podman keeps its state in a directory the user owns).
    if (const char* env = std::getenv("LANDLOCK_HOOKS_STATE_DIR"); env != nullptr && env[0] == '/') {
        options.state_directory = env;
    }
    Printer printer(options);

    std::optional<cgroup::EventReader> ring;
    auto opened = cgroup::EventReader::open(options.pin_root,
                                            [&printer](const cgroup::CgroupEvent& event) { printer.cgroup(event); });
    if (opened) {
        ring.emplace(std::move(*opened));
    } else if (opened.error().errno_value == ENOENT) {
        note("cgroup mode is not loaded: no cgroup-mode denials");
    } else {
        note(opened.error().what());
    }

    const AuditProbe& probe = probe_audit();
    const bool audit_on = audit_is_on(probe);
    if (probe.state == AuditState::disabled) note(kAuditOff);
    if (probe.state == AuditState::not_built) note("this kernel has no audit: Landlock's own denials are not reported");

    if (!options.follow) {
        if (ring) {
            if (auto consumed = ring->consume(); !consumed) {
                note(consumed.error().what());
                return kExitPolicy;
            }
            DropReport().update(printer, std::nullopt, ring);
            if (printer.printed() == 0 && !options.json) note("no cgroup-mode denial is buffered");
        }
        // Audit keeps no history for its multicast readers: its records are seen as they happen.
        if (audit_on) note("Landlock's own denials (audit) are shown as they happen: landlockctl events --follow");
        if (!ring && !audit_on) return no_source(opened.error(), probe);
        return kExitOk;
    }

    std::optional<AuditSource> audit;
    if (probe.state != AuditState::not_built) {
        // Where AUDIT_GET is refused (state unknown), listening may still work: try.
        if (auto listener = audit::Listener::open()) {
            audit.emplace(AuditSource{std::move(*listener), audit::Assembler()});
        } else if (probe.state != AuditState::disabled) {
            note(listener.error().what());
        }
    }
    if (!ring && (!audit || probe.state == AuditState::disabled)) return no_source(opened.error(), probe);
    return follow(ring, audit, printer);
}

}  // namespace llh::ctl
