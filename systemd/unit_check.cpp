#include "systemd/unit_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libpolicy/unique_fd.hpp"
#include "systemd/exec_command.hpp"
#include "systemd/generator.hpp"
#include "systemd/unit_policy.hpp"

namespace llh::sd {
namespace {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool launcher_word(const std::string& value, const std::string& launcher) {
    auto commands = parse_exec_value(value);
    if (!commands) return false;
    for (const ExecCommand& command : *commands) {
        if (base_name(command.words.front().value) != base_name(launcher)) return false;
    }
    return true;
}

constexpr const char* kUnroutedHint =
    "the generator's zz-landlock.conf must be the last drop-in to set ExecStart=/ExecReload=; rename the later "
    "drop-in, and run systemctl daemon-reload";

// The assignments that produce command lines outside the launcher, as the files say.
void explain_lines(const std::vector<Located>& lines, const char* key, const std::string& launcher,
                   Diagnostics& out) {
    for (const Located& line : lines) {
        if (!launcher_word(line.value, launcher)) {
            out.error(line.where() + ": " + key + "=" + line.value,
                      "this command line would run without the Landlock policy", kUnroutedHint);
        }
    }
}

// Why the generator refused: the same rewrite, on the admin's own lines.
void explain_refusal(const std::vector<Located>& lines, const char* key, Diagnostics& out) {
    for (const Located& line : lines) {
        auto routed = route_through_launcher(line.value, LaunchWords{"landlock-launch", {}});
        if (!routed) out.error(line.where() + ": " + key + "=" + line.value, routed.error().message, routed.error().hint);
    }
}

}  // namespace

Result<LoadedUnit> load_unit(const UnitName& name, const std::string& fragment, const std::vector<std::string>& dropins) {
    LoadedUnit unit;
    unit.name = name;
    if (!fragment.empty()) unit.paths.push_back(fragment);
    unit.paths.insert(unit.paths.end(), dropins.begin(), dropins.end());
    std::vector<UnitFile> files;
    for (const std::string& path : unit.paths) {
        auto file = read_unit_file(path);
        if (!file) return tl::unexpected(std::move(file.error()));
        files.push_back(std::move(*file));
        if (base_name(path) == kDropinName) unit.has_generator_dropin = true;
    }
    unit.settings = merge_settings(files);
    unit.files = std::move(files);
    return unit;
}

Diagnostics unrouted_commands(const LoadedUnit& unit, const UnitProperties& properties, const std::string& launcher) {
    Diagnostics out;
    if (written_mode(unit.settings.policy) == "cgroup") return out;
    bool all_routed = true;
    for (const auto* list : {&properties.exec_start, &properties.exec_reload}) {
        for (const BusCommand& command : *list) {
            if (!runs_through_launcher(command.path, command.argv, launcher)) all_routed = false;
        }
    }
    if (all_routed) return out;
    const bool refused = std::any_of(unit.settings.exec_start.begin(), unit.settings.exec_start.end(),
                                     [](const Located& line) { return line.value.find(" --refuse ") != std::string::npos &&
                                                                      base_name(line.file) == kDropinName; });
    if (refused) {
        std::vector<UnitFile> own;
        for (const UnitFile& file : unit.files) {
            if (base_name(file.path) != kDropinName) own.push_back(file);
        }
        const UnitSettings admin = merge_settings(own);
        explain_refusal(admin.exec_start, "ExecStart", out);
        explain_refusal(admin.exec_reload, "ExecReload", out);
        if (out.has_errors()) return out;
    }
    // systemd says a command line bypasses the launcher; the files say where it was written.
    explain_lines(unit.settings.exec_start, "ExecStart", launcher, out);
    explain_lines(unit.settings.exec_reload, "ExecReload", launcher, out);
    if (!out.has_errors()) {
        out.error("", "the service manager's command lines differ from the unit files on disk",
                  "run systemctl daemon-reload");
    }
    return out;
}

Judgement judge_policy(const LoadedUnit& unit, const ManagerContext& manager, int kernel_abi, Diagnostics& diagnostics) {
    Judgement judgement;
    auto policy = policy_from_assignments(unit.settings.policy, unit.name, manager, unit_include_loader(), diagnostics);
    if (!policy) return judgement;

    const std::string where = assignment_label(unit.settings.policy.front());
    const bool hard = policy->options.compat == Compat::hard;
    auto compat = apply_compat(*policy, kernel_abi);
    if (!compat) {
        Error error = std::move(compat.error());
        diagnostics.error(where, error.message, error.hint);
        return judgement;
    }
    for (const Downgrade& dropped : compat->report.dropped) {
        diagnostics.warning(dropped.origin.empty() ? where : dropped.origin,
                            "this kernel (Landlock ABI " + std::to_string(kernel_abi) + ") cannot enforce " +
                                dropped.what + " (needs ABI " + std::to_string(dropped.needs_abi) + "): left out",
                            "compat:hard refuses to start instead");
    }
    // The paths as this service sees them: the helper runs in the service's mount namespace.
    for (const PathRule& rule : compat->policy.paths) {
        UniqueFd fd(::open(rule.path.c_str(), O_PATH | O_CLOEXEC));
        if (fd.valid()) continue;
        const int error = errno;
        const std::string message = "\"" + rule.path + "\" " +
                                    (error == ENOENT ? "does not exist" : "cannot be opened") +
                                    " for this service: " + std::strerror(error);
        if (hard) {
            diagnostics.error(rule.origin, message,
                              "create it, make it visible to the service (BindPaths=, ProtectSystem=), or use "
                              "compat:best-effort to skip missing paths");
        } else {
            diagnostics.warning(rule.origin, message + "; the rule is skipped", "compat:hard refuses to start instead");
        }
    }
    judgement.compat = compat->report;
    if (!diagnostics.has_errors()) judgement.policy = std::move(policy);
    return judgement;
}

}  // namespace llh::sd
