// Tests that need a kernel feature or a tool skip with their reason on a developer's machine
// and fail in CI (CI=true): a skip there would hide exactly what the test is for.
#pragma once

#include <cstdlib>
#include <string_view>

#include <gtest/gtest.h>

namespace llh::test {

inline bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace llh::test

#define LLH_REQUIRE(condition, reason)                                       \
    do {                                                                     \
        if (!(condition)) {                                                  \
            if (::llh::test::in_ci()) {                                      \
                FAIL() << "required in CI but missing: " << (reason);        \
            } else {                                                         \
                GTEST_SKIP() << (reason);                                    \
            }                                                                \
        }                                                                    \
    } while (0)
