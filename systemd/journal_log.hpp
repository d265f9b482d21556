// The helper's messages: to the journal with the unit as a field (so "journalctl -u UNIT" and
// "systemctl status UNIT" show them), and to stderr unless stderr is the journal already.
#pragma once

#include <string>

#include "systemd/specifiers.hpp"

namespace llh::sd {

enum class Priority { error = 3, warning = 4, notice = 5, info = 6 };

class UnitLog {
public:
    UnitLog(Scope scope, std::string unit);

    void log(Priority priority, const std::string& message) const;
    void error(const std::string& message) const { log(Priority::error, message); }
    void warning(const std::string& message) const { log(Priority::warning, message); }
    void info(const std::string& message) const { log(Priority::info, message); }

private:
    Scope scope_;
    std::string unit_;
    bool stderr_is_journal_ = false;
};

}  // namespace llh::sd
