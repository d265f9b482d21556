// landlockctl: the operator's CLI. Parses the command line, calls one subcommand, returns its status.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "launch/ctl_cgroup.hpp"
#include "launch/ctl_commands.hpp"
#include "launch/ctl_events.hpp"
#include "launch/ctl_inspect.hpp"

#ifndef LLH_VERSION
#define LLH_VERSION "unknown"
#endif

namespace {

using namespace llh::ctl;

// --policy FILE (repeatable) and --rules STRING, the sources every policy subcommand takes.
struct SourceFlags {
    std::vector<std::string> files;
    std::string rules;
    CLI::Option* rules_option = nullptr;

    void add_to(CLI::App* command) {
        command->add_option("--policy", files, "landlockconfig JSON/TOML policy file (repeatable: composed)")
            ->type_name("FILE")
            ->allow_extra_args(false)  // one FILE per --policy: "--policy p -- CMD" keeps CMD
            ->take_all();
        rules_option = command->add_option("--rules", rules, "rule string, e.g. \"rx:/usr ro:/etc rw:/tmp\"")
                           ->type_name("STRING");
    }

    llh::PolicySources sources() const {
        llh::PolicySources out;
        out.files = files;
        if (rules_option->count() > 0) out.rules = rules;
        return out;
    }
};

bool has_source(const llh::PolicySources& sources, const char* command) {
    if (!sources.files.empty() || sources.rules) return true;
    std::fprintf(stderr, "landlockctl %s: no policy: give --policy FILE or --rules STRING\n", command);
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Check, explain and run Landlock policies; report what this machine offers.", "landlockctl"};
    app.require_subcommand(1);
    app.set_version_flag("--version", LLH_VERSION);
    app.footer("Exit status: 0 ok, 1 policy errors, 2 usage; run: 126 sandbox not set up, 127 command not found, "
               "else the command's.");

    SourceFlags check_flags;
    std::vector<std::string> check_files;
    CheckOptions check;
    auto* check_cmd = app.add_subcommand("check", "validate policies: print every problem, exit 1 on errors");
    check_flags.add_to(check_cmd);
    check_cmd->add_option("files", check_files, "policy files (same as --policy)")->type_name("FILE");
    check_cmd->add_option("--root", check.root, "look rule paths up beneath this directory (a container's root)")
        ->type_name("DIR");

    SourceFlags explain_flags;
    ExplainOptions explain;
    auto* explain_cmd = app.add_subcommand("explain", "show the policy as this kernel enforces it");
    explain_flags.add_to(explain_cmd);
    explain_cmd->add_option("--root", explain.root, "look rule paths up beneath this directory")->type_name("DIR");
    explain_cmd->add_flag("--json", explain.json, "one JSON object");
    explain_cmd->add_option("--unit", explain.unit, "what a systemd service's LandlockPolicy= gives it")
        ->type_name("UNIT");
    explain_cmd->add_flag("--user", explain.user, "with --unit: a unit of the calling user's manager");

    SourceFlags run_flags;
    RunOptions run;
    auto* run_cmd = app.add_subcommand("run", "run a command sandboxed by the policy (as landlock-launch)");
    run_flags.add_to(run_cmd);
    run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing when the policy is fully enforced");
    run_cmd->add_option("command", run.command, "the command and its arguments, after --")->required();

    FeaturesOptions features;
    auto* features_cmd = app.add_subcommand("features", "report Landlock, audit, cgroup v2, BPF LSM and bpffs");
    features_cmd->add_flag("--json", features.json, "one JSON object");

    SourceFlags attach_flags;
    AttachOptions attach;
    auto* attach_cmd =
        app.add_subcommand("attach", "cgroup mode: enforce the policy on every task of a cgroup v2 directory");
    attach_flags.add_to(attach_cmd);
    attach_cmd->add_option("--cgroup", attach.cgroup, "cgroup v2 directory (its descendants are covered too)")
        ->type_name("DIR")
        ->required();
    attach_cmd->add_option("--root", attach.root, "look rule paths up beneath this directory (the workload's root)")
        ->type_name("DIR");
    attach_cmd->add_flag("-q,--quiet", attach.quiet, "print nothing when the policy is fully enforced");

    DetachOptions detach;
    auto* detach_cmd = app.add_subcommand("detach", "cgroup mode: remove a cgroup's policy");
    detach_cmd->add_option("--cgroup", detach.cgroup, "cgroup v2 directory")->type_name("DIR")->required();

    StatusOptions status;
    auto* status_cmd = app.add_subcommand("status", "cgroup mode: the policies attached to cgroups");
    status_cmd->add_flag("--json", status.json, "one JSON object");

    auto* collect_cmd = app.add_subcommand("collect", "cgroup mode: drop the policies of removed cgroups");

    InspectOptions inspect;
    auto* inspect_cmd = app.add_subcommand("inspect", "show what a container got from landlock-hooks");
    inspect_cmd->add_option("target", inspect.target, "container id, or its bundle directory")->required();
    inspect_cmd->add_flag("--json", inspect.json, "one JSON object");

    EventsOptions events;
    auto* events_cmd = app.add_subcommand("events", "the denials of both modes: who, what, when");
    events_cmd->add_flag("-f,--follow", events.follow, "keep printing them as they happen, until interrupted");
    events_cmd->add_flag("--json", events.json, "one JSON object a line");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? kExitOk : kExitUsage;
    }

    try {
        if (check_cmd->parsed()) {
            check.sources = check_flags.sources();
            check.sources.files.insert(check.sources.files.end(), check_files.begin(), check_files.end());
            if (!has_source(check.sources, "check")) return kExitUsage;
            return check_command(check);
        }
        if (explain_cmd->parsed()) {
            explain.sources = explain_flags.sources();
            if (!explain.unit.empty()) return explain_unit_command(explain);
            if (!has_source(explain.sources, "explain")) return kExitUsage;
            return explain_command(explain);
        }
        if (run_cmd->parsed()) {
            run.sources = run_flags.sources();
            if (!has_source(run.sources, "run")) return kExitUsage;
            return run_command(run);
        }
        if (inspect_cmd->parsed()) return inspect_command(inspect);
        if (attach_cmd->parsed()) {
            attach.sources = attach_flags.sources();
            if (!has_source(attach.sources, "attach")) return kExitUsage;
            return attach_command(attach);
        }
        if (detach_cmd->parsed()) return detach_command(detach);
        if (status_cmd->parsed()) return status_command(status);
        if (collect_cmd->parsed()) return collect_command();
        if (events_cmd->parsed()) return events_command(events);
        return features_command(features);
    } catch (const std::exception& error) {
        // Out of memory and the like: fail closed with one line, never a core dump.
        std::fprintf(stderr, "landlockctl: internal error: %s\n", error.what());
        return kExitPolicy;
    }
}
