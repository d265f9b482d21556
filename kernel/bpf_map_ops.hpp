// Whole-map operations on a BPF hash map from user space: dump every entry, delete many keys.
// Batched (BPF_MAP_*_BATCH, Linux 5.6) so that scanning 100,000 rules is a few hundred syscalls,
// with a one-key-at-a-time fallback for maps or kernels without batch support.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "libpolicy/result.hpp"

namespace llh::cgroup {

// Calls visit(key, value) for every entry (key_size / value_size bytes). Entries inserted or
// deleted concurrently may or may not be seen, as with any hash map walk.
Result<void> for_each_entry(int map_fd, std::size_t key_size, std::size_t value_size,
                            const std::function<void(const void* key, const void* value)>& visit);

// Deletes `count` keys laid out back to back in `keys`; a key already gone is not an error.
Result<void> delete_keys(int map_fd, const void* keys, std::size_t key_size, std::size_t count);

// Typed conveniences.
template <class Key, class Value, class Visit>
Result<void> for_each(int map_fd, Visit&& visit) {
    return for_each_entry(map_fd, sizeof(Key), sizeof(Value), [&](const void* key, const void* value) {
        visit(*static_cast<const Key*>(key), *static_cast<const Value*>(value));
    });
}

template <class Key>
Result<void> delete_all(int map_fd, const std::vector<Key>& keys) {
    return delete_keys(map_fd, keys.data(), sizeof(Key), keys.size());
}

}  // namespace llh::cgroup
