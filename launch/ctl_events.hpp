// landlockctl events [--follow] [--json]: the denials of both modes, one line each. Cgroup mode's
// come from the pinned llh_events ring buffer (what is buffered, then as they happen with
// --follow); native mode's are Landlock's own audit records (ABI 7), read as they happen from the
// audit multicast group with --follow, where audit is on.
#pragma once

#include <string>

namespace llh::ctl {

struct EventsOptions {
    bool follow = false;                                  // until SIGINT/SIGTERM
    bool json = false;                                    // one JSON object a line
    std::string state_directory = "/run/landlock-hooks";  // the hooks' container records
    std::string pin_root;                                 // "" = LLH_PIN_ROOT
};

int events_command(const EventsOptions& options);

}  // namespace llh::ctl
