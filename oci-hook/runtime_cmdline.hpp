// The command lines runc and crun accept, as far as landlock-runtime needs them: the global
// options, the verb, and for create/run/exec where the bundle, the id and the process are.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/result.hpp"

namespace llh {

struct RuntimeCommand {
    std::vector<std::string> global_options;  // everything between argv[0] and the verb
    std::string verb;                         // "" when there is none (--version, --help)
    std::size_t verb_index = 0;
    std::optional<std::string> root;  // the global --root: where the runtime keeps its state
    // create / run
    std::string bundle = ".";                 // --bundle/-b, default the working directory
    std::string config_file = "config.json";  // crun's --config/-f, relative to the bundle
    // create / run / exec / state ...: the container id and where it is in argv
    std::string id;
    std::size_t id_index = 0;
    // exec
    std::optional<std::string> process_file;  // --process/-p FILE
};

// Parses argv (argv[0] included). Fails on a global option it does not know, since the verb
// could then not be found reliably and an annotated container could start unsandboxed.
Result<RuntimeCommand> parse_runtime_command(const std::vector<std::string>& argv);

// Where the runtime keeps its containers' state (a directory per container id, there as long as
// the container exists): the global --root (made absolute against `cwd`), else the defaults of
// runc and crun — /run/runc or /run/crun for root, $XDG_RUNTIME_DIR/runc|crun rootless. "" when
// unknown (another runtime, rootless without XDG_RUNTIME_DIR).
std::string runtime_state_root(const RuntimeCommand& command, std::string_view runtime_path, bool is_root,
                               const char* xdg_runtime_dir, std::string_view cwd);

}  // namespace llh
