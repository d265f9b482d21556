// The audit subsystem's read-only multicast group (NETLINK_AUDIT, AUDIT_NLGRP_READLOG, Linux
// 3.16): every audit record, as it is written, to any process with CAP_AUDIT_READ, beside auditd
// and without changing any audit setting. Nothing is kept for late readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::audit {

class Listener {
public:
    // EPERM (errno_value) without CAP_AUDIT_READ, EPROTONOSUPPORT on a kernel without audit.
    static Result<Listener> open();

    // Hands sink(type, text) every record queued now, at most `max_records` (the socket is
    // non-blocking); returns how many. When the kernel had to drop records because this reader
    // fell behind (ENOBUFS), overruns() grows and reading goes on.
    Result<std::size_t> drain(const std::function<void(int type, std::string_view text)>& sink,
                              std::size_t max_records);

    int fd() const { return fd_.get(); }
    std::uint64_t overruns() const { return overruns_; }

private:
    explicit Listener(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
    std::uint64_t overruns_ = 0;
};

}  // namespace llh::audit
