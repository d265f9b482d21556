// Where systemd looks for units (systemd.unit(5) "Unit File Load Path"), and what it finds
// there for one unit: the fragment and the drop-ins, in systemd's order.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "systemd/specifiers.hpp"
#include "systemd/unit_name.hpp"

namespace llh::sd {

struct SearchPath {
    std::vector<std::string> directories;  // highest priority first
};

// The manager's search path. $SYSTEMD_UNIT_PATH replaces it (with the defaults appended when it
// ends in ':'), as systemd allows for tests. `skip` names directories to leave out: a generator
// must not read generator output directories, which other generators are writing meanwhile.
SearchPath unit_search_path(Scope scope, const std::set<std::string>& skip = {});

// The unit directories read once: which unit files and which drop-in directories each holds.
// Lookups are then in memory, so that the generator stays fast over hundreds of units.
class UnitIndex {
public:
    explicit UnitIndex(SearchPath path);

    struct Fragment {
        std::string path;        // the file systemd loads ("" when masked)
        bool masked = false;     // a symlink to /dev/null or an empty file
    };

    // The unit file for `name` (for an instance without a file of its own, its template's).
    std::optional<Fragment> fragment(const UnitName& name) const;

    // Every drop-in of `name`: "*.conf" in the "NAME.d" directories of dropin_names(name) in every
    // unit directory; a file name seen earlier (higher priority) masks later ones; sorted by file
    // name. Drop-ins that are symlinks to /dev/null or empty files mask and are left out.
    std::vector<std::string> dropins(const UnitName& name) const;

    // Is another name an alias of `name` (a symlink to its file)? systemd then also loads that
    // name's drop-ins, which dropins() does not list.
    bool has_aliases(const UnitName& name) const;

    // Every service name the index knows: unit files (not aliases) and instances that have a
    // drop-in directory of their own, sorted.
    std::vector<std::string> service_names() const;

private:
    struct Directory {
        std::string path;
        std::map<std::string, std::string> units;  // name -> what it is ("" = file, else symlink target)
        std::set<std::string> dropin_dirs;         // "foo.service" for "foo.service.d"
    };
    std::vector<Directory> directories_;
};

}  // namespace llh::sd
