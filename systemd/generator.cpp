#include "systemd/generator.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libpolicy/unique_fd.hpp"
#include "systemd/exec_command.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/unit_policy.hpp"

namespace llh::sd {
namespace {

// A comment line must stay one line whatever a unit file held.
std::string comment_safe(std::string_view text) {
    std::string out;
    for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return out;
}

std::string header(const std::string& unit, const GeneratorConfig& config) {
    (void)config;
    return "# Written by landlock-systemd-generator for " + comment_safe(unit) +
           "; do not edit: it is rewritten at every daemon-reload.\n";
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string user_flag(const GeneratorConfig& config) { return config.scope == Scope::user ? " --user" : ""; }

// "!": the helper runs in the service's mount namespace (ProtectSystem=, BindPaths= apply, so it
// resolves the paths the service will see) but as root, to attach the policy to the unit's
// cgroup. A user manager runs everything as its user; the prefix would only draw a warning there.
std::string helper_prefix(const GeneratorConfig& config) { return config.scope == Scope::system ? "!" : ""; }

// The helper for cgroup mode, with the unit's files (known here, so the helper
// need not ask the service manager for them).
std::string helper_line(const GeneratorConfig& config, const std::vector<UnitFile>& files) {
    std::string line = "ExecStartPre=" + helper_prefix(config) + quote_word(config.helper) + user_flag(config) + " %n";
    for (const UnitFile& file : files) line += " " + quote_word(file.path);
    return line + "\n";
}

// The guard's own line (service.d/landlock-guard.conf): left out when the unit's ExecStartPre=
// lines are written again.
bool is_guard_line(const std::string& value) {
    auto commands = parse_exec_value(value);
    if (!commands || commands->size() != 1) return false;
    const ExecCommand& command = commands->front();
    if (base_name(command.words.front().value) == "landlock-systemd-guard") return true;
    if (base_name(command.words.front().value) != "landlock-systemd-helper") return false;
    return std::any_of(command.words.begin(), command.words.end(),
                       [](const Word& word) { return word.value == "--guard"; });
}

// landlock-launch's options for a unit: its name, and every assignment with where it was made.
// The values keep their %specifiers, which systemd expands as in any command line of the unit.
// `unavailable`: why cgroup mode is not available (mode:auto without the helper), "" otherwise.
std::string launcher_options(const std::vector<Located>& policy, const GeneratorConfig& config,
                             const std::string& unavailable, bool expands_variables) {
    std::string out = "--unit %n";
    out += user_flag(config);
    if (!unavailable.empty()) out += " --cgroup-mode-unavailable " + quote_word(unavailable, expands_variables);
    for (const Located& assignment : policy) {
        out += " --unit-rules " + quote_word(assignment.where(), expands_variables) + " " +
               quote_keeping_specifiers(assignment.key + "=" + assignment.value, expands_variables);
    }
    return out;
}

Result<void> write_file(const std::string& directory, const std::string& name, const std::string& text) {
    if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) return fail_errno(errno, "cannot create " + directory);
    const std::string path = directory + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd.valid()) return fail_errno(errno, "cannot create " + path);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "cannot write " + path);
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace

tl::expected<std::string, Diagnostics> render_dropin(const std::string& unit, const std::vector<UnitFile>& files,
                                                     const GeneratorConfig& config) {
    const UnitSettings settings = merge_settings(files);
    Diagnostics problems;
    for (const Located& line : settings.late_commands) {
        problems.error(line.where() + ": " + line.key + "=" + line.value,
                       "this command line would run without the Landlock policy",
                       std::string("the generator's ") + kDropinName +
                           " must be the last drop-in to set ExecStart=/ExecReload=; rename the later drop-in, and "
                           "run systemctl daemon-reload");
    }

    std::string text = header(unit, config);
    text += "# LandlockPolicy= is set at:\n";
    for (const Located& assignment : settings.policy) {
        text += "#   " + comment_safe(assignment.where()) + " (" + assignment.key + "=)\n";
    }
    const Mode mode = written_mode_value(settings.policy);
    bool with_helper = mode == Mode::cgroup || mode == Mode::both;
    std::string unavailable;  // mode:auto without cgroup mode: why
    if (mode == Mode::automatic) {
        const CgroupModeSupport support =
            config.cgroup_support ? config.cgroup_support() : CgroupModeSupport{false, "not probed"};
        with_helper = support.available;
        if (support.available) {
            text += "# mode:auto: cgroup mode is available: the helper attaches the policy to the unit's cgroup too.\n";
        } else {
            unavailable = comment_safe(support.reason.empty() ? std::string("no reason given") : support.reason);
            const auto choice = choose_mode(Mode::automatic, CgroupModeSupport{false, unavailable}, {});
            text += "# " + choice->report + "\n";
            text += "# It was not at daemon-reload, so no ExecStartPre= helper runs; landlock-launch says so in the\n"
                    "# unit's journal at each start.\n";
        }
    }
    const bool native = mode != Mode::cgroup;
    text += "[Service]\n";
    // The guard (service.d/landlock-guard.conf) is for units this generator has not seen: reset
    // the list and write the unit's own lines again, without it. The helper comes first, so
    // that the unit's own ExecStartPre= processes already run in a cgroup that holds the policy.
    text += "ExecStartPre=\n";
    if (with_helper) text += helper_line(config, files);
    for (const Located& line : settings.exec_start_pre) {
        if (!is_guard_line(line.value)) text += "ExecStartPre=" + line.value + "\n";
    }
    if (!native) {
        text += "# mode:cgroup: the command lines stay as they are; the helper attaches the policy.\n";
        if (problems.has_errors()) return tl::unexpected(std::move(problems));
        return text;
    }
    const LaunchWords launch{config.launcher, [&](bool expands_variables) {
                                 return launcher_options(settings.policy, config, unavailable, expands_variables);
                             }};
    const auto rewrite = [&](const char* key, const std::vector<Located>& lines) {
        if (lines.empty()) return;
        text += std::string(key) + "=\n";
        for (const Located& line : lines) {
            auto routed = route_through_launcher(line.value, launch);
            if (!routed) {
                problems.error(line.where() + ": " + key + "=" + line.value, routed.error().message, routed.error().hint);
                continue;
            }
            text += std::string(key) + "=" + *routed + "\n";
        }
    };
    rewrite("ExecStart", settings.exec_start);
    rewrite("ExecReload", settings.exec_reload);
    // In allow-list mode these lines add to the list; in deny-list mode they take the calls out
    // of it: either way the launcher may run and restrict itself, and nothing else changes.
    if (!settings.no_exec_paths.empty()) text += "ExecPaths=" + quote_word(config.launcher) + "\n";
    if (!settings.system_call_filter.empty()) {
        text += "SystemCallFilter=landlock_create_ruleset landlock_add_rule landlock_restrict_self\n";
    }
    if (problems.has_errors()) return tl::unexpected(std::move(problems));
    return text;
}

std::string render_refusal(const std::string& unit, const std::vector<std::string>& reasons,
                           const GeneratorConfig& config) {
    std::string text = header(unit, config);
    text += "# The unit sets LandlockPolicy=, but it cannot be sandboxed:\n";
    std::string arguments;
    for (const std::string& reason : reasons) {
        text += "#   " + comment_safe(reason) + "\n";
        arguments += " --reason " + quote_word(comment_safe(reason));
    }
    text += "# So it does not start: the helper below fails the start and names the reason.\n";
    text += "[Service]\n";
    text += "ExecStartPre=\n";
    text += "ExecStartPre=" + helper_prefix(config) + quote_word(config.helper) + user_flag(config) + " --refuse %n" +
            arguments + "\n";
    text += "ExecStart=\n";
    text += "ExecStart=" + quote_word(config.helper) + user_flag(config) + " --refuse %n" + arguments + "\n";
    text += "ExecReload=\n";
    return text;
}

GeneratorReport run_generator(const UnitIndex& index, const GeneratorConfig& config, const std::string& output_dir) {
    GeneratorReport report;
    for (const std::string& name : index.service_names()) {
        ++report.units_seen;
        // A template is processed like any unit: its drop-in applies to every instance, whose
        // name the helper gets through %n at start.
        const auto unit = parse_unit_name(name);
        if (!unit) continue;
        const auto fragment = index.fragment(*unit);
        if (!fragment || fragment->masked) continue;

        std::vector<std::string> paths{fragment->path};
        const std::vector<std::string> dropins = index.dropins(*unit);
        paths.insert(paths.end(), dropins.begin(), dropins.end());

        std::vector<UnitFile> files;
        files.reserve(paths.size());
        std::string read_error;
        for (const std::string& path : paths) {
            auto file = read_unit_file(path);
            if (!file) {
                read_error = file.error().what();
                continue;
            }
            files.push_back(std::move(*file));
        }
        if (!merge_settings(files).sets_policy()) {
            // An unreadable file might be the one that sets LandlockPolicy=, but refusing every
            // unit with an unreadable drop-in would break units that never asked for Landlock:
            // the helper's --guard, which reads the same files at start, fails those closed.
            continue;
        }
        std::string text;
        if (!read_error.empty()) {
            report.errors.push_back(name + ": " + read_error);
            text = render_refusal(name, {read_error}, config);
        } else if (auto rendered = render_dropin(name, files, config)) {
            text = std::move(*rendered);
        } else {
            std::vector<std::string> reasons;
            for (const Diagnostic& problem : rendered.error().all()) {
                reasons.push_back(problem.format());
                report.errors.push_back(name + ": " + problem.format());
            }
            text = render_refusal(name, reasons, config);
        }
        if (auto written = write_file(output_dir + "/" + name + ".d", kDropinName, text); !written) {
            report.errors.push_back(name + ": " + written.error().what());
            continue;
        }
        report.written.push_back(name);
    }
    return report;
}

}  // namespace llh::sd
