#include "kernel/event_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "kernel/llh_bpf_abi.h"
#include "kernel/pins.hpp"

namespace llh::cgroup {
namespace {

// The layout before llh_event gained its path field: still a complete event, named by `name`.
constexpr std::size_t kLayoutBeforePath = offsetof(llh_event, path);

// A fixed-size char array as the BPF side filled it: up to the first NUL.
template <std::size_t N>
std::string bounded_string(const char (&field)[N]) {
    return std::string(field, ::strnlen(field, N));
}

}  // namespace

std::optional<CgroupEvent> decode_event(const void* data, std::size_t size) {
    if (data == nullptr || size < kLayoutBeforePath) return std::nullopt;
    llh_event raw{};
    std::memcpy(&raw, data, std::min(size, sizeof(raw)));
    CgroupEvent event;
    event.boot_time_ns = raw.time_ns;
    event.cgroup_id = raw.cgroup_id;
    event.access = raw.access;
    event.kind = raw.kind;
    event.policy_id = raw.policy_id;
    event.pid = raw.pid;
    event.error = raw.error;
    event.port = raw.port;
    event.comm = bounded_string(raw.comm);
    // The full path where the program could resolve one, else the last component.
    event.path = size >= sizeof(raw) && raw.path[0] != '\0' ? bounded_string(raw.path) : bounded_string(raw.name);
    return event;
}

struct EventReader::State {
    UniqueFd map_fd;
    Callback callback;
    ring_buffer* ring = nullptr;
    std::uint64_t malformed = 0;

    ~State() {
        if (ring != nullptr) ring_buffer__free(ring);
    }

    static int on_sample(void* context, void* data, std::size_t size) {
        auto* state = static_cast<State*>(context);
        if (auto event = decode_event(data, size)) {
            state->callback(*event);
        } else {
            ++state->malformed;
        }
        return 0;
    }
};

EventReader::EventReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;
EventReader::~EventReader() = default;

Result<EventReader> EventReader::open(const std::string& pin_root, Callback callback) {
    const PinPaths paths{pin_root.empty() ? std::string(LLH_PIN_ROOT) : pin_root};
    const std::string pin = paths.map("llh_events");
    auto state = std::make_unique<State>();
    state->callback = std::move(callback);
    state->map_fd = UniqueFd(::bpf_obj_get(pin.c_str()));
    if (!state->map_fd.valid()) {
        const int error = errno;
        if (error == ENOENT) return fail_errno(error, "cgroup mode is not loaded: " + pin + " does not exist");
        return fail_errno(error, "cannot open " + pin, error == EPERM || error == EACCES ? "run as root" : "");
    }
    // The State's address is the callback context: it stays put while the unique_ptr moves.
    state->ring = ::ring_buffer__new(state->map_fd.get(), &State::on_sample, state.get(), nullptr);
    if (state->ring == nullptr) return fail_errno(errno, "cannot map the ring buffer " + pin);
    return EventReader(std::move(state));
}

Result<int> EventReader::poll(int timeout_ms) {
    const int handed = ::ring_buffer__poll(state_->ring, timeout_ms);
    if (handed == -EINTR) return 0;
    if (handed < 0) return fail_errno(-handed, "cannot read the llh_events ring buffer");
    return handed;
}

Result<int> EventReader::consume() {
    const int handed = ::ring_buffer__consume(state_->ring);
    if (handed < 0) return fail_errno(-handed, "cannot read the llh_events ring buffer");
    return handed;
}

int EventReader::wait_fd() const {
    return ::ring_buffer__epoll_fd(state_->ring);
}

std::uint64_t EventReader::malformed() const {
    return state_->malformed;
}

}  // namespace llh::cgroup
