#include "libpolicy/result.hpp"

#include <cstring>

namespace llh {

std::string Error::what() const {
    std::string out;
    // context holds the innermost first; the reader wants the outermost (the container, the
    // annotation) first, as in "landlock-oci-hook: container 3f2a: io.landlock.rules: …".
    for (auto it = context.rbegin(); it != context.rend(); ++it) {
        out += *it;
        out += ": ";
    }
    out += message;
    if (errno_value != 0) {
        char buffer[256];
        // GNU strerror_r: thread-safe, returns the text (maybe not in buffer).
        out += ": ";
        out += ::strerror_r(errno_value, buffer, sizeof buffer);
    }
    if (!hint.empty()) {
        out += " (hint: ";
        out += hint;
        out += ")";
    }
    return out;
}

tl::unexpected<Error> fail_errno(int errno_value, std::string message, std::string hint) {
    return tl::unexpected<Error>(Error{errno_value, std::move(message), std::move(hint), {}});
}

}  // namespace llh
