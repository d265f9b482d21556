// The runc and crun command lines engines really use (containerd shim, conmon, CRI-O, Docker).
#include <gmock/gmock.h>

#include "oci-hook/runtime_cmdline.hpp"

namespace llh {
namespace {

RuntimeCommand parse(const std::vector<std::string>& argv) {
    auto command = parse_runtime_command(argv);
    EXPECT_TRUE(command) << command.error().what();
    return command ? *command : RuntimeCommand{};
}

TEST(RuntimeCmdline, containerd_create) {
    auto c =
        parse({"landlock-runtime", "--root", "/run/containerd/runc/k8s.io", "--log", "/run/x/log.json", "--log-format",
               "json", "create", "--bundle", "/run/x/bundle", "--pid-file", "/run/x/init.pid", "3f2a"});
    EXPECT_EQ("create", c.verb);
    EXPECT_EQ(7U, c.verb_index);
    EXPECT_EQ("/run/x/bundle", c.bundle);
    EXPECT_EQ("3f2a", c.id);
    EXPECT_EQ(12U, c.id_index);
    EXPECT_EQ((std::vector<std::string>{"--root", "/run/containerd/runc/k8s.io", "--log", "/run/x/log.json",
                                        "--log-format", "json"}),
              c.global_options);
}

TEST(RuntimeCmdline, conmon_create_with_systemd_cgroup_and_equals_forms) {
    auto c = parse({"runc", "--systemd-cgroup", "--root=/run/runc", "create", "--bundle=/b", "--pid-file", "/p",
                    "--console-socket", "/s", "--no-pivot", "id1"});
    EXPECT_EQ("create", c.verb);
    EXPECT_EQ("/b", c.bundle);
    EXPECT_EQ("id1", c.id);
}

TEST(RuntimeCmdline, run_defaults_to_the_working_directory) {
    auto c = parse({"runc", "run", "-d", "web"});
    EXPECT_EQ("run", c.verb);
    EXPECT_EQ(".", c.bundle);
    EXPECT_EQ("config.json", c.config_file);
    EXPECT_EQ("web", c.id);
}

TEST(RuntimeCmdline, crun_config_option) {
    auto c = parse({"crun", "--cgroup-manager", "cgroupfs", "run", "-f", "other.json", "-b", "/b", "id"});
    EXPECT_EQ("other.json", c.config_file);
    EXPECT_EQ("/b", c.bundle);
    EXPECT_EQ("id", c.id);
}

TEST(RuntimeCmdline, go_style_single_dash_globals) {
    auto c = parse({"runc", "-root", "/r", "-debug", "state", "x"});
    EXPECT_EQ("state", c.verb);
    EXPECT_EQ("x", c.id);
}

TEST(RuntimeCmdline, exec_with_a_process_file) {
    auto c =
        parse({"runc", "--root", "/r", "exec", "--detach", "--pid-file", "/p", "--process", "/tmp/exec.json", "id2"});
    EXPECT_EQ("exec", c.verb);
    EXPECT_EQ("/tmp/exec.json", c.process_file.value_or(""));
    EXPECT_EQ("id2", c.id);
}

TEST(RuntimeCmdline, exec_with_a_command) {
    auto c = parse({"runc", "exec", "-t", "-e", "A=1", "--user", "0:0", "id3", "sh", "-c", "id"});
    EXPECT_EQ("id3", c.id);
    EXPECT_EQ(7U, c.id_index);
    EXPECT_FALSE(c.process_file);
}

TEST(RuntimeCmdline, no_verb) {
    auto c = parse({"runc", "--version"});
    EXPECT_EQ("", c.verb);
}

TEST(RuntimeCmdline, an_unknown_global_option_is_refused) {
    auto c = parse_runtime_command({"runc", "--frobnicate", "create", "x"});
    ASSERT_FALSE(c);
    EXPECT_THAT(c.error().what(), ::testing::HasSubstr("unknown global option --frobnicate"));
    EXPECT_FALSE(parse_runtime_command({"runc", "--root"}));
}

TEST(RuntimeCmdline, the_global_root_is_kept) {
    EXPECT_EQ("/run/containerd/runc/k8s.io",
              parse({"runc", "--root", "/run/containerd/runc/k8s.io", "delete", "x"}).root.value_or(""));
    EXPECT_EQ("/r", parse({"runc", "--root=/r", "create", "x"}).root.value_or(""));
    EXPECT_EQ("/r", parse({"runc", "-root", "/r", "state", "x"}).root.value_or(""));
    EXPECT_FALSE(parse({"runc", "run", "x"}).root);
}

TEST(RuntimeStateRoot, root_option_then_the_defaults_of_runc_and_crun) {
    const auto with_root = parse({"runc", "--root", "/run/containerd/runc/moby", "create", "x"});
    EXPECT_EQ("/run/containerd/runc/moby", runtime_state_root(with_root, "/usr/sbin/runc", true, nullptr, "/"));
    const auto relative = parse({"crun", "--root", "state", "run", "x"});
    EXPECT_EQ("/home/u/state", runtime_state_root(relative, "/usr/bin/crun", false, nullptr, "/home/u"));
    const auto plain = parse({"runc", "run", "x"});
    EXPECT_EQ("/run/runc", runtime_state_root(plain, "/usr/sbin/runc", true, "/run/user/0", "/"));
    EXPECT_EQ("/run/crun", runtime_state_root(plain, "/usr/bin/crun", true, nullptr, "/"));
    EXPECT_EQ("/run/user/1000/crun", runtime_state_root(plain, "/usr/bin/crun", false, "/run/user/1000", "/"));
    // Unknown: another runtime, or rootless without XDG_RUNTIME_DIR. Such records are released by
    // a delete through landlock-runtime only.
    EXPECT_EQ("", runtime_state_root(plain, "/usr/bin/youki", true, nullptr, "/"));
    EXPECT_EQ("", runtime_state_root(plain, "/usr/bin/crun", false, nullptr, "/"));
}

}  // namespace
}  // namespace llh
