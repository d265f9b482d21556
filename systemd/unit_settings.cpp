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

// Conservative: any of these might hide or freeze /run, and the cost of saying so needlessly is
// one ReadWritePaths= line for a service that has a mount namespace anyway.
bool may_restrict_run(const Assignment& assignment) {
    const std::string& key = assignment.key;
    const std::string& value = assignment.value;
    if (key == "ProtectSystem") return value == "strict";
    if (key == "DynamicUser") return value == "yes" || value == "true" || value == "on" || value == "1";
    return (key == "ReadOnlyPaths" || key == "InaccessiblePaths" || key == "TemporaryFileSystem") && !value.empty();
}

}  // namespace

UnitSettings merge_settings(const std::vector<UnitFile>& files) {
    UnitSettings settings;
    for (const UnitFile& file : files) {
        for (const Assignment& assignment : file.assignments) {
            if (assignment.section != "Service") continue;
            if (assignment.key == "LandlockPolicy" || assignment.key == "X-LandlockPolicy") {
                add(settings.policy, file.path, assignment);
            } else if (assignment.key == "ExecStart") {
                add(settings.exec_start, file.path, assignment);
            } else if (assignment.key == "ExecReload") {
                add(settings.exec_reload, file.path, assignment);
            } else if (may_restrict_run(assignment)) {
                settings.restricts_run = true;
            }
        }
    }
    return settings;
}

}  // namespace llh::sd
