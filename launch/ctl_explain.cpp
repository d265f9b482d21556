// landlockctl explain: the policy as this kernel will enforce it, per path and port, with what
// was dropped and why. Human output or one JSON object (--json).
// explain --unit UNIT: the same for a systemd service, read with the generator's own code
// (systemd/): the files in systemd's order, the LandlockPolicy= assignments in force, their
// specifiers expanded for the unit, and the mode it runs in.
#include <fcntl.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "launch/ctl_commands.hpp"
#include "launch/ctl_common.hpp"
#include "libpolicy/access.hpp"
#include "libpolicy/mode_choice.hpp"
#include "native/landlock.hpp"
#include "systemd/generator.hpp"
#include "systemd/search_path.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/unit_mode.hpp"
#include "systemd/unit_name.hpp"
#include "systemd/unit_policy.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::ctl {
namespace {

using Json = nlohmann::ordered_json;

const char* compat_name(Compat compat) { return compat == Compat::hard ? "hard" : "best-effort"; }

const char* log_name(LogMode log) {
    switch (log) {
        case LogMode::off: return "off";
        case LogMode::on: return "on";
        case LogMode::children: break;
    }
    return "children";
}

const char* enforcement_name(Enforcement enforcement) {
    switch (enforcement) {
        case Enforcement::full: return "full";
        case Enforcement::partial: return "partial";
        case Enforcement::none: break;
    }
    return "none";
}

template <std::size_t N>
Json names_of(const std::array<RightInfo, N>& table, std::uint64_t set) {
    Json names = Json::array();
    for (const auto& right : table) {
        if ((set & right.bit) != 0) names.push_back(right.name);
    }
    return names;
}

struct FlagName {
    std::uint32_t bit;
    const char* name;
};
constexpr FlagName kRestrictFlags[] = {
    {restrict_flag::log_same_exec_off, "log_same_exec_off"},
    {restrict_flag::log_new_exec_on, "log_new_exec_on"},
    {restrict_flag::log_subdomains_off, "log_subdomains_off"},
    {restrict_flag::tsync, "tsync"},
};

Json restrict_flag_names(std::uint32_t flags) {
    Json names = Json::array();
    for (const auto& flag : kRestrictFlags) {
        if ((flags & flag.bit) != 0) names.push_back(flag.name);
    }
    return names;
}

// One object that both outputs render, so that they cannot disagree.
Json explanation(const KernelEvaluation& evaluation, const LandlockSupport& support) {
    const Policy& policy = evaluation.compat.policy;
    const CompatReport& report = evaluation.compat.report;
    const bool hard = policy.options.compat == Compat::hard;
    const std::uint32_t flags = restrict_flags(policy.options, evaluation.kernel_abi);

    Json out;
    out["kernel"] = {{"landlockAbi", support.abi}, {"errata", support.errata}};
    out["enforcement"] = evaluation.refused ? "refused" : enforcement_name(report.enforcement);
    out["summary"] = report.summary();
    out["options"] = {{"mode", mode_name(policy.options.mode)},
                      {"compat", compat_name(policy.options.compat)},
                      {"log", log_name(policy.options.log)}};
    out["restrictFlags"] = {{"value", flags}, {"names", restrict_flag_names(flags)}};
    out["handled"] = {{"fs", names_of(kFsRights, policy.handled_fs)},
                      {"net", names_of(kNetRights, policy.handled_net)},
                      {"scoped", names_of(kScopes, policy.scoped)}};
    Json not_handled = Json::array();
    for (const auto& right : kFsRights) {
        if ((policy.handled_fs & right.bit) == 0) not_handled.push_back({{"right", right.name}, {"abi", right.abi}});
    }
    out["notHandledFs"] = not_handled;

    Json paths = Json::array();
    for (std::size_t i = 0; i < policy.paths.size(); ++i) {
        const PathRule& rule = policy.paths[i];
        const PathState& state = evaluation.path_states.at(i);
        const bool is_file = state.kind == PathKind::file;
        const FsAccess effective = state.kind == PathKind::directory || is_file
                                       ? rights_for_object(rule.allowed, !is_file) : FsAccess{0};
        std::string status = "enforced";
        if (state.kind == PathKind::missing) status = hard ? "refused: missing" : "skipped: missing";
        if (state.kind == PathKind::unreachable) status = "refused: cannot open";
        Json path = {{"path", rule.path},
                     {"origin", rule.origin},
                     {"type", to_string(state.kind)},
                     {"status", status},
                     {"allowed", names_of(kFsRights, rule.allowed)},
                     {"effective", names_of(kFsRights, effective)},
                     {"masked", names_of(kFsRights, is_file ? rule.allowed & ~kFsFileRights : FsAccess{0})}};
        if (state.errno_value != 0) {
            const char* name = strerrorname_np(state.errno_value);
            path["errno"] = name != nullptr ? name : std::to_string(state.errno_value);
        }
        paths.push_back(path);
    }
    out["paths"] = paths;

    Json ports = Json::array();
    for (const auto& rule : policy.ports) {
        ports.push_back({{"port", rule.port}, {"origin", rule.origin}, {"allowed", names_of(kNetRights, rule.allowed)}});
    }
    out["ports"] = ports;

    Json dropped = Json::array();
    for (const auto& item : report.dropped) {
        dropped.push_back({{"what", item.what}, {"needsAbi", item.needs_abi}, {"origin", item.origin}});
    }
    out["dropped"] = dropped;
    out["notes"] = report.notes;
    return out;
}

std::string join(const Json& names) {
    if (names.empty()) return "none";
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name.get<std::string>();
    return text;
}

void print_human(const Json& out) {
    std::string text;
    const auto line = [&text](const std::string& content) { text += content + "\n"; };
    const auto& kernel = out["kernel"];
    const int abi = kernel["landlockAbi"].get<int>();
    line(abi == 0 ? std::string("Kernel: no Landlock")
                  : "Kernel: Landlock ABI " + std::to_string(abi) + ", errata " +
                        std::to_string(kernel["errata"].get<unsigned>()));
    line(out["enforcement"] == "refused"
             ? std::string("Enforcement: refused: compat:hard does not start (see the errors)")
             : "Enforcement: " + out["summary"].get<std::string>());
    const auto& options = out["options"];
    line("Options: mode " + options["mode"].get<std::string>() + ", compat " + options["compat"].get<std::string>() +
         ", log " + options["log"].get<std::string>());
    char value[16];
    std::snprintf(value, sizeof(value), "0x%x", out["restrictFlags"]["value"].get<unsigned>());
    line("Restrict flags: " + join(out["restrictFlags"]["names"]) + " (" + value + ")");
    line("Handled file system: " + join(out["handled"]["fs"]));
    std::string not_handled;
    for (const auto& item : out["notHandledFs"]) {
        not_handled += (not_handled.empty() ? "" : ", ") + item["right"].get<std::string>() + " (ABI " +
                       std::to_string(item["abi"].get<int>()) + ")";
    }
    line("Not handled file system (allowed everywhere): " + (not_handled.empty() ? "none" : not_handled));
    line("Handled network: " + join(out["handled"]["net"]) +
         (out["handled"]["net"].empty() ? " (TCP bind and connect unrestricted)" : ""));
    line("Scopes: " + join(out["handled"]["scoped"]) +
         (out["handled"]["scoped"].empty() ? " (signals and abstract UNIX sockets unrestricted)" : ""));

    line("Paths (" + std::to_string(out["paths"].size()) + "):");
    for (const auto& path : out["paths"]) {
        const std::string type = path["type"].get<std::string>();
        std::string entry = "  " + path["path"].get<std::string>() + "  " + type;
        if (path["status"] != "enforced") entry += " (" + path["status"].get<std::string>() + ")";
        entry += ": " + join(path["effective"].empty() ? path["allowed"] : path["effective"]);
        if (!path["masked"].empty()) entry += "; masked on a file: " + join(path["masked"]);
        line(entry);
        if (!path["origin"].get<std::string>().empty()) line("      from " + path["origin"].get<std::string>());
    }
    line("Ports (" + std::to_string(out["ports"].size()) + "):");
    for (const auto& port : out["ports"]) {
        line("  " + std::to_string(port["port"].get<std::uint64_t>()) + ": " + join(port["allowed"]));
    }
    if (out["dropped"].empty()) {
        line("Dropped: nothing");
    } else {
        line("Dropped (not enforced on this kernel):");
        for (const auto& item : out["dropped"]) {
            std::string entry = "  " + item["what"].get<std::string>();
            if (item["needsAbi"].get<int>() > 0) entry += " (needs ABI " + std::to_string(item["needsAbi"].get<int>()) + ")";
            if (!item["origin"].get<std::string>().empty()) entry += "  from " + item["origin"].get<std::string>();
            line(entry);
        }
    }
    for (const auto& note : out["notes"]) line("Note: " + note.get<std::string>());
    std::fputs(text.c_str(), stdout);
}

// Judges `policy` on this kernel and prints it; the exit status of explain.
int explain_policy(const Policy& policy, const ExplainOptions& options, const std::string& sources, int root_fd,
                   Diagnostics& diagnostics, Json* wrapper) {
    const LandlockSupport& support = landlock_support();
    const KernelEvaluation evaluation =
        evaluate_on_kernel(policy, support.abi, root_fd, options.root, sources, diagnostics);
    print_diagnostics(diagnostics);

    const Json out = explanation(evaluation, support);
    if (options.json) {
        Json whole = wrapper != nullptr ? *wrapper : out;
        if (wrapper != nullptr) whole["policy"] = out;
        std::printf("%s\n", whole.dump(2).c_str());
    } else {
        print_human(out);
    }
    return evaluation.refused || diagnostics.has_errors() ? kExitPolicy : kExitOk;
}

int policy_errors(const Diagnostics& diagnostics) {
    print_diagnostics(diagnostics);
    std::fprintf(stderr, "%s, %s\n", plural(count_severity(diagnostics, Severity::error), "error").c_str(),
                 plural(count_severity(diagnostics, Severity::warning), "warning").c_str());
    return kExitPolicy;
}

// The mode the unit will get and why: choose_mode() on this kernel's (or this user manager's)
// answer, as the helper decides at start. Sets `refused` when the unit will not start.
std::string unit_mode(const std::vector<sd::Located>& policy, sd::Scope scope, bool& refused) {
    const Mode requested = sd::written_mode_value(policy);
    const auto choice = choose_mode(requested, sd::unit_cgroup_mode_support(scope),
                                    sd::assignment_label(sd::mode_assignment(policy)));
    refused = !choice;
    if (!choice) return "refused: the unit does not start: " + choice.error().what();
    std::string how;
    if (choice->cgroup) how = "the ExecStartPre= helper attaches the policy to the unit's cgroup";
    if (choice->native) {
        how += std::string(how.empty() ? "" : "; ") + "every ExecStart=/ExecReload= runs through landlock-launch";
    }
    return choice->report + " (" + how + ")";
}

}  // namespace

int explain_command(const ExplainOptions& options) {
    auto root = open_check_root(options.root);
    if (!root) {
        std::fprintf(stderr, "landlockctl explain: --root: %s\n", root.error().what().c_str());
        return kExitUsage;
    }
    Diagnostics diagnostics;
    const auto policy = load_policy(options.sources, diagnostics);
    if (!policy) return policy_errors(diagnostics);
    return explain_policy(*policy, options, describe_sources(options.sources),
                          root->valid() ? root->get() : AT_FDCWD, diagnostics, nullptr);
}

int explain_unit_command(const ExplainOptions& options) {
    using namespace llh::sd;
    if (!options.sources.files.empty() || options.sources.rules || !options.root.empty()) {
        std::fprintf(stderr, "landlockctl explain: --unit reads the policy from the unit: no --policy, --rules or --root\n");
        return kExitUsage;
    }
    const auto name = parse_unit_name(options.unit);
    if (!name || name->type != "service" || name->is_template) {
        std::fprintf(stderr, "landlockctl explain: --unit: \"%s\" is not the name of a service (hint: web.service, "
                             "getty@tty1.service)\n", options.unit.c_str());
        return kExitUsage;
    }
    const Scope scope = options.user ? Scope::user : Scope::system;
    const SearchPath path = unit_search_path(scope);
    const UnitIndex index(path);
    const auto fragment = index.fragment(*name);
    if (!fragment) {
        std::string where;
        for (const std::string& directory : path.directories) where += (where.empty() ? "" : ":") + directory;
        std::fprintf(stderr, "landlockctl explain: no unit file for %s in %s\n", options.unit.c_str(), where.c_str());
        return kExitPolicy;
    }
    if (fragment->masked) {
        std::printf("%s is masked: it does not start\n", options.unit.c_str());
        return kExitOk;
    }
    // The files as systemd reads them, without the generator's own drop-in: it sets no policy,
    // and it is what this command predicts.
    std::vector<std::string> paths{fragment->path};
    for (const std::string& dropin : index.dropins(*name)) {
        if (dropin.substr(dropin.rfind('/') + 1) != kDropinName) paths.push_back(dropin);
    }
    std::vector<UnitFile> files;
    for (const std::string& file_path : paths) {
        auto file = read_unit_file(file_path);
        if (!file) {
            std::fprintf(stderr, "landlockctl explain: %s\n", file.error().what().c_str());
            return kExitPolicy;
        }
        files.push_back(std::move(*file));
    }
    const UnitSettings settings = merge_settings(files);
    const ManagerContext manager = current_manager_context(scope);

    Json unit_json;
    unit_json["unit"] = options.unit;
    unit_json["manager"] = options.user ? "user" : "system";
    unit_json["files"] = paths;
    Json assignments = Json::array();
    for (const Located& assignment : settings.policy) {
        auto expanded = expand_specifiers(assignment.value, *name, manager);
        assignments.push_back({{"where", assignment.where()},
                               {"key", assignment.key},
                               {"value", assignment.value},
                               {"expanded", expanded ? *expanded : std::string()}});
    }
    unit_json["assignments"] = assignments;
    if (!settings.sets_policy()) {
        unit_json["mode"] = "none";
        if (options.json) {
            std::printf("%s\n", unit_json.dump(2).c_str());
        } else {
            std::printf("Unit: %s (%s manager)\n", options.unit.c_str(), options.user ? "user" : "system");
            std::printf("LandlockPolicy=: not set: the service runs without a Landlock sandbox\n");
        }
        return kExitOk;
    }
    bool mode_refused = false;
    const std::string mode = unit_mode(settings.policy, scope, mode_refused);
    unit_json["mode"] = mode;
    if (!options.json) {
        std::string text = "Unit: " + options.unit + " (" + (options.user ? "user" : "system") + " manager)\n";
        text += "Files (in systemd's order):\n";
        for (const std::string& file_path : paths) text += "  " + file_path + "\n";
        text += "LandlockPolicy= in force:\n";
        for (const auto& assignment : assignments) {
            text += "  " + assignment["where"].get<std::string>() + ": " + assignment["key"].get<std::string>() + "=" +
                    assignment["value"].get<std::string>() + "\n";
            if (assignment["expanded"] != assignment["value"] && !assignment["expanded"].get<std::string>().empty()) {
                text += "      expanded: " + assignment["expanded"].get<std::string>() + "\n";
            }
        }
        text += "Mode: " + mode + "\n";
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    }

    // What the generator would refuse (command lines it cannot route, later drop-ins), then the
    // policy as landlock-launch compiles it.
    Diagnostics diagnostics;
    GeneratorConfig config;
    config.scope = scope;
    config.launcher = "landlock-launch";
    config.helper = "landlock-systemd-helper";
    if (auto rendered = render_dropin(options.unit, files, config); !rendered) diagnostics.append(rendered.error());
    const auto policy = policy_from_assignments(settings.policy, *name, manager, unit_include_loader(), diagnostics);
    if (!policy) return policy_errors(diagnostics);
    const int status = explain_policy(*policy, options, options.unit, AT_FDCWD, diagnostics, &unit_json);
    return mode_refused ? kExitPolicy : status;
}

}  // namespace llh::ctl
