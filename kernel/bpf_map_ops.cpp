#include "kernel/bpf_map_ops.hpp"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace llh::cgroup {
namespace {

constexpr std::uint32_t kBatch = 512;

// One key after another: BPF_MAP_GET_NEXT_KEY + BPF_MAP_LOOKUP_ELEM.
Result<void> for_each_slowly(int map_fd, std::size_t key_size, std::size_t value_size,
                             const std::function<void(const void*, const void*)>& visit) {
    std::vector<unsigned char> key(key_size), next(key_size), value(value_size);
    const void* previous = nullptr;
    for (;;) {
        if (bpf_map_get_next_key(map_fd, previous, next.data()) != 0) {
            if (errno == ENOENT) return {};
            return fail_errno(errno, "cannot walk a BPF map (BPF_MAP_GET_NEXT_KEY)");
        }
        key = next;
        previous = key.data();
        if (bpf_map_lookup_elem(map_fd, key.data(), value.data()) != 0) {
            if (errno == ENOENT) continue;  // deleted meanwhile
            return fail_errno(errno, "cannot read a BPF map entry");
        }
        visit(key.data(), value.data());
    }
}

}  // namespace

Result<void> for_each_entry(int map_fd, std::size_t key_size, std::size_t value_size,
                            const std::function<void(const void* key, const void* value)>& visit) {
    // Hash maps use a bucket index as the batch cursor; a key-sized buffer of at least 8 bytes
    // holds it whatever the map.
    std::vector<unsigned char> cursor(std::max<std::size_t>(key_size, 8)), next_cursor(cursor.size());
    std::uint32_t capacity = kBatch;
    std::vector<unsigned char> keys, values;
    bool first = true;
    for (;;) {
        keys.resize(std::size_t{capacity} * key_size);
        values.resize(std::size_t{capacity} * value_size);
        std::uint32_t count = capacity;
        bpf_map_batch_opts options{};
        options.sz = sizeof(options);
        const int result = bpf_map_lookup_batch(map_fd, first ? nullptr : cursor.data(), next_cursor.data(),
                                                keys.data(), values.data(), &count, &options);
        const int error = result != 0 ? errno : 0;
        if (error == ENOSPC) {
            // One bucket holds more entries than fit: retry the same bucket with more room.
            capacity *= 2;
            continue;
        }
        if (error != 0 && error != ENOENT) {
            if (first && (error == EINVAL || error == ENOTSUP || error == EOPNOTSUPP))
                return for_each_slowly(map_fd, key_size, value_size, visit);
            return fail_errno(error, "cannot walk a BPF map (BPF_MAP_LOOKUP_BATCH)");
        }
        for (std::uint32_t i = 0; i < count; ++i) visit(&keys[i * key_size], &values[i * value_size]);
        if (error == ENOENT) return {};  // the last batch
        cursor = next_cursor;
        first = false;
    }
}

Result<void> delete_keys(int map_fd, const void* keys, std::size_t key_size, std::size_t count) {
    const auto* bytes = static_cast<const unsigned char*>(keys);
    std::size_t done = 0;
    while (done < count) {
        auto chunk = static_cast<std::uint32_t>(std::min<std::size_t>(count - done, kBatch));
        bpf_map_batch_opts options{};
        options.sz = sizeof(options);
        if (bpf_map_delete_batch(map_fd, bytes + done * key_size, &chunk, &options) == 0) {
            done += chunk;
            continue;
        }
        // A key deleted by someone else stops the batch (ENOENT) after `chunk` deletions; an old
        // kernel has no batch at all (EINVAL). Either way: that key alone, then carry on.
        const int error = errno;
        if (error != ENOENT && error != EINVAL && error != ENOTSUP && error != EOPNOTSUPP)
            return fail_errno(error, "cannot delete BPF map entries (BPF_MAP_DELETE_BATCH)");
        done += chunk;
        if (done < count) {
            if (bpf_map_delete_elem(map_fd, bytes + done * key_size) != 0 && errno != ENOENT)
                return fail_errno(errno, "cannot delete a BPF map entry");
            ++done;
        }
    }
    return {};
}

}  // namespace llh::cgroup
