// The BTF type id of one kernel function, for the BPF LSM probe's trial load (attach_btf_id).
// libbpf's libbpf_find_vmlinux_btf_id() parses and indexes all of vmlinux's BTF (~5 MB: ~55 ms
// measured, most of the probe's first run at a boot) to answer this; one bounded pass over the
// strings and the types before the function answers it in ~4 ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "libpolicy/result.hpp"

namespace llh {

inline constexpr const char* kVmlinuxBtfPath = "/sys/kernel/btf/vmlinux";

// The type id of the first BTF_KIND_FUNC named `name` in raw BTF (the layout of
// /sys/kernel/btf/vmlinux: btf_header, type section, string section), as libbpf's
// btf__find_by_name_kind() would give it. Errors: ENOENT when no FUNC has that name, EPROTO when
// the bytes are not BTF this scanner understands (bad header, a section or record past its end, a
// name past the string section, a kind it does not know): never a guess; EFBIG for a section
// ending past 64 MiB; EINVAL for a name that no BTF string can be (a NUL inside, over 4096 bytes).
Result<std::uint32_t> find_btf_func_id(std::span<const std::byte> btf, std::string_view name);

// The same for the BTF file at `path`, read through a 16 KiB window, never whole: the string
// section, then the type section up to the match; also the errno of open() or pread(). For
// BPF_LSM_MAC "file_open", libbpf looks up "bpf_lsm_file_open".
Result<std::uint32_t> find_vmlinux_func_id(std::string_view name, const std::string& path = kVmlinuxBtfPath);

}  // namespace llh
