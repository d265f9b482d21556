// SHA-256 (FIPS 180-4) for content-named policy files. Written here rather than linked from
// libcrypto: the hooks run on every container start, and loading libcrypto costs more than
// hashing a policy.
#pragma once

#include <string>
#include <string_view>

namespace llh {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace llh
