// The BPF LSM probe's BTF scanner: the same ids as libbpf on this kernel's BTF, and refusals (no
// crash, no guess) for every kind of broken BTF.
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/vmlinux_btf.hpp"
#include "libpolicy/unique_fd.hpp"
#include "tests/support/require.hpp"

namespace llh {
namespace {

// A BTF blob written by hand, record by record, as the kernel lays it out: header, type
// section, string section (which starts with the empty name).
class BtfBuilder {
public:
    std::uint32_t name(std::string_view text) {
        const auto offset = static_cast<std::uint32_t>(strings_.size());
        strings_ += text;
        strings_ += '\0';
        return offset;
    }

    // One type record: struct btf_type, then `extra` (the kind-specific data) as 32-bit words.
    BtfBuilder& type(std::uint32_t name_off, std::uint32_t kind, std::uint32_t vlen,
                     std::initializer_list<std::uint32_t> extra = {}) {
        words_.insert(words_.end(), {name_off, (kind << 24) | vlen, 0});
        words_.insert(words_.end(), extra);
        return *this;
    }

    // Kind-specific data of the last record, when it is too long for an initializer list.
    BtfBuilder& words(const std::vector<std::uint32_t>& words) {
        words_.insert(words_.end(), words.begin(), words.end());
        return *this;
    }

    std::vector<std::byte> build() const {
        btf_header header{};
        header.magic = BTF_MAGIC;
        header.version = BTF_VERSION;
        header.hdr_len = sizeof(btf_header);
        header.type_off = 0;
        header.type_len = static_cast<std::uint32_t>(words_.size() * sizeof(std::uint32_t));
        header.str_off = header.type_len;
        header.str_len = static_cast<std::uint32_t>(strings_.size());
        std::vector<std::byte> bytes(sizeof(header) + header.type_len + header.str_len);
        std::memcpy(bytes.data(), &header, sizeof(header));
        std::memcpy(bytes.data() + sizeof(header), words_.data(), header.type_len);
        std::memcpy(bytes.data() + sizeof(header) + header.type_len, strings_.data(), header.str_len);
        return bytes;
    }

private:
    std::vector<std::uint32_t> words_;
    std::string strings_ = std::string(1, '\0');
};

// Overwrites the header field at `offset` (offsetof(btf_header, …)) of a built blob.
template <class T>
void patch(std::vector<std::byte>& blob, std::size_t offset, T value) {
    std::memcpy(blob.data() + offset, &value, sizeof(value));
}

int error_of(const Result<std::uint32_t>& id) {
    return id ? 0 : id.error().errno_value;
}

// One type of each kind the scanner knows: a wrong length for any kind that carries data after
// its struct btf_type shifts the FUNC that follows to another id. Ids 1..18; the FUNCs come after.
BtfBuilder every_kind() {
    BtfBuilder btf;
    const auto other = btf.name("other");
    btf.type(btf.name("int"), BTF_KIND_INT, 0, {0x01000020})  // 1
        .type(0, BTF_KIND_PTR, 0)                             // 2
        .type(0, BTF_KIND_ARRAY, 0, {1, 1, 4})                // 3
        .type(other, BTF_KIND_STRUCT, 2, {other, 1, 0, other, 1, 32})
        .type(other, BTF_KIND_UNION, 1, {other, 1, 0})
        .type(other, BTF_KIND_ENUM, 2, {other, 0, other, 1})
        .type(other, BTF_KIND_FWD, 0)
        .type(other, BTF_KIND_TYPEDEF, 0)
        .type(0, BTF_KIND_VOLATILE, 0)
        .type(0, BTF_KIND_CONST, 0)
        .type(0, BTF_KIND_RESTRICT, 0)
        .type(0, BTF_KIND_FUNC_PROTO, 2, {0, 1, 0, 1})
        .type(other, BTF_KIND_VAR, 0, {1})
        .type(other, BTF_KIND_DATASEC, 1, {13, 0, 4})
        .type(other, BTF_KIND_FLOAT, 0)
        .type(other, BTF_KIND_DECL_TAG, 0, {0xffffffff})
        .type(other, BTF_KIND_TYPE_TAG, 0)
        .type(other, BTF_KIND_ENUM64, 1, {other, 1, 0});  // 18
    return btf;
}

TEST(VmlinuxBtf, FindsTheFuncAfterRecordsOfEveryKind) {
    BtfBuilder btf = every_kind();
    const auto name = btf.name("bpf_lsm_file_open");
    btf.type(name, BTF_KIND_STRUCT, 0)                            // 19: the name, not a FUNC
        .type(btf.name("bpf_lsm_file_open_x"), BTF_KIND_FUNC, 1)  // 20: a longer name
        .type(name, BTF_KIND_FUNC, 1)                             // 21
        .type(name, BTF_KIND_FUNC, 1);                            // 22: libbpf takes the first
    const auto blob = btf.build();
    const auto id = find_btf_func_id(blob, "bpf_lsm_file_open");
    ASSERT_TRUE(id) << id.error().what();
    EXPECT_EQ(21U, *id);
    EXPECT_EQ(20U, find_btf_func_id(blob, "bpf_lsm_file_open_x").value_or(0));
    EXPECT_EQ(ENOENT, error_of(find_btf_func_id(blob, "bpf_lsm_file")));
    EXPECT_EQ(ENOENT, error_of(find_btf_func_id(blob, "other")));  // named, but no FUNC
}

TEST(VmlinuxBtf, NoTypesFindsNothing) {
    const auto blob = BtfBuilder().build();
    EXPECT_EQ(ENOENT, error_of(find_btf_func_id(blob, "bpf_lsm_file_open")));
}

TEST(VmlinuxBtf, RefusesBrokenHeaders) {
    BtfBuilder btf;
    btf.type(btf.name("f"), BTF_KIND_FUNC, 0);
    const auto good = btf.build();
    ASSERT_EQ(1U, find_btf_func_id(good, "f").value_or(0));

    const struct {
        const char* what;
        std::size_t offset;
        std::uint32_t value;
        std::size_t width;
    } cases[] = {
        {"magic", offsetof(btf_header, magic), 0x9FEB, 2},  // the other byte order
        {"version", offsetof(btf_header, version), 2, 1},
        {"hdr_len too small", offsetof(btf_header, hdr_len), 16, 4},
        {"hdr_len past the end", offsetof(btf_header, hdr_len), 4096, 4},
        {"type_len past the end", offsetof(btf_header, type_len), 4096, 4},
        {"type_off past the end", offsetof(btf_header, type_off), 0xfffffff0, 4},
        {"str_len past the end", offsetof(btf_header, str_len), 4096, 4},
        {"str_off + str_len wraps in 32 bits", offsetof(btf_header, str_off), 0xffffffff, 4},
        {"empty string section", offsetof(btf_header, str_len), 0, 4},
        {"string section without a final NUL", offsetof(btf_header, str_len), 2, 4},
    };
    for (const auto& c : cases) {
        auto blob = good;
        if (c.width == 1) patch(blob, c.offset, static_cast<std::uint8_t>(c.value));
        if (c.width == 2) patch(blob, c.offset, static_cast<std::uint16_t>(c.value));
        if (c.width == 4) patch(blob, c.offset, c.value);
        EXPECT_EQ(EPROTO, error_of(find_btf_func_id(blob, "f"))) << c.what;
    }
}

TEST(VmlinuxBtf, RefusesALongerHeaderWithUnknownFieldsSet) {
    BtfBuilder btf;
    btf.type(btf.name("f"), BTF_KIND_FUNC, 0);
    const auto good = btf.build();
    // The same blob with 8 more header bytes: zero is an older reader's "not used".
    std::vector<std::byte> longer(good.begin(), good.begin() + sizeof(btf_header));
    longer.resize(longer.size() + 8);
    longer.insert(longer.end(), good.begin() + sizeof(btf_header), good.end());
    patch(longer, offsetof(btf_header, hdr_len), std::uint32_t{sizeof(btf_header) + 8});
    EXPECT_EQ(1U, find_btf_func_id(longer, "f").value_or(0));
    longer[sizeof(btf_header) + 3] = std::byte{1};
    EXPECT_EQ(EPROTO, error_of(find_btf_func_id(longer, "f")));
}

TEST(VmlinuxBtf, RefusesEveryTruncation) {
    BtfBuilder btf = every_kind();
    btf.type(btf.name("f"), BTF_KIND_FUNC, 0);
    const auto blob = btf.build();
    ASSERT_EQ(19U, find_btf_func_id(blob, "f").value_or(0));
    for (std::size_t size = 0; size < blob.size(); ++size) {
        const auto prefix = std::span(blob).first(size);
        EXPECT_EQ(EPROTO, error_of(find_btf_func_id(prefix, "f"))) << "first " << size << " bytes";
    }
}

// A record whose kind-specific data runs past the type section (into the strings): the section
// lengths are right, the record's are not.
TEST(VmlinuxBtf, RefusesARecordPastTheTypeSection) {
    BtfBuilder btf;
    btf.type(btf.name("s"), BTF_KIND_STRUCT, 1);  // says one member, has none
    btf.name("f");
    EXPECT_EQ(EPROTO, error_of(find_btf_func_id(btf.build(), "f")));

    BtfBuilder cut;
    cut.type(cut.name("f"), BTF_KIND_FUNC, 0);
    auto blob = cut.build();
    patch(blob, offsetof(btf_header, type_len), std::uint32_t{8});  // 8 of the record's 12 bytes
    EXPECT_EQ(EPROTO, error_of(find_btf_func_id(blob, "f")));
}

TEST(VmlinuxBtf, RefusesANamePastTheStringSection) {
    BtfBuilder btf;
    btf.type(btf.name("f"), BTF_KIND_INT, 0, {32});
    const auto end = btf.name("g") + 2;  // one past the last byte
    btf.type(end, BTF_KIND_FUNC, 0);
    EXPECT_EQ(EPROTO, error_of(find_btf_func_id(btf.build(), "f")));
}

TEST(VmlinuxBtf, RefusesUnknownKinds) {
    for (const std::uint32_t kind : {0U, 20U, 31U}) {
        BtfBuilder btf;
        btf.type(0, kind, 0).type(btf.name("f"), BTF_KIND_FUNC, 0);
        EXPECT_EQ(EPROTO, error_of(find_btf_func_id(btf.build(), "f"))) << "kind " << kind;
    }
}

// A name_off may point into the middle of a longer string: the name is what follows it.
TEST(VmlinuxBtf, FindsANameInsideALongerString) {
    BtfBuilder btf;
    const auto longer = btf.name("xx_f");
    btf.type(longer, BTF_KIND_FUNC, 0).type(longer + 3, BTF_KIND_FUNC, 0);
    EXPECT_EQ(2U, find_btf_func_id(btf.build(), "f").value_or(0));
}

// The scanner reads through a small window (16 KiB): names and records that straddle its edge,
// and kind-specific data longer than the window, wherever they fall.
TEST(VmlinuxBtf, FindsNamesAndRecordsAcrossWindowEdges) {
    for (const std::size_t edge : {std::size_t{16} << 10, std::size_t{64} << 10}) {
        for (std::size_t shift = 0; shift < 24; ++shift) {
            BtfBuilder btf;
            btf.name(std::string(edge - 8 - shift, 'a'));  // the name then starts before the edge
            const auto name = btf.name("bpf_lsm_file_open");
            // 12-byte records move the 16-byte ones off the window's alignment, and the STRUCT
            // to `edge - 4 * shift`; the reader skips its 24 KB of members (all zero).
            for (std::size_t i = 0; i < shift; ++i) btf.type(0, BTF_KIND_PTR, 0);
            for (std::size_t i = 0; i < edge / 16 - shift; ++i) btf.type(0, BTF_KIND_INT, 0, {32});
            btf.type(0, BTF_KIND_STRUCT, 2000).words(std::vector<std::uint32_t>(std::size_t{2000} * 3));
            btf.type(name, BTF_KIND_FUNC, 1);
            const auto id = find_btf_func_id(btf.build(), "bpf_lsm_file_open");
            ASSERT_TRUE(id) << "edge " << edge << " shift " << shift << ": " << id.error().what();
            EXPECT_EQ(edge / 16 + 2, *id) << "edge " << edge << " shift " << shift;
        }
    }
}

TEST(VmlinuxBtf, ReadsAFile) {
    BtfBuilder btf = every_kind();
    btf.type(btf.name("bpf_lsm_file_open"), BTF_KIND_FUNC, 1);
    const auto blob = btf.build();
    char path[] = "/tmp/llh-btf-XXXXXX";
    const UniqueFd fd(::mkostemp(path, O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(static_cast<ssize_t>(blob.size()), ::write(fd.get(), blob.data(), blob.size()));
    const auto id = find_vmlinux_func_id("bpf_lsm_file_open", path);
    ::unlink(path);
    ASSERT_TRUE(id) << id.error().what();
    EXPECT_EQ(19U, *id);
}

// Only the header's sections are read, so the bound is on where they end.
TEST(VmlinuxBtf, RefusesSectionsEndingPast64MiB) {
    btf_header header{};
    header.magic = BTF_MAGIC;
    header.version = BTF_VERSION;
    header.hdr_len = sizeof(header);
    header.str_len = std::uint32_t{64} << 20;
    char path[] = "/tmp/llh-btf-XXXXXX";
    const UniqueFd fd(::mkostemp(path, O_CLOEXEC));
    ::unlink(path);
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(static_cast<ssize_t>(sizeof(header)), ::write(fd.get(), &header, sizeof(header)));
    ASSERT_EQ(0, ::ftruncate(fd.get(), sizeof(header) + header.str_len));  // sparse: costs no disk
    EXPECT_EQ(EFBIG, error_of(find_vmlinux_func_id("f", "/proc/self/fd/" + std::to_string(fd.get()))));
}

TEST(VmlinuxBtf, AMissingFileIsAnError) {
    EXPECT_EQ(ENOENT, error_of(find_vmlinux_func_id("f", "/nonexistent/btf")));
}

// The reference: libbpf's own lookup, which the probe used before, on this kernel's BTF.
TEST(VmlinuxBtf, SameIdsAsLibbpfOnThisKernel) {
    LLH_REQUIRE(::access(kVmlinuxBtfPath, R_OK) == 0, "this kernel has no /sys/kernel/btf/vmlinux");
    for (const char* hook : {"file_open", "path_mkdir", "socket_connect", "task_kill", "bprm_check_security"}) {
        const int expected = libbpf_find_vmlinux_btf_id(hook, BPF_LSM_MAC);
        const auto id = find_vmlinux_func_id(std::string("bpf_lsm_") + hook);
        if (expected < 0) {
            EXPECT_EQ(-expected, error_of(id)) << hook;
        } else {
            ASSERT_TRUE(id) << hook << ": " << id.error().what();
            EXPECT_EQ(static_cast<std::uint32_t>(expected), *id) << hook;
        }
    }
}

TEST(VmlinuxBtf, UnknownNamesAreNotFoundOnThisKernel) {
    LLH_REQUIRE(::access(kVmlinuxBtfPath, R_OK) == 0, "this kernel has no /sys/kernel/btf/vmlinux");
    EXPECT_EQ(ENOENT, error_of(find_vmlinux_func_id("bpf_lsm_no_such_hook")));
    EXPECT_EQ(ENOENT, error_of(find_vmlinux_func_id("task_struct")));  // a STRUCT, not a FUNC
    EXPECT_EQ(ENOENT, error_of(find_vmlinux_func_id("")));             // names of anonymous types
}

}  // namespace
}  // namespace llh
