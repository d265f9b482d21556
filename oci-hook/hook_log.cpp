#include "oci-hook/hook_log.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
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

// Connects a datagram socket to `path`: 0, or why not (an errno value).
int connect_to(const UniqueFd& fd, const char* path) {
    if (!fd.valid()) return errno;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 ? 0 : errno;
}

UniqueFd datagram_socket() {
    return UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

// Where the lines go, found at the first line and kept for the process: a hook or the wrapper
// writes a few lines and exits, and a socket per line, or syslog(3)'s connect attempt (after
// its time-zone lookup) per line where no syslog runs, cost every container start. libsystemd
// is not linked for this: hooks run on every container start and should start fast.
class Sinks {
public:
    static Sinks& get() {
        static Sinks sinks;
        return sinks;
    }

    // False when there is no journal or it refused this entry (then syslog gets it).
    bool send_to_journal(const std::string& datagram) {
        if (!journal_.valid()) return false;
        return ::send(journal_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(datagram.size());
    }

    void send_to_syslog(const std::string& program, int priority, const std::string& line) {
        if (!syslog_probed_) {
            // glibc would retry the connect at every line; asked once here, it is not asked again.
            // Only "nobody there" counts as no syslog (a stream socket refuses a datagram one).
            const int error = connect_to(datagram_socket(), _PATH_LOG);
            syslog_running_ = error != ENOENT && error != ECONNREFUSED;
            syslog_probed_ = true;
        }
        if (!syslog_running_) return;
        if (ident_ != program) {
            ident_ = program;  // openlog keeps the pointer: the string lives as long as this
            ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
        }
        ::syslog(priority, "%s", line.c_str());
    }

private:
    Sinks() {
        UniqueFd journal = datagram_socket();
        if (connect_to(journal, kJournalSocket) == 0) journal_ = std::move(journal);
    }

    UniqueFd journal_;
    bool syslog_probed_ = false;
    bool syslog_running_ = false;
    std::string ident_;
};

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
        if (!Sinks::get().send_to_journal(datagram)) Sinks::get().send_to_syslog(program_, priority, line);
        start = end + 1;
    }
}

}  // namespace llh
