// landlock-launch: loads a policy, restricts itself with Landlock, then becomes the command.
// It is bind-mounted into containers, so it is static and small: hand-written argument parsing,
// stdio only. Fail closed: whatever goes wrong before execvp(), the command does not run.
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
#include "native/landlock.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCannotRun = 126;  // as a shell says of a command it found but cannot run
constexpr int kExitNotFound = 127;

constexpr const char* kUsage =
    "usage: landlock-launch [--policy FILE]... [--policy-fd N] [--rules STRING] [--quiet] -- CMD [ARGS...]\n";

struct Arguments {
    llh::PolicySources sources;
    bool quiet = false;
    std::vector<char*> command;  // argv of CMD, null-terminated
};

void say(const std::string& line) {
    std::fprintf(stderr, "landlock-launch: %s\n", line.c_str());
}

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
    if (out.sources.files.empty() && !out.sources.fd && !out.sources.rules) {
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

}  // namespace

int main(int argc, char** argv) {
    Arguments arguments;
    if (const int code = parse_arguments(argc, argv, arguments); code != 0) return code;
    const std::string command = arguments.command.front();
    const std::string not_started = "\"" + command + "\" was not started";

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

    std::fflush(nullptr);
    ::execvp(arguments.command.front(), arguments.command.data());
    // Still restricted here; nothing else runs, whatever the reason.
    const int error = errno;
    say("cannot execute \"" + command + "\": " + std::strerror(error));
    return error == ENOENT || error == ENOTDIR ? kExitNotFound : kExitCannotRun;
}
