// landlock-runtime: an OCI runtime wrapper for engines without a precreate stage (runc or crun
// used directly, Docker --runtime, containerd and CRI-O runtime handlers). On create/run it
// rewrites the bundle's config.json and, in native mode, records the container itself (it put the
// launcher in the exec chain, so no createRuntime hook has to check it; cgroup mode gets the
// createRuntime and poststop hooks, which attach and detach), on exec it rewrites the process, then it
// execs the real runtime with the same argv. On delete it runs the runtime as a child and removes
// the container's record once the runtime has deleted it. Records of containers that went away
// without a delete through here are collected at the next start or delete. Every other verb
// passes through untouched. Native mode alone adds no hook: each would cost a process start per
// container.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libpolicy/unique_fd.hpp"
#include "oci-hook/annotations.hpp"
#include "oci-hook/container_mode.hpp"
#include "oci-hook/file_io.hpp"
#include "oci-hook/hook_log.hpp"
#include "oci-hook/paths.hpp"
#include "oci-hook/policy_store.hpp"
#include "oci-hook/rewrite.hpp"
#include "oci-hook/runtime_cmdline.hpp"

namespace {

using Json = nlohmann::ordered_json;

bool is_self(const std::string& path) {
    std::error_code ec;
    return std::filesystem::equivalent(path, "/proc/self/exe", ec);
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    const auto last = text.find_last_not_of(" \t\r");
    return first == std::string_view::npos ? std::string_view() : text.substr(first, last - first + 1);
}

// Calls `each` with every piece of `text` between separators. (No std::istringstream: a stream
// sets up the C++ locale, a measurable part of a start that passes a container through untouched.)
template <class Each>
void split(std::string_view text, char separator, Each each) {
    for (;;) {
        const auto end = text.find(separator);
        each(text.substr(0, end));
        if (end == std::string_view::npos) return;
        text.remove_prefix(end + 1);
    }
}

// `runtime = PATH` in runtime.conf's text; "" when it names none (the last one counts).
std::string configured_runtime(std::string_view conf) {
    std::string chosen;
    split(conf, '\n', [&](std::string_view line) {
        line = trim(line);
        if (line.empty() || line[0] == '#') return;
        const auto equals = line.find('=');
        if (equals != std::string_view::npos && trim(line.substr(0, equals)) == "runtime") {
            chosen = trim(line.substr(equals + 1));
        }
    });
    return chosen;
}

// runc in PATH (not this wrapper, if it is installed as runc); "" when there is none.
std::string runc_in_path() {
    const char* path = std::getenv("PATH");
    std::string found;
    split(path != nullptr ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ':',
          [&](std::string_view dir) {
              if (!found.empty() || dir.empty()) return;
              const std::string candidate = std::string(dir) + "/runc";
              if (::access(candidate.c_str(), X_OK) == 0 && !is_self(candidate)) found = candidate;
          });
    return found;
}

// LANDLOCK_RUNTIME, then `runtime = PATH` in /etc/landlock/runtime.conf, then runc in PATH.
llh::Result<std::string> real_runtime() {
    std::string chosen;
    if (const char* env = std::getenv("LANDLOCK_RUNTIME"); env != nullptr && *env != '\0') {
        chosen = env;
    } else if (auto conf = llh::read_bounded_file(std::string(llh::kRuntimeConf), 64U << 10); conf) {
        chosen = configured_runtime(*conf);
    }
    if (chosen.empty()) {
        if (std::string runc = runc_in_path(); !runc.empty()) return runc;
        return llh::fail("no runc found in PATH",
                         "install runc, or name the runtime in LANDLOCK_RUNTIME or in /etc/landlock/runtime.conf "
                         "(runtime = /usr/bin/crun)");
    }
    if (chosen.front() != '/' || ::access(chosen.c_str(), X_OK) != 0) {
        return llh::fail("the runtime \"" + chosen + "\" is not an executable absolute path",
                         "set LANDLOCK_RUNTIME or runtime= in /etc/landlock/runtime.conf to e.g. /usr/bin/crun");
    }
    if (is_self(chosen)) return llh::fail("the runtime \"" + chosen + "\" is landlock-runtime itself");
    return chosen;
}

// `RUNTIME [global options] state ID` → the container's bundle directory.
llh::Result<std::string> container_bundle(const std::string& runtime, const llh::RuntimeCommand& command) {
    std::vector<std::string> args{runtime};
    args.insert(args.end(), command.global_options.begin(), command.global_options.end());
    args.push_back("state");
    args.push_back(command.id);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return llh::fail_errno(errno, "pipe");
    llh::UniqueFd read_end(pipe_fds[0]);
    llh::UniqueFd write_end(pipe_fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return llh::fail_errno(errno, "fork");
    if (pid == 0) {
        ::dup2(write_end.get(), STDOUT_FILENO);
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        ::execv(runtime.c_str(), argv.data());
        ::_exit(127);
    }
    write_end.reset();
    auto output = llh::read_all(read_end.get(), llh::kMaxStateBytes, "the runtime's state output");
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!output) return tl::unexpected(output.error());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return llh::fail("`" + runtime + " state " + command.id + "` failed", "is the container running?");
    }
    const Json state = Json::parse(*output, nullptr, false);
    if (state.is_discarded() || !state.is_object() || !state.contains("bundle") || !state["bundle"].is_string()) {
        return llh::fail("`" + runtime + " state " + command.id + "` gave no bundle");
    }
    return state["bundle"].get<std::string>();
}

llh::Result<void> replace_file(const std::string& path, const std::string& text) {
    struct stat st {};
    const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    return llh::write_file_atomic(path, text, mode);
}

// Unreferenced policy files older than this go (podman's precreate hook stores a policy a moment
// before its createRuntime hook records it); a collection runs at most once per interval.
constexpr std::int64_t kSecondNs = 1000000000LL;
constexpr std::int64_t kGcGraceNs = 300 * kSecondNs;
constexpr std::int64_t kGcIntervalNs = 60 * kSecondNs;

// LANDLOCK_HOOKS_GC_GRACE=SECONDS overrides the grace period (and caps the interval with it);
// tests set 0 to collect at every start.
std::int64_t gc_grace_ns() {
    const char* env = std::getenv("LANDLOCK_HOOKS_GC_GRACE");
    if (env == nullptr || *env == '\0') return kGcGraceNs;
    char* end = nullptr;
    const long long seconds = std::strtoll(env, &end, 10);
    if (*end != '\0' || seconds < 0 || seconds > 365LL * 24 * 3600) return kGcGraceNs;
    return seconds * kSecondNs;
}

// A failed collection never refuses a start or a delete: it is housekeeping.
void collect_garbage_if_due(const llh::StoreLayout& store, const llh::HookLog& log) {
    const std::int64_t grace = gc_grace_ns();
    const std::int64_t now = llh::realtime_ns();
    if (!llh::gc_due(store, now, std::min(grace, kGcIntervalNs))) return;
    auto report = llh::collect_garbage(store, {now, grace});
    if (!report) {
        log.warning("collecting " + store.root + " failed: " + report.error().what());
        return;
    }
    for (const auto& id : report->removed_records) log.info("removed the record of container " + id + " (gone)");
    for (const auto& path : report->removed_policies) log.info("removed " + path);
}

std::string absolute(const std::string& path) {
    if (!path.empty() && path.front() == '/') return path;
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
    return path == "." ? std::string(cwd) : std::string(cwd) + "/" + path;
}

std::string working_directory() {
    char cwd[PATH_MAX];
    return ::getcwd(cwd, sizeof cwd) != nullptr ? std::string(cwd) : std::string();
}

llh::Result<void> prepare_create(const std::string& runtime, const llh::RuntimeCommand& command, llh::HookLog& log) {
    const std::string config_path =
        command.config_file.front() == '/' ? command.config_file : command.bundle + "/" + command.config_file;
    auto text = llh::read_bounded_file(config_path, llh::kMaxConfigBytes);
    if (!text) return tl::unexpected(text.error());
    // Most containers ask for nothing: their config.json is not even parsed.
    if (!llh::might_request_policy(*text)) return {};
    // Native mode: no hooks, the record is written here, released on delete or collected later
    // (each hook would cost the container start a process). Cgroup mode: the rewrite adds the
    // hooks that attach, record and detach.
    const auto settings = llh::host_rewrite_settings(false);
    auto result = llh::rewrite_config(*text, settings);
    if (!result) return tl::unexpected(result.error());
    for (const auto& warning : result->warnings) log.warning(warning);
    if (!result->requested) return {};
    if (result->changed) {
        if (auto written = replace_file(config_path, result->config); !written) return written;
    }
    llh::report_rewrite(log, *result);
    if (command.id.empty() || !result->mode.native) return {};  // the runtime reports a usage error itself

    llh::ContainerRecord record;
    record.id = command.id;
    record.bundle = absolute(command.bundle);
    record.policy_path = result->policy_path;
    record.sha256 = result->sha256;
    record.launcher = settings.launcher;
    record.stage = "landlock-runtime";
    record.annotations = result->annotations;
    record.runtime_root = llh::runtime_state_root(command, runtime, ::geteuid() == 0, std::getenv("XDG_RUNTIME_DIR"),
                                                  working_directory());
    // An id the runtime holds already: it will refuse this create, and the record is that
    // running container's, which must stay as it is.
    if (struct stat st{};
        !record.runtime_root.empty() && ::lstat((record.runtime_root + "/" + record.id).c_str(), &st) == 0) {
        collect_garbage_if_due(settings.store, log);
        return {};
    }
    record.creator_pid = ::getpid();  // execve keeps the pid: the runtime that creates the container
    record.creator_start_time = llh::process_start_time(record.creator_pid).value_or(0);
    record.recorded_at_ns = llh::realtime_ns();  // after store_policy refreshed the file's mtime
    record.mode = result->mode.name();
    record.mode_report = result->mode.report;
    if (auto written = llh::write_record(settings.store, record); !written) return written;
    collect_garbage_if_due(settings.store, log);
    return {};
}

// The exit status of a child, passed on: a signal becomes the same signal on this process.
int pass_on_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        ::signal(WTERMSIG(status), SIG_DFL);
        ::raise(WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return 1;
}

// delete of a container we recorded: run the runtime as a child, and release the record and
// (when nobody else uses it) the policy once the runtime says the container is gone. Returns
// nullopt when the runtime should simply be exec'd.
std::optional<int> run_delete(const std::string& runtime, const llh::RuntimeCommand& command,
                              std::vector<std::string>& args, llh::HookLog& log) {
    if (command.id.empty() || !llh::check_container_id(command.id)) return std::nullopt;
    const llh::StoreLayout store = llh::default_store();
    auto record = llh::read_record(store, command.id);
    if (!record || !*record) {
        collect_garbage_if_due(store, log);
        return std::nullopt;
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, runtime.c_str(), nullptr, nullptr, argv.data(), environ);
    if (spawned != 0) {
        log.error(llh::Error{spawned, "cannot execute " + runtime, "", {}}.what());
        return 127;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 1;
    }
    // A refused delete keeps the record, unless the runtime has no such container any more
    // (`crun delete` of a container a foreground `run` deleted itself).
    if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || llh::container_gone(**record)) {
        log.set_container(command.id);
        if (auto released = llh::release_container(store, command.id); !released) {
            log.warning(released.error().what());
        } else if (released->removed_policy) {
            log.info("removed " + *released->removed_policy);
        }
    }
    collect_garbage_if_due(store, log);
    return pass_on_status(status);
}

// The mode decision of create, made again for a container whose process does not start through
// the launcher.
llh::Result<llh::ModeChoice> exec_mode(const llh::LandlockRequest& request) {
    const auto settings = llh::host_rewrite_settings(false);
    auto built = llh::build_policy(request, {settings.include_directory, settings.kernel_abi, settings.limits});
    if (!built) return tl::unexpected(built.error());
    return llh::choose_container_mode(built->policy, llh::request_key(request), settings.cgroup_support);
}

// exec: sandbox the new process as the container's own, or refuse when that cannot be done.
llh::Result<void> prepare_exec(const std::string& runtime, const llh::RuntimeCommand& command,
                               std::vector<std::string>& argv) {
    if (command.id.empty()) return {};  // the runtime reports the usage error itself
    auto bundle = container_bundle(runtime, command);
    if (!bundle) return tl::unexpected(bundle.error());
    auto text = llh::read_bounded_file(*bundle + "/config.json", llh::kMaxConfigBytes);
    if (!text) return tl::unexpected(text.error());
    const Json config = Json::parse(*text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) return llh::fail(*bundle + "/config.json is not JSON");
    auto request = llh::find_request(config.contains("annotations") ? config["annotations"] : Json());
    if (!request) return tl::unexpected(request.error());
    if (!*request) return {};
    if (!config.contains("process") || !llh::starts_through_launcher(config["process"])) {
        // Cgroup mode alone: the exec'd process joins the container's cgroup, which holds it.
        auto mode = exec_mode(**request);
        if (!mode) return tl::unexpected(mode.error());
        if (!mode->native) return {};
        return llh::fail(llh::request_key(**request) +
                             " asks for a Landlock policy, but the container was not started through "
                             "landlock-launch: an exec'd process cannot be sandboxed",
                         "recreate the container with landlock-runtime");
    }
    if (command.process_file) {
        auto process = llh::read_bounded_file(*command.process_file, llh::kMaxConfigBytes);
        if (!process) return tl::unexpected(process.error());
        auto rewritten = llh::rewrite_process(*process);
        if (!rewritten) return tl::unexpected(std::move(rewritten.error()).with_context(*command.process_file));
        if (*rewritten != *process) return replace_file(*command.process_file, *rewritten);
        return {};
    }
    const std::size_t first = command.id_index + 1;
    if (first >= argv.size()) return {};
    if (argv[first] == llh::kLaunchInContainer) return {};
    const auto prefix = llh::launch_prefix();
    argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(first), prefix.begin(), prefix.end());
    return {};
}

}  // namespace

static int run(int argc, char** argv) {
    llh::HookLog log("landlock-runtime");
    std::vector<std::string> args(argv, argv + argc);
    auto runtime = real_runtime();
    if (!runtime) {
        log.error(runtime.error());
        return 1;
    }
    auto command = llh::parse_runtime_command(args);
    if (!command) {
        log.error(command.error());
        return 1;
    }
    if (!command->id.empty() && (command->verb == "create" || command->verb == "run" || command->verb == "exec")) {
        log.set_container(command->id);
    }
    log.set_stage(command->verb);
    llh::Result<void> prepared;
    if (command->verb == "create" || command->verb == "run") {
        prepared = prepare_create(*runtime, *command, log);
    } else if (command->verb == "exec") {
        prepared = prepare_exec(*runtime, *command, args);
    } else if (command->verb == "delete") {
        if (const auto status = run_delete(*runtime, *command, args, log)) return *status;
    }
    if (!prepared) {
        log.error(prepared.error());
        return 1;
    }
    std::vector<char*> exec_argv;
    for (auto& arg : args) exec_argv.push_back(arg.data());
    exec_argv.push_back(nullptr);
    ::execv(runtime->c_str(), exec_argv.data());
    log.error(llh::Error{errno, "cannot execute " + *runtime, "", {}}.what());
    return 127;
}

// Out of memory and the like: one line and a refused start, never a core dump in a runtime's hook.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        llh::HookLog("landlock-runtime").error(std::string("internal error: ") + error.what());
        return 1;
    }
}
