#include "oci-hook/runtime_cmdline.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace llh {
namespace {

// runc 1.1 and crun 1.8 global options; the first group takes a value.
constexpr std::array<std::string_view, 7> kGlobalWithValue{
    "--root", "--log", "--log-format", "--criu", "--rootless", "--cgroup-manager", "--log-level"};
constexpr std::array<std::string_view, 9> kGlobalFlags{
    "--debug", "--systemd-cgroup", "--help", "-h", "--version", "-v", "-V", "-?", "--usage"};

constexpr std::array<std::string_view, 7> kCreateWithValue{
    "--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds", "--config", "-f"};
constexpr std::array<std::string_view, 16> kExecWithValue{"--console-socket",
                                                          "--pid-file",
                                                          "--process",
                                                          "-p",
                                                          "--cwd",
                                                          "--env",
                                                          "-e",
                                                          "--user",
                                                          "-u",
                                                          "--additional-gids",
                                                          "-g",
                                                          "--apparmor",
                                                          "--process-label",
                                                          "--cap",
                                                          "-c",
                                                          "--preserve-fds"};
constexpr std::string_view kExecCgroup = "--cgroup";

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Go's flag package (runc) accepts -root as well as --root.
std::string normalize(std::string_view option) {
    if (option.size() > 2 && option[0] == '-' && option[1] != '-') return "-" + std::string(option);
    return std::string(option);
}

struct Option {
    std::string name;
    std::optional<std::string> inline_value;  // --name=value
};

Option split_option(std::string_view arg) {
    const auto equals = arg.find('=');
    if (equals == std::string_view::npos) return {normalize(arg), std::nullopt};
    return {normalize(arg.substr(0, equals)), std::string(arg.substr(equals + 1))};
}

}  // namespace

Result<RuntimeCommand> parse_runtime_command(const std::vector<std::string>& argv) {
    RuntimeCommand command;
    std::size_t i = 1;
    for (; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (arg.empty() || arg[0] != '-') break;
        const Option option = split_option(arg);
        command.global_options.push_back(arg);
        if (contains(kGlobalWithValue, option.name)) {
            std::string value;
            if (option.inline_value) {
                value = *option.inline_value;
            } else {
                if (i + 1 >= argv.size()) return fail("global option " + arg + " needs a value");
                value = argv[++i];
                command.global_options.push_back(value);
            }
            if (option.name == "--root") command.root = value;
        } else if (!contains(kGlobalFlags, option.name)) {
            return fail("unknown global option " + arg,
                        "landlock-runtime understands the global options of runc 1.1 and crun 1.8");
        }
    }
    if (i >= argv.size()) return command;
    command.verb = argv[i];
    command.verb_index = i;

    const bool create = command.verb == "create" || command.verb == "run";
    const bool exec = command.verb == "exec";
    for (++i; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.empty() || arg[0] != '-') break;
        const Option option = split_option(arg);
        const bool takes_value = (create && contains(kCreateWithValue, option.name)) ||
                                 (exec && (contains(kExecWithValue, option.name) || option.name == kExecCgroup));
        if (!takes_value) continue;  // a flag, or an option of a verb we pass through untouched
        std::string value;
        if (option.inline_value) {
            value = *option.inline_value;
        } else {
            if (i + 1 >= argv.size()) return fail(command.verb + ": option " + arg + " needs a value");
            value = argv[++i];
        }
        if (option.name == "--bundle" || option.name == "-b") command.bundle = value;
        if (option.name == "--config" || option.name == "-f") command.config_file = value;
        if (exec && (option.name == "--process" || option.name == "-p")) command.process_file = value;
    }
    if (i < argv.size()) {
        command.id = argv[i];
        command.id_index = i;
    }
    return command;
}

std::string runtime_state_root(const RuntimeCommand& command, std::string_view runtime_path, bool is_root,
                               const char* xdg_runtime_dir, std::string_view cwd) {
    if (command.root) {
        if (command.root->empty()) return {};
        if (command.root->front() == '/') return *command.root;
        if (cwd.empty() || cwd.front() != '/') return {};
        return std::string(cwd) + "/" + *command.root;
    }
    const auto slash = runtime_path.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? runtime_path : runtime_path.substr(slash + 1);
    if (name != "runc" && name != "crun") return {};
    if (is_root) return "/run/" + std::string(name);
    if (xdg_runtime_dir == nullptr || xdg_runtime_dir[0] != '/') return {};
    return std::string(xdg_runtime_dir) + "/" + std::string(name);
}

}  // namespace llh
