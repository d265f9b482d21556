// A throw-away store, include directory and samples for the rewrite tests.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "oci-hook/rewrite.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::test {

using Json = nlohmann::ordered_json;

// What the decision is told on a kernel without BPF LSM (as on the build machine), and its hint.
inline constexpr std::string_view kNoBpfLsm = "BPF LSM programs cannot be loaded here (test)";
inline constexpr std::string_view kLsmHint =
    "boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) and run as root, or use mode:native";

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

inline std::string sample(const std::string& name) {
    return read_text(std::filesystem::path(LLH_OCI_DATA_DIR) / name);
}

// A sample with the given annotations (replacing any io.landlock.* it had).
inline std::string with_annotations(const std::string& name, const Json& annotations) {
    Json config = Json::parse(sample(name));
    Json kept = Json::object();
    if (config.contains("annotations")) {
        for (const auto& [key, value] : config["annotations"].items()) {
            if (key.rfind("io.landlock.", 0) != 0) kept[key] = value;
        }
    }
    for (const auto& [key, value] : annotations.items()) kept[key] = value;
    config["annotations"] = kept;
    return config.dump();
}

class OciTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(root_ / "policies");
        settings_.launcher = "/bin/true";  // any executable regular file stands for the launcher
        settings_.hook = "/bin/false";     // and any other one for the hook
        settings_.include_directory = (root_ / "policies").string();
        settings_.store = StoreLayout::at((root_ / "run").string());
        settings_.kernel_abi = 7;
        settings_.cgroup_support = [] { return CgroupModeSupport{false, std::string(kNoBpfLsm)}; };
    }
    // The decision is made without a kernel: tests say what the kernel offers.
    void offer_cgroup_mode() {
        settings_.cgroup_support = [] { return CgroupModeSupport{true, {}}; };
    }

    std::size_t stored_policies() const {
        const auto dir = std::filesystem::path(settings_.store.policies);
        if (!std::filesystem::exists(dir)) return 0;
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
    }

    TempTree tree_{"llh-oci-test"};
    const std::filesystem::path root_{tree_.root()};
    RewriteSettings settings_;
};

}  // namespace llh::test
