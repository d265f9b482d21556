// Errors that carry their context up the stack, and a Result<T> to return them in.
// The library never prints: the binary prints Error::what() once.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace llh {

struct Error {
    int errno_value = 0;               // 0 when the error did not come from a syscall
    std::string message;               // what went wrong, e.g. "\"/nonexistent\" does not exist"
    std::string hint;                  // what the user can do about it (may be empty)
    std::vector<std::string> context;  // innermost first: where it happened

    // Adds an outer context ("io.landlock.rules", "container 3f2a…").
    Error with_context(std::string where) && {
        context.push_back(std::move(where));
        return std::move(*this);
    }

    // "outer: inner: message: strerror (hint: …)"
    std::string what() const;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message, std::string hint = {}, int errno_value = 0) {
    return tl::unexpected<Error>(Error{errno_value, std::move(message), std::move(hint), {}});
}

// For a syscall that failed: keeps errno and its strerror text.
tl::unexpected<Error> fail_errno(int errno_value, std::string message, std::string hint = {});

}  // namespace llh
