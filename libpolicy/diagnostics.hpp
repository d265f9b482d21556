// Validation collects every problem at once, each with where it is, why, and a hint,
// in the spirit of bpftrace's Diagnostics and systemd's log_syntax().
#pragma once

#include <string>
#include <vector>

namespace llh {

enum class Severity { warning, error };

struct Diagnostic {
    Severity severity = Severity::error;
    // Where, as the user wrote it: "policy.json: /pathBeneath/0/parent/1",
    // "policy.toml:12 (path_beneath[0].parent[1])", "io.landlock.rules: item 3 \"rx:/usr\"",
    // "/etc/systemd/system/nginx.service:7".
    std::string where;
    std::string message;  // why
    std::string hint;     // what to do (may be empty)

    // "where: error: message (hint: hint)"
    std::string format() const;
};

class Diagnostics {
public:
    void error(std::string where, std::string message, std::string hint = {});
    void warning(std::string where, std::string message, std::string hint = {});
    void append(const Diagnostics& other);

    bool has_errors() const;
    const std::vector<Diagnostic>& all() const { return items_; }
    // One line per diagnostic, in the order found.
    std::string format() const;

private:
    std::vector<Diagnostic> items_;
};

}  // namespace llh
