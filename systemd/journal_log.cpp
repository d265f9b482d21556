#include "systemd/journal_log.hpp"

#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace llh::sd {
namespace {

// systemd sets $JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected to stdout/stderr
// (systemd.exec(5)): when fd 2 is that stream, a second copy would only duplicate each line.
bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    std::uintmax_t device = 0, inode = 0;
    if (std::sscanf(stream, "%ju:%ju", &device, &inode) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return st.st_dev == device && st.st_ino == inode;
}

}  // namespace

UnitLog::UnitLog(Scope scope, std::string unit)
    : scope_(scope), unit_(std::move(unit)), stderr_is_journal_(stderr_is_journal()) {}

void UnitLog::log(Priority priority, const std::string& message) const {
    const bool system = scope_ == Scope::system;
    // UNIT=/USER_UNIT= as the task names the unit; OBJECT_SYSTEMD_(USER_)UNIT= is what
    // journalctl -u / --user-unit match for messages about a unit from a process other than PID 1.
    const int r = sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%d", static_cast<int>(priority),
                                  "SYSLOG_IDENTIFIER=landlock-systemd-helper", system ? "UNIT=%s" : "USER_UNIT=%s",
                                  unit_.c_str(), system ? "OBJECT_SYSTEMD_UNIT=%s" : "OBJECT_SYSTEMD_USER_UNIT=%s",
                                  unit_.c_str(), "LANDLOCK_UNIT=%s", unit_.c_str(), nullptr);
    // Without a journal (r < 0), stderr is all there is.
    if (!stderr_is_journal_ || r < 0) std::fprintf(stderr, "landlock-systemd-helper: %s\n", message.c_str());
}

}  // namespace llh::sd
