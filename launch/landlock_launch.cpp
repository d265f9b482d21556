// landlock-launch: loads a policy, restricts itself with Landlock, then becomes the command.
// It is bind-mounted into containers, so it is static and small: hand-written argument parsing,
// stdio only. Fail closed: whatever goes wrong before execvp(), the command does not run.
//
// With --unit it is a systemd service's ExecStart=/ExecReload= in native mode (the generator
// writes that line): it compiles the unit's LandlockPolicy= assignments, given with their
// FILE:LINE by --unit-rules, in the service's own mount namespace (ProtectSystem=, BindPaths=
// apply), and says what it did or why it refused in the unit's journal, whatever StandardError=
// says. This replaces an ExecStartPre= helper, which would cost a process start of its own. For a
// unit in mode:auto whose generator found cgroup mode unavailable (no helper then), it also says
// at each start that the service gets native mode only (--cgroup-mode-unavailable REASON).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "launch/policy_sources.hpp"
#include "libpolicy/mode_choice.hpp"
#include "libpolicy/unique_fd.hpp"
#include "native/landlock.hpp"
#include "systemd/unit_policy.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCannotRun = 126;  // as a shell says of a command it found but cannot run
constexpr int kExitNotFound = 127;

constexpr const char* kUsage =
    "usage: landlock-launch [--policy FILE]... [--policy-fd N] [--rules STRING] [--quiet] [--argv0 NAME] -- CMD [ARGS...]\n"
    "       landlock-launch --unit UNIT [--user] [--cgroup-mode-unavailable REASON] --unit-rules FILE:LINE KEY=VALUE...\n"
    "                       [--argv0 NAME] -- CMD [ARGS...]\n";

struct Arguments {
    llh::PolicySources sources;
    bool quiet = false;
    std::string argv0;                          // --argv0: argv[0] of CMD ("" = CMD itself)
    std::string unit;                           // --unit: a systemd service's name
    bool user = false;                          // --user: of a user manager
    std::vector<llh::sd::LabeledValue> unit_rules;  // --unit-rules
    std::string cgroup_mode_unavailable;        // --cgroup-mode-unavailable: why, as the generator saw it
    std::vector<char*> command;                 // argv of CMD, null-terminated
};

void say(const std::string& line) {
    std::fprintf(stderr, "landlock-launch: %s\n", line.c_str());
}

// The unit's journal, written with the native protocol (systemd-journald.socket(8)) so that the
// launcher stays static. journald adds _SYSTEMD_UNIT from our cgroup; UNIT=/USER_UNIT= and
// OBJECT_SYSTEMD_(USER_)UNIT= are what the helper writes, for the same journalctl matches.
class UnitJournal {
public:
    UnitJournal(std::string unit, bool user) : unit_(std::move(unit)), user_(user), stderr_is_journal_(stderr_is_journal()) {}

    enum Priority { error = 3, warning = 4, info = 6 };

    void log(Priority priority, const std::string& message) const {
        const bool sent = send(priority, message);
        // Without a journal (or when it refused), stderr is all there is; when stderr is the
        // journal stream already, a second copy would only duplicate the line.
        if (!sent || !stderr_is_journal_) say(message);
    }

private:
    static bool stderr_is_journal() {
        const char* stream = std::getenv("JOURNAL_STREAM");
        if (stream == nullptr) return false;
        unsigned long long device = 0, inode = 0;
        if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
        struct stat st {};
        return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
    }

    bool send(Priority priority, const std::string& message) const {
        std::string one_line = message;
        for (char& c : one_line) {
            if (c == '\n') c = ' ';
        }
        const char* unit_key = user_ ? "USER_UNIT=" : "UNIT=";
        const char* object_key = user_ ? "OBJECT_SYSTEMD_USER_UNIT=" : "OBJECT_SYSTEMD_UNIT=";
        const std::string datagram = "MESSAGE=" + one_line + "\nPRIORITY=" + std::to_string(priority) +
                                     "\nSYSLOG_IDENTIFIER=landlock-launch\n" + unit_key + unit_ + "\n" + object_key +
                                     unit_ + "\nLANDLOCK_UNIT=" + unit_ + "\n";
        llh::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd.valid()) return false;
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, "/run/systemd/journal/socket", sizeof(address.sun_path) - 1);
        return ::sendto(fd.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address),
                        sizeof(address)) == static_cast<ssize_t>(datagram.size());
    }

    std::string unit_;
    bool user_;
    bool stderr_is_journal_;
};

int usage_error(const std::string& why) {
    say(why);
    std::fputs(kUsage, stderr);
    return kExitUsage;
}

// Returns the exit code of a usage error, or 0 when `out` is complete.
int parse_arguments(int argc, char** argv, Arguments& out) {
    int i = 1;
    // "--opt VALUE" and "--opt=VALUE" alike.
    auto value_of = [&](std::string_view arg, std::string_view name, std::string& value) -> int {
        if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
            value = std::string(arg.substr(name.size() + 1));
            return 1;
        }
        if (arg != name) return 0;
        if (i + 1 >= argc) return -1;
        value = argv[++i];
        return 1;
    };
    for (; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (arg == "-q" || arg == "--quiet") {
            out.quiet = true;
            continue;
        }
        if (arg == "--user") {
            out.user = true;
            continue;
        }
        if (arg == "--unit-rules") {
            // Two words: where the assignment is, and "KEY=VALUE" as the unit file says it.
            if (i + 2 >= argc) return usage_error("--unit-rules needs FILE:LINE and KEY=VALUE");
            const std::string where = argv[++i];
            const std::string assignment = argv[++i];
            const std::size_t equals = assignment.find('=');
            if (equals == std::string::npos) return usage_error("--unit-rules: \"" + assignment + "\" is not KEY=VALUE");
            out.unit_rules.push_back({where + ": " + assignment.substr(0, equals + 1), assignment.substr(equals + 1)});
            continue;
        }
        std::string value;
        int matched = 0;
        if ((matched = value_of(arg, "--policy", value)) != 0) {
            if (matched < 0) return usage_error("--policy needs a FILE");
            out.sources.files.push_back(value);
        } else if ((matched = value_of(arg, "--policy-fd", value)) != 0) {
            if (matched < 0) return usage_error("--policy-fd needs a file descriptor number");
            int fd = -1;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), fd);
            if (error != std::errc() || end != value.data() + value.size() || fd < 0) {
                return usage_error("--policy-fd: \"" + value + "\" is not a file descriptor number");
            }
            if (out.sources.fd) return usage_error("--policy-fd given twice");
            out.sources.fd = fd;
        } else if ((matched = value_of(arg, "--argv0", value)) != 0) {
            if (matched < 0) return usage_error("--argv0 needs a NAME");
            out.argv0 = value;
        } else if ((matched = value_of(arg, "--cgroup-mode-unavailable", value)) != 0) {
            if (matched < 0 || value.empty()) return usage_error("--cgroup-mode-unavailable needs a REASON");
            out.cgroup_mode_unavailable = value;
        } else if ((matched = value_of(arg, "--unit", value)) != 0) {
            if (matched < 0) return usage_error("--unit needs a UNIT name");
            out.unit = value;
        } else if ((matched = value_of(arg, "--rules", value)) != 0) {
            if (matched < 0) return usage_error("--rules needs a rule STRING");
            if (out.sources.rules) return usage_error("--rules given twice: put every rule in one string");
            out.sources.rules = value;
        } else if (!arg.empty() && arg.front() == '-') {
            return usage_error("unknown option \"" + std::string(arg) + "\"");
        } else {
            break;  // the command starts here, as with env(1)
        }
    }
    if (i >= argc) return usage_error("no command to run");
    const bool other_sources = !out.sources.files.empty() || out.sources.fd || out.sources.rules;
    if (!out.cgroup_mode_unavailable.empty() && out.unit.empty()) {
        return usage_error("--cgroup-mode-unavailable goes with --unit");
    }
    if (!out.unit.empty() || !out.unit_rules.empty()) {
        if (out.unit.empty() || out.unit_rules.empty() || other_sources) {
            return usage_error("--unit and --unit-rules go together, without --policy, --policy-fd or --rules");
        }
    } else if (!other_sources) {
        return usage_error("no policy: give --policy FILE, --policy-fd N or --rules STRING");
    }
    for (; i < argc; ++i) out.command.push_back(argv[i]);
    out.command.push_back(nullptr);
    return 0;
}

std::string plural(std::size_t count, const char* noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string with_hint(const llh::Diagnostic& diagnostic) {
    std::string out = diagnostic.where.empty() ? diagnostic.message : diagnostic.where + ": " + diagnostic.message;
    if (!diagnostic.hint.empty()) out += " (hint: " + diagnostic.hint + ")";
    return out;
}

std::string not_started_text(const std::string& command) { return "\"" + command + "\" was not started"; }

// Executes the command (argv[0] replaced by --argv0): only returns on failure.
int exec_command(Arguments& arguments, const std::string& command) {
    std::fflush(nullptr);
    char* const file = arguments.command.front();
    if (!arguments.argv0.empty()) arguments.command.front() = arguments.argv0.data();
    ::execvp(file, arguments.command.data());
    // Still restricted here; nothing else runs, whatever the reason.
    const int error = errno;
    arguments.command.front() = file;
    say("cannot execute \"" + command + "\": " + std::strerror(error));
    return error == ENOENT || error == ENOTDIR ? kExitNotFound : kExitCannotRun;
}

std::string error_line(const llh::Error& error) {
    llh::Diagnostic diagnostic;
    for (auto it = error.context.rbegin(); it != error.context.rend(); ++it) {
        diagnostic.where += (diagnostic.where.empty() ? "" : ": ") + *it;
    }
    llh::Error bare = error;
    bare.context.clear();
    bare.hint.clear();
    diagnostic.message = bare.what();
    diagnostic.hint = error.hint;
    return diagnostic.format();
}

// A systemd service's command line (--unit): every message goes to the unit's journal.
int launch_unit(Arguments& arguments, const std::string& command) {
    const UnitJournal journal(arguments.unit, arguments.user);
    const std::string& unit = arguments.unit;
    llh::Diagnostics diagnostics;
    const auto policy = llh::sd::policy_from_labeled(arguments.unit_rules, llh::sd::unit_include_loader(), diagnostics);
    for (const auto& diagnostic : diagnostics.all()) {
        journal.log(diagnostic.severity == llh::Severity::error ? UnitJournal::error : UnitJournal::warning,
                    diagnostic.format());
    }
    if (!policy) {
        journal.log(UnitJournal::error, unit + ": the Landlock policy has errors, so the service does not start");
        return kExitCannotRun;
    }
    if (!arguments.cgroup_mode_unavailable.empty()) {
        // The one decision (mode_choice), on the generator's answer: mode:auto reports the
        // downgrade; a mode:cgroup/both that only an included file set is refused here.
        const auto choice = llh::choose_mode(policy->options.mode, {false, arguments.cgroup_mode_unavailable},
                                             arguments.unit_rules.front().label);
        if (!choice) {
            journal.log(UnitJournal::error, choice.error().what());
            journal.log(UnitJournal::error, unit + ": the Landlock policy cannot be enforced as asked, so the service does not start");
            return kExitCannotRun;
        }
        if (choice->downgraded) journal.log(UnitJournal::warning, unit + ": " + choice->report);
    }
    if (policy->options.mode == llh::Mode::cgroup) {
        // The generator leaves mode:cgroup command lines alone; a hand-written line is refused.
        journal.log(UnitJournal::error, unit + ": error: mode:cgroup is enforced by the helper, not by landlock-launch: " + not_started_text(command));
        return kExitCannotRun;
    }
    auto enforced = llh::enforce(*policy);
    if (!enforced) {
        journal.log(UnitJournal::error, error_line(enforced.error()));
        journal.log(UnitJournal::error, unit + ": the Landlock policy cannot be enforced, so the service does not start");
        return kExitCannotRun;
    }
    const auto& report = *enforced;
    const std::string& first_label = arguments.unit_rules.front().label;
    for (const auto& dropped : report.compat.dropped) {
        journal.log(UnitJournal::warning,
                    (dropped.origin.empty() ? first_label : dropped.origin) + ": warning: this kernel (Landlock ABI " +
                        std::to_string(report.compat.kernel_abi) + ") cannot enforce " + dropped.what + " (needs ABI " +
                        std::to_string(dropped.needs_abi) + "): left out (hint: compat:hard refuses to start instead)");
    }
    for (const auto& warning : report.warnings) journal.log(UnitJournal::warning, warning);
    std::string from;
    for (const auto& rules : arguments.unit_rules) {
        from += (from.empty() ? "" : ", ") + rules.label.substr(0, rules.label.rfind(": "));
    }
    journal.log(report.compat.enforcement == llh::Enforcement::none ? UnitJournal::warning : UnitJournal::info,
                unit + ": Landlock policy from " + from + ": " + report.compat.summary() + "; " +
                    std::to_string(policy->paths.size()) + " path rules, " + std::to_string(policy->ports.size()) +
                    " port rules");
    return exec_command(arguments, command);
}

}  // namespace

int main(int argc, char** argv) {
    Arguments arguments;
    if (const int code = parse_arguments(argc, argv, arguments); code != 0) return code;
    const std::string command = arguments.command.front();
    if (!arguments.unit.empty()) return launch_unit(arguments, command);
    const std::string not_started = not_started_text(command);

    llh::Diagnostics diagnostics;
    const auto policy = llh::load_policy(arguments.sources, diagnostics);
    std::size_t errors = 0;
    for (const auto& diagnostic : diagnostics.all()) {
        if (diagnostic.severity == llh::Severity::error) {
            ++errors;
            say("error: " + with_hint(diagnostic));
        } else if (!arguments.quiet) {
            say("warning: " + with_hint(diagnostic));
        }
    }
    if (!policy) {
        say(plural(errors, "error") + " in the policy: " + not_started);
        return kExitCannotRun;
    }

    auto enforced = llh::enforce(*policy);
    if (!enforced) {
        say(enforced.error().what() + ": " + not_started);
        return kExitCannotRun;
    }
    const auto& report = *enforced;
    if (!arguments.quiet) {
        for (const auto& warning : report.warnings) say("warning: " + warning);
        if (report.compat.enforcement == llh::Enforcement::partial) say("warning: " + report.compat.summary());
    }
    // Running unsandboxed is never silent, --quiet or not: it is the one thing a user of a
    // sandboxing tool must hear about.
    if (report.compat.enforcement == llh::Enforcement::none) {
        say("warning: " + report.compat.summary() + ": \"" + command +
            "\" runs without a sandbox (compat:best-effort)");
    }
    return exec_command(arguments, command);
}
