// Where hooks and the runtime wrapper report: stderr (which runtimes often throw away) and the
// journal, falling back to syslog, where an administrator looks. Every line names the container.
#pragma once

#include <string>
#include <string_view>

#include "libpolicy/result.hpp"

namespace llh {

class HookLog {
public:
    explicit HookLog(std::string program) : program_(std::move(program)) {}

    void set_container(std::string id) { container_ = std::move(id); }
    void set_stage(std::string stage) { stage_ = std::move(stage); }

    void info(std::string_view message) const;     // journal only: success is quiet on stderr
    void warning(std::string_view message) const;  // stderr and journal
    void error(std::string_view message) const;    // stderr and journal
    void error(const Error& error) const { this->error(error.what()); }

private:
    void emit(int priority, std::string_view message, bool to_stderr) const;

    std::string program_;
    std::string container_;
    std::string stage_;
};

}  // namespace llh
