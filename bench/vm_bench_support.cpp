#include "bench/vm_bench_support.hpp"

#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "kernel/tests/vm_support.hpp"
#include "libpolicy/unique_fd.hpp"
#include "tests/kernel/support.hpp"

namespace llh::bench {
namespace {

std::string option_value(int argc, char** argv, const std::string& name) {
    const std::string prefix = name + "=";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
    }
    return {};
}

int parse_int(const std::string& name, const std::string& text) {
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value <= 0 || value > 1000000) {
        std::fprintf(stderr, "vm-bench: %s=%s: expected a positive number\n", name.c_str(), text.c_str());
        std::exit(2);
    }
    return static_cast<int>(value);
}

// Unpins everything beneath a bpffs directory, then the directory itself.
void remove_pins(const std::string& path) {
    if (DIR* dir = ::opendir(path.c_str())) {
        std::vector<std::pair<std::string, bool>> entries;
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name != "." && name != "..") entries.emplace_back(path + "/" + name, entry->d_type == DT_DIR);
        }
        ::closedir(dir);
        for (const auto& [child, is_dir] : entries) {
            if (is_dir)
                remove_pins(child);
            else
                ::unlink(child.c_str());
        }
    }
    ::rmdir(path.c_str());
}

}  // namespace

int int_option(int argc, char** argv, const std::string& name, int fallback) {
    const std::string text = option_value(argc, argv, name);
    return text.empty() ? fallback : parse_int(name, text);
}

std::vector<int> list_option(int argc, char** argv, const std::string& name, std::vector<int> fallback) {
    const std::string text = option_value(argc, argv, name);
    if (text.empty()) return fallback;
    std::vector<int> values;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) values.push_back(parse_int(name, item));
    return values;
}

void fail(const std::string& what) {
    std::fprintf(stderr, "vm-bench: %s\n", what.c_str());
    std::exit(1);
}

double median(std::vector<double> values) {
    if (values.empty()) return NAN;
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double median_added(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> differences;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) differences.push_back(a[i] - b[i]);
    return median(differences);
}

double fastest(const std::vector<double>& values) {
    return values.empty() ? NAN : *std::min_element(values.begin(), values.end());
}

void result(const std::string& name, double value) {
    std::printf("RESULT %s %.4g\n", name.c_str(), value);
    std::fflush(stdout);
}

std::string make_file_at_depth(const std::string& root, int depth) {
    std::string dir = root;
    for (int i = 1; i < depth; ++i) {
        dir += "/d";
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir " + dir + ": " + std::strerror(errno));
    }
    const std::string file = dir + "/f";
    const UniqueFd fd(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd.valid()) fail("create " + file + ": " + std::strerror(errno));
    return file;
}

double open_close_ns(const std::string& path, int iterations) {
    const std::uint64_t start = test::now_ns();
    for (int i = 0; i < iterations; ++i) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("open " + path + ": " + std::strerror(errno));
        ::close(fd);
    }
    return static_cast<double>(test::now_ns() - start) / iterations;
}

double in_child(const std::function<bool()>& prepare, const std::function<double()>& measure) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2");
    const UniqueFd reader(fds[0]);
    UniqueFd writer(fds[1]);
    std::fflush(stdout);
    const int status = test::run_in_child([&] {
        if (!prepare()) return 3;
        const double value = measure();
        return ::write(writer.get(), &value, sizeof(value)) == sizeof(value) ? 0 : 4;
    });
    writer.reset();
    double value = NAN;
    if (status != 0 || ::read(reader.get(), &value, sizeof(value)) != sizeof(value))
        fail("a measuring child failed (exit status " + std::to_string(status) + ")");
    return value;
}

std::vector<std::size_t> rotated(std::size_t count, int round) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < count; ++i) order.push_back((i + static_cast<std::size_t>(round)) % count);
    return order;
}

std::size_t loaded_lsm_programs() {
    std::size_t count = 0;
    for (__u32 id = 0; bpf_prog_get_next_id(id, &id) == 0;) {
        const UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (!fd.valid()) continue;  // gone meanwhile
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && info.type == BPF_PROG_TYPE_LSM) ++count;
    }
    return count;
}

PrivatePrograms::PrivatePrograms(std::string pin_root) : pin_root_(std::move(pin_root)) {
    lsm_programs_before_ = loaded_lsm_programs();
    if (::mkdir(pin_root_.c_str(), 0700) != 0 && errno != EEXIST)
        fail("mkdir " + pin_root_ + ": " + std::strerror(errno));
    cgroup::OpenOptions options;
    options.pin_root = pin_root_;
    auto opened = cgroup::Enforcer::open(options);
    if (!opened) fail("cgroup mode: " + std::string(opened.error().what()));
    enforcer_ = std::move(*opened);
}

PrivatePrograms::~PrivatePrograms() {
    unload();
}

void PrivatePrograms::unload() {
    if (!enforcer_) return;
    enforcer_.reset();
    remove_pins(pin_root_);
    // Links and programs go once their last reference does, after an RCU grace period.
    for (int i = 0; i < 600 && loaded_lsm_programs() > lsm_programs_before_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (loaded_lsm_programs() > lsm_programs_before_) fail("the programs pinned at " + pin_root_ + " stay loaded");
}

Policy read_policy(const std::vector<std::string>& directories) {
    std::vector<PathRule> rules;
    for (const auto& dir : directories) rules.push_back(test::path_rule(dir, fs::read_file | fs::read_dir));
    return test::fs_policy(std::move(rules));
}

void attach_or_fail(cgroup::Enforcer& enforcer, const std::string& cgroup_dir, const Policy& policy) {
    auto attached = enforcer.attach(cgroup::AttachRequest{cgroup_dir, ""}, policy);
    if (!attached) fail("attach to " + cgroup_dir + ": " + attached.error().what());
}

}  // namespace llh::bench
