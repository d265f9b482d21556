#include "launch/audit_listener.hpp"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace llh::audit {
namespace {

// audit's MAX_AUDIT_MESSAGE_LENGTH (lib/libaudit.h): no record is longer.
constexpr std::size_t kMaxRecord = 8970;

// Room for a burst: a denied loop makes thousands of records a second, and the default receive
// buffer (~200 KiB, some 700 records) overflows as soon as this reader is descheduled for a
// moment; the kernel then drops records (ENOBUFS), denials nobody sees.
constexpr int kReceiveBuffer = 8 << 20;

// Root may go past net.core.rmem_max (SO_RCVBUFFORCE, CAP_NET_ADMIN); otherwise what the limit
// allows. A smaller buffer only means more ENOBUFS, which the reader counts and reports.
void enlarge_receive_buffer(int fd) {
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof(kReceiveBuffer)) != 0) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof(kReceiveBuffer));
    }
}

}  // namespace

Result<Listener> Listener::open() {
    UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
    if (!sock.valid()) {
        const int error = errno;
        if (error == EPROTONOSUPPORT) return fail_errno(error, "this kernel has no audit support");
        return fail_errno(error, "cannot open a NETLINK_AUDIT socket");
    }
    enlarge_receive_buffer(sock.get());
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1);
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        const int error = errno;
        return fail_errno(error, "cannot join the audit log's multicast group",
                          error == EPERM ? "reading audit records needs CAP_AUDIT_READ (run as root)" : "");
    }
    return Listener(std::move(sock));
}

Result<std::size_t> Listener::drain(const std::function<void(int, std::string_view)>& sink, std::size_t max_records) {
    alignas(nlmsghdr) static thread_local char buffer[kMaxRecord + NLMSG_HDRLEN + 64];
    std::size_t records = 0;
    while (records < max_records) {
        const ssize_t length = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
        if (length < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ENOBUFS) {
                ++overruns_;
                continue;
            }
            return fail_errno(errno, "cannot read audit records");
        }
        // One record per datagram. Its nlmsg_len counts the text alone (audit_log_end() sets it
        // so for auditd), so NLMSG_OK/NEXT would misjudge it: the datagram's length is what counts.
        if (static_cast<std::size_t>(length) < NLMSG_HDRLEN) continue;
        const auto* header = reinterpret_cast<const nlmsghdr*>(buffer);
        const char* text = buffer + NLMSG_HDRLEN;
        const std::size_t size = static_cast<std::size_t>(length) - NLMSG_HDRLEN;
        sink(header->nlmsg_type, std::string_view(text, ::strnlen(text, size)));
        ++records;
    }
    return records;
}

}  // namespace llh::audit
