// audit-switch get | set 0|1: the audit subsystem's `enabled` setting over NETLINK_AUDIT (what
// `auditctl -e` does; auditctl is not installed here). For tests that need Landlock's audit
// records: they turn audit on, and put back what `set` printed when they are done.
//   get      prints the setting (0 off, 1 on, 2 locked)
//   set N    sets it, prints the setting before
// Exit status: 0 done, 1 the kernel refused (needs CAP_AUDIT_CONTROL), 2 usage.
#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Request {
    nlmsghdr header;
    audit_status status;
};

int fail(const char* what, int error) {
    std::fprintf(stderr, "audit-switch: %s: %s\n", what, std::strerror(error));
    return 1;
}

// Sends one request and reads until its ACK; `status` receives an AUDIT_GET answer.
int exchange(int sock, std::uint16_t type, const audit_status* to_set, audit_status* status) {
    Request request{};
    request.header.nlmsg_len = NLMSG_LENGTH(to_set != nullptr ? sizeof(audit_status) : 0);
    request.header.nlmsg_type = type;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request.header.nlmsg_seq = 1;
    if (to_set != nullptr) request.status = *to_set;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(sock, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
        return fail("send", errno);
    bool acked = false;
    bool answered = status == nullptr;
    alignas(nlmsghdr) char buffer[8192];
    while (!acked || !answered) {
        const ssize_t length = ::recv(sock, buffer, sizeof(buffer), 0);
        if (length < 0) return fail("receive", errno);
        auto remaining = static_cast<unsigned int>(length);
        for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type == NLMSG_ERROR) {
                const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
                if (error->error != 0) return fail("the kernel refused", -error->error);
                acked = true;
            } else if (header->nlmsg_type == AUDIT_GET && status != nullptr) {
                std::memcpy(status, NLMSG_DATA(header),
                            std::min<std::size_t>(sizeof(*status), header->nlmsg_len - NLMSG_HDRLEN));
                answered = true;
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string verb = argc >= 2 ? argv[1] : "";
    if (!((verb == "get" && argc == 2) ||
          (verb == "set" && argc == 3 && (std::strcmp(argv[2], "0") == 0 || std::strcmp(argv[2], "1") == 0)))) {
        std::fprintf(stderr, "usage: audit-switch get | set 0|1\n");
        return 2;
    }
    const int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (sock < 0) return fail("socket", errno);
    audit_status before{};
    if (const int status = exchange(sock, AUDIT_GET, nullptr, &before); status != 0) return status;
    if (verb == "set") {
        audit_status wanted{};
        wanted.mask = AUDIT_STATUS_ENABLED;
        wanted.enabled = argv[2][0] == '1' ? 1 : 0;
        if (const int status = exchange(sock, AUDIT_SET, &wanted, nullptr); status != 0) return status;
    }
    std::printf("%u\n", before.enabled);
    ::close(sock);
    return 0;
}
