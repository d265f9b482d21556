// Cgroup mode's denial events from user space: the pinned llh_events ring buffer
// (LLH_PIN_ROOT "/maps/llh_events", struct llh_event records, see kernel/llh_bpf_abi.h), opened by
// any process after the loader has gone. Reading consumes: the ring buffer has one consumer
// position, so two readers share the events between them rather than each seeing all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::cgroup {

// One struct llh_event, decoded: strings cut at their NUL, the layout checked.
struct CgroupEvent {
    std::uint64_t boot_time_ns = 0;  // bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME)
    std::uint64_t cgroup_id = 0;     // the denied task's cgroup
    std::uint64_t access = 0;        // LANDLOCK_ACCESS_FS_* / _NET_* / _SCOPE_* bits, or enum llh_change_op
    std::uint32_t kind = 0;          // enum llh_event_kind
    std::uint32_t policy_id = 0;
    std::uint32_t pid = 0;   // tgid
    int error = 0;           // positive errno
    std::uint32_t port = 0;  // net events
    std::string comm;
    std::string path;  // the full path where the program resolved one, else the last component
};

// nullopt when `size` bytes cannot be a struct llh_event: shorter than the layout before the path
// field was added (kernel/llh_bpf_abi.h), so programs of either layout are read.
std::optional<CgroupEvent> decode_event(const void* data, std::size_t size);

// The pinned ring buffer. Events are handed to the callback given to open(), from poll() and
// consume(), on the calling thread.
class EventReader {
public:
    using Callback = std::function<void(const CgroupEvent&)>;

    // `pin_root` "" = LLH_PIN_ROOT. ENOENT (errno_value) when cgroup mode is not loaded: the ring
    // buffer is not pinned there.
    static Result<EventReader> open(const std::string& pin_root, Callback callback);

    EventReader(EventReader&&) noexcept;
    EventReader& operator=(EventReader&&) noexcept;
    ~EventReader();

    // Waits up to timeout_ms (-1: forever, 0: not at all) for events and hands them over; the
    // number handed over. EINTR is not an error (0 events).
    Result<int> poll(int timeout_ms);
    // Hands over every event buffered now, without waiting.
    Result<int> consume();
    // Readable when events are buffered: for a caller's own epoll/poll set.
    int wait_fd() const;
    // Records that were too short to be events (a layout this reader does not know).
    std::uint64_t malformed() const;

private:
    struct State;
    explicit EventReader(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace llh::cgroup
