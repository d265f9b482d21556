#include "systemd/unit_settings.hpp"

namespace llh::sd {
namespace {

// An empty assignment clears what came before, as for every list setting of systemd; the two
// spellings of the policy key share one list, so "X-LandlockPolicy=" resets "LandlockPolicy=" too.
void add(std::vector<Located>& list, const std::string& file, const Assignment& assignment) {
    if (assignment.value.empty()) {
        list.clear();
        return;
    }
    list.push_back(Located{file, assignment.line, assignment.key, assignment.value});
}

// Where a drop-in sorts against the generator's: drop-ins live in "NAME.d/" directories and
// systemd orders them by file name across all of them.
int order_against_generator(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash < 2 || path.compare(slash - 2, 2, ".d") != 0) return -1;  // a fragment
    const int compared = path.compare(slash + 1, std::string::npos, kDropinName);
    return compared < 0 ? -1 : compared == 0 ? 0 : 1;
}

}  // namespace

UnitSettings merge_settings(const std::vector<UnitFile>& files) {
    UnitSettings settings;
    for (const UnitFile& file : files) {
        const int order = order_against_generator(file.path);
        for (const Assignment& assignment : file.assignments) {
            if (assignment.section != "Service") continue;
            if (assignment.key == "LandlockPolicy" || assignment.key == "X-LandlockPolicy") {
                add(settings.policy, file.path, assignment);
            } else if (assignment.key == "NoExecPaths") {
                add(settings.no_exec_paths, file.path, assignment);
            } else if (assignment.key == "SystemCallFilter") {
                add(settings.system_call_filter, file.path, assignment);
            } else if (assignment.key == "ExecStartPre") {
                if (order < 0) add(settings.exec_start_pre, file.path, assignment);
            } else if (assignment.key == "ExecStart" || assignment.key == "ExecReload") {
                add(assignment.key == "ExecStart" ? settings.exec_start : settings.exec_reload, file.path, assignment);
                if (order > 0 && !assignment.value.empty()) {
                    settings.late_commands.push_back(Located{file.path, assignment.line, assignment.key, assignment.value});
                }
            }
        }
    }
    return settings;
}

}  // namespace llh::sd
