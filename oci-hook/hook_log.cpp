#include "oci-hook/hook_log.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "libpolicy/unique_fd.hpp"
#include "oci-hook/file_io.hpp"

namespace llh {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// One field of journald's native protocol. The value goes length-prefixed (the binary form), so
// that whatever an annotation put into a message cannot forge another field.
void append_field(std::string& datagram, std::string_view name, std::string_view value) {
    datagram += name;
    datagram += '\n';
    const std::uint64_t size = value.size();
    for (int i = 0; i < 8; ++i) datagram += static_cast<char>((size >> (8 * i)) & 0xff);  // little-endian
    datagram += value;
    datagram += '\n';
}

// Sends one entry to journald; false when there is no journal (then syslog gets it).
// libsystemd is not linked for this: hooks run on every container start and should start fast.
bool send_to_journal(const std::string& datagram) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, kJournalSocket, sizeof address.sun_path - 1);
    const auto sent = ::sendto(fd.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address), sizeof address);
    return sent == static_cast<ssize_t>(datagram.size());
}

}  // namespace

void HookLog::info(std::string_view message) const {
    emit(LOG_INFO, message, false);
}
void HookLog::warning(std::string_view message) const {
    emit(LOG_WARNING, message, true);
}
void HookLog::error(std::string_view message) const {
    emit(LOG_ERR, message, true);
}

void HookLog::emit(int priority, std::string_view message, bool to_stderr) const {
    std::string prefix = program_ + ": ";
    if (!container_.empty()) prefix += "container " + container_ + ": ";
    // Multi-line messages (several diagnostics) keep the prefix on every line.
    std::size_t start = 0;
    while (start < message.size()) {
        auto end = message.find('\n', start);
        if (end == std::string_view::npos) end = message.size();
        const std::string line = prefix + std::string(message.substr(start, end - start));
        if (to_stderr) (void)write_all(STDERR_FILENO, line + "\n");
        std::string datagram;
        append_field(datagram, "MESSAGE", line);
        append_field(datagram, "PRIORITY", std::to_string(priority));
        append_field(datagram, "SYSLOG_IDENTIFIER", program_);
        if (!container_.empty()) append_field(datagram, "CONTAINER_ID", container_);
        if (!stage_.empty()) append_field(datagram, "LANDLOCK_HOOK_STAGE", stage_);
        if (!send_to_journal(datagram)) {
            openlog(program_.c_str(), LOG_PID, LOG_DAEMON);
            syslog(priority, "%s", line.c_str());
            closelog();
        }
        start = end + 1;
    }
}

}  // namespace llh
