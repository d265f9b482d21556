// landlock-systemd-helper: the first ExecStartPre= of units in cgroup mode (mode:cgroup, mode:both,
// and mode:auto where cgroup mode was available at daemon-reload; native mode needs none:
// landlock-launch checks the policy itself), the guard of the services the generator has not
// seen, and the refusal the generator writes. Thin: parse arguments, call the library, log the
// outcome.
//   landlock-systemd-helper [--user] UNIT [FILE...]   compile UNIT's policy (FILEs: the fragment
//                                                     and drop-ins the generator read; else asked
//                                                     of the service manager), choose the mode,
//                                                     attach the policy to UNIT's cgroup
//   landlock-systemd-helper [--user] --guard UNIT     refuse UNIT if it sets LandlockPolicy= but
//                                                     the generator's drop-in is not loaded
//   landlock-systemd-helper [--user] --refuse UNIT [--reason TEXT]...
//                                                     the generator had to refuse: log why, fail
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "native/landlock.hpp"
#include "systemd/generator.hpp"
#include "systemd/journal_log.hpp"
#include "systemd/search_path.hpp"
#include "systemd/unit_cgroup.hpp"
#include "systemd/unit_check.hpp"
#include "systemd/unit_mode.hpp"
#include "systemd/unit_policy.hpp"

#ifndef LLH_LAUNCH_INSTALL_PATH
#define LLH_LAUNCH_INSTALL_PATH "/usr/bin/landlock-launch"
#endif

namespace {

using namespace llh;
using namespace llh::sd;

enum class Action { prepare, guard, refuse };

struct Arguments {
    Action action = Action::prepare;
    Scope scope = Scope::system;
    std::string unit;
    std::vector<std::string> files;    // the unit's files, from the generator
    std::vector<std::string> reasons;  // --reason: why the generator refused
};

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

bool parse_arguments(int argc, char** argv, Arguments& out) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--user") {
            out.scope = Scope::user;
        } else if (arg == "--system") {
            out.scope = Scope::system;
        } else if (arg == "--guard") {
            out.action = Action::guard;
        } else if (arg == "--refuse") {
            out.action = Action::refuse;
        } else if (arg == "--reason" && i + 1 < argc) {
            out.reasons.emplace_back(argv[++i]);
        } else if (!arg.empty() && arg[0] != '-' && out.unit.empty()) {
            out.unit = arg;
        } else if (!arg.empty() && arg[0] == '/' && !out.unit.empty()) {
            out.files.push_back(arg);
        } else {
            return false;
        }
    }
    return !out.unit.empty();
}

std::string policy_keys(const LoadedUnit& unit) {
    std::string out;
    for (const Located& assignment : unit.settings.policy) {
        if (!out.empty()) out += ", ";
        out += assignment.where();
    }
    return out;
}

// Logs every diagnostic; true when one was an error.
bool report(const UnitLog& log, const Diagnostics& diagnostics) {
    for (const Diagnostic& diagnostic : diagnostics.all()) {
        if (diagnostic.severity == Severity::error) {
            log.error(diagnostic.format());
        } else {
            log.warning(diagnostic.format());
        }
    }
    return diagnostics.has_errors();
}

// Refuses when systemd would run a command line of the unit outside the launcher.
bool refuse_unrouted(const UnitLog& log, const LoadedUnit& unit, const UnitProperties& properties) {
    return report(log, unrouted_commands(unit, properties, LLH_LAUNCH_INSTALL_PATH));
}

int prepare(const Arguments& args, const UnitLog& log, const UnitName& name) {
    Result<LoadedUnit> unit = tl::unexpected(Error{});
    if (!args.files.empty()) {
        // The generator named the files it read: no round trip to the (busy) service manager.
        unit = load_unit(name, std::string(), args.files);
    } else {
        auto properties = read_unit_properties(args.scope, args.unit, false);
        if (!properties) {
            log.error(args.unit + ": error: " + properties.error().what());
            return kExitRefused;
        }
        unit = load_unit(name, properties->fragment_path, properties->dropin_paths);
    }
    if (!unit) {
        log.error(args.unit + ": error: " + unit.error().what());
        return kExitRefused;
    }
    if (!unit->settings.sets_policy()) {
        log.error(args.unit + ": error: the unit files no longer set LandlockPolicy=, but the service manager still "
                              "runs the Landlock drop-in (hint: run systemctl daemon-reload)");
        return kExitRefused;
    }

    const ManagerContext manager = current_manager_context(args.scope);
    Diagnostics diagnostics;
    const Judgement judgement = judge_policy(*unit, manager, landlock_support().abi, diagnostics);
    if (report(log, diagnostics) || !judgement.policy) {
        log.error(args.unit + ": the Landlock policy has errors, so the service does not start");
        return kExitRefused;
    }
    // The one decision (libpolicy/mode_choice), taken now: the kernel's answer at start counts,
    // not the one the generator saw at daemon-reload.
    const Policy& policy = *judgement.policy;
    auto choice = choose_mode(policy.options.mode, unit_cgroup_mode_support(args.scope),
                              assignment_label(mode_assignment(unit->settings.policy)));
    if (!choice) {
        log.error(choice.error().what());
        log.error(args.unit + ": the Landlock policy cannot be enforced as asked, so the service does not start");
        return kExitRefused;
    }
    log.log(choice->downgraded ? Priority::warning : Priority::info, args.unit + ": " + choice->report);
    if (choice->cgroup) {
        std::string cgroup_dir;
        auto attached = attach_to_own_cgroup(args.unit, policy, cgroup_dir);
        if (!attached) {
            log.error(args.unit + ": error: " + attached.error().what());
            log.error(args.unit + ": the Landlock policy cannot be attached to the unit's cgroup, so the service does "
                                  "not start");
            return kExitRefused;
        }
        for (const std::string& warning : attached->warnings) log.warning(args.unit + ": warning: " + warning);
        log.info(args.unit + ": Landlock policy from " + policy_keys(*unit) + ": " + describe_attach(cgroup_dir, *attached));
    }
    // Native mode: landlock-launch, in each command line, says what it enforced.
    return kExitOk;
}

// Runs before every service the generator did not handle (its drop-in resets ExecStartPre= for
// the others), so the common case, a unit without LandlockPolicy=, must cost next to nothing:
// two properties over the manager's private socket, a read of the few files, no journal.
int guard(const Arguments& args, const UnitLog& log, const UnitName& name) {
    auto properties = read_unit_properties(args.scope, args.unit, false);
    if (!properties) {
        // Without the manager, read the unit path ourselves: a unit that does not set
        // LandlockPolicy= must keep starting, one that does cannot be verified and fails closed.
        UnitIndex index(unit_search_path(args.scope));
        const auto fragment = index.fragment(name);
        auto unit = load_unit(name, fragment ? fragment->path : std::string(), index.dropins(name));
        if (unit && !unit->settings.sets_policy()) return kExitOk;
        log.error(args.unit + ": error: cannot verify the Landlock sandbox: " + properties.error().what());
        return kExitRefused;
    }
    auto unit = load_unit(name, properties->fragment_path, properties->dropin_paths);
    if (!unit) {
        log.error(args.unit + ": error: " + unit.error().what());
        return kExitRefused;
    }
    if (!unit->settings.sets_policy()) return kExitOk;
    if (!unit->has_generator_dropin) {
        log.error(args.unit + ": error: LandlockPolicy= is set (" + policy_keys(*unit) +
                  ") but the service manager has not loaded the Landlock generator's drop-in, so the service would "
                  "run unsandboxed (hint: run systemctl daemon-reload; if that does not help, install "
                  "landlock-systemd-generator in systemd's generator directory)");
        return kExitRefused;
    }
    // The generator's drop-in is loaded and yet the guard runs: a later drop-in brought it back,
    // or the drop-in is older than this version. Check what systemd will run.
    auto full = read_unit_properties(args.scope, args.unit);
    if (!full) {
        log.error(args.unit + ": error: cannot verify the Landlock sandbox: " + full.error().what());
        return kExitRefused;
    }
    return refuse_unrouted(log, *unit, *full) ? kExitRefused : kExitOk;
}

int run(const Arguments& args) {
    const UnitLog log(args.scope, args.unit);
    const auto name = parse_unit_name(args.unit);
    if (!name || name->type != "service" || name->is_template) {
        log.error(args.unit + ": error: not a service unit name (hint: the drop-in passes %n)");
        return kExitRefused;
    }
    // The argument comes from the unit's own drop-in; the cgroup says which unit we really run in.
    if (auto own = own_unit(args.scope); own && *own != args.unit) {
        log.error(args.unit + ": error: the helper runs in " + *own + ", not in " + args.unit +
                  " (hint: call it only from the unit's own ExecStartPre=)");
        return kExitRefused;
    }
    if (args.action == Action::guard) return guard(args, log, *name);
    if (args.action == Action::refuse) {
        // Say why once more, where the service's start failed; then fail.
        for (const std::string& reason : args.reasons) log.error(reason);
        log.error(args.unit + ": error: the Landlock generator could not sandbox this service, so it does not run "
                              "(hint: see the reasons above, or landlockctl explain --unit " + args.unit + ")");
        return kExitRefused;
    }
    return prepare(args, log, *name);
}

}  // namespace

int main(int argc, char** argv) {
    Arguments args;
    if (!parse_arguments(argc, argv, args)) {
        std::fprintf(stderr, "usage: landlock-systemd-helper [--user] [--guard|--refuse [--reason TEXT]...] UNIT [FILE...]\n");
        return kExitUsage;
    }
    try {
        return run(args);
    } catch (const std::exception& error) {
        // Out of memory and the like: fail the start with one line.
        std::fprintf(stderr, "landlock-systemd-helper: %s: internal error: %s\n", args.unit.c_str(), error.what());
        return kExitRefused;
    }
}
