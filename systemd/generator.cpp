#include "systemd/generator.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

std::string helper_line(const GeneratorConfig& config) {
    // "!": the helper runs in the service's mount namespace (ProtectSystem=, BindPaths= apply,
    // so it checks the paths the service will see) but as root, to write the policy file. A user
    // manager runs everything as its user; the prefix would only draw a warning there.
    const std::string prefix = config.scope == Scope::system ? "!" : "";
    const std::string user = config.scope == Scope::user ? " --user" : "";
    return "ExecStartPre=" + prefix + quote_word(config.helper) + user + " %n\n";
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

Result<std::string> render_dropin(const std::string& unit, const UnitSettings& settings, const GeneratorConfig& config) {
    std::string text = header(unit, config);
    text += "# LandlockPolicy= is set at:\n";
    for (const Located& assignment : settings.policy) {
        text += "#   " + comment_safe(assignment.where()) + " (" + assignment.key + "=)\n";
    }
    const std::string mode = written_mode(settings.policy);
    const bool native = mode != "cgroup";
    text += "[Service]\n";
    text += helper_line(config);
    if (settings.restricts_run && config.scope == Scope::system) {
        // The helper writes the compiled policy here from inside the service's namespace.
        text += std::string("ReadWritePaths=-") + kSystemPolicyDirectory + "\n";
    }
    if (!native) {
        text += "# mode:cgroup: the command lines stay as they are; the helper attaches the policy.\n";
        return text;
    }
    const LaunchWords launch{config.launcher, kPolicyFileSpecifier};
    const auto rewrite = [&](const char* key, const std::vector<Located>& lines) -> Result<void> {
        if (lines.empty()) return {};
        text += std::string(key) + "=\n";
        for (const Located& line : lines) {
            auto routed = route_through_launcher(line.value, launch);
            if (!routed) {
                return tl::unexpected(std::move(routed.error()).with_context(line.where() + ": " + key + "="));
            }
            text += std::string(key) + "=" + *routed + "\n";
        }
        return {};
    };
    if (auto done = rewrite("ExecStart", settings.exec_start); !done) return tl::unexpected(std::move(done.error()));
    if (auto done = rewrite("ExecReload", settings.exec_reload); !done) return tl::unexpected(std::move(done.error()));
    return text;
}

std::string render_refusal(const std::string& unit, const std::string& reason, const GeneratorConfig& config) {
    std::string text = header(unit, config);
    text += "# The unit sets LandlockPolicy=, but its command lines cannot be sandboxed:\n";
    text += "#   " + comment_safe(reason) + "\n";
    text += "# So it does not start: the helper below fails the start and names the reason.\n";
    text += "[Service]\n";
    text += helper_line(config);
    text += "ExecStart=\n";
    text += "ExecStart=" + quote_word(config.helper) + (config.scope == Scope::user ? " --user" : "") + " --refuse %n\n";
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
        const UnitSettings settings = merge_settings(files);
        if (!settings.sets_policy()) {
            // An unreadable file might be the one that sets LandlockPolicy=, but refusing every
            // unit with an unreadable drop-in would break units that never asked for Landlock:
            // the helper's --guard, which reads the same files at start, fails those closed.
            continue;
        }
        std::string text;
        if (!read_error.empty()) {
            report.errors.push_back(name + ": " + read_error);
            text = render_refusal(name, read_error, config);
        } else if (auto rendered = render_dropin(name, settings, config)) {
            text = std::move(*rendered);
        } else {
            const std::string reason = rendered.error().what();
            report.errors.push_back(name + ": " + reason);
            text = render_refusal(name, reason, config);
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
