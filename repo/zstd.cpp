// The zstd helpers declared in repo/repository.hpp (kept apart: they need no index code).
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "formats/index_padded.hpp"
#include "repo/repository.hpp"

namespace nxp::repo {
namespace {

// The owners of zstd contexts (std::unique_ptr: non-copyable, explicit get()).
struct DCtxFree {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
using DCtx = std::unique_ptr<ZSTD_DCtx, DCtxFree>;
using CCtx = std::unique_ptr<ZSTD_CCtx, CCtxFree>;

constexpr int kLevel = 19;

}  // namespace

std::string zstd_compress(std::string_view data) {
    CCtx cctx(ZSTD_createCCtx());
    if (cctx.get() == nullptr) throw std::bad_alloc();
    // Single-threaded, fixed level and no dictionary: the same input gives the same bytes.
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kLevel);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const std::size_t n =
        ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n)) {
        throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    }
    out.resize(n);
    return out;
}

std::size_t zstd_reservation(std::string_view data, std::uint64_t max_size) {
    // The frame's declared size, when it has one, sizes the text at once (no regrowth and
    // copy of a 37 MB index), plus the padding a SIMD JSON reader reads past the end
    // (formats::kIndexTextPadding). Only a hint, and an untrusted one: a 20-byte frame may
    // claim 512 MB, so it is capped by the compressed size times kZstdReserveRatio (indexes
    // compress 8-12 times); the limit is checked on what is decoded, and zstd refuses a
    // frame whose content differs from its declared size.
    const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR) return 0;
    const std::uint64_t plausible = std::max<std::uint64_t>(data.size(), 4096) * kZstdReserveRatio;
    const std::uint64_t n = std::min<std::uint64_t>({declared, max_size, plausible});
    return static_cast<std::size_t>(n) + formats::kIndexTextPadding;
}

Result<std::string> zstd_decompress(std::string_view data, std::uint64_t max_size,
                                    std::string_view source) {
    const std::string ctx(source);
    DCtx dctx(ZSTD_createDCtx());
    if (dctx.get() == nullptr) return fail(ErrorKind::Internal, ctx, "out of memory");
    // Refuse absurd window sizes announced by a frame header (memory exhaustion).
    ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
    std::string out;
    out.reserve(zstd_reservation(data, max_size));
    std::vector<char> buf(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::size_t last = 1;
    for (;;) {
        ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
        const std::size_t in_before = in.pos;
        last = ZSTD_decompressStream(dctx.get(), &ob, &in);
        if (ZSTD_isError(last)) {
            return fail(ErrorKind::Invalid, ctx,
                        std::string("zstd data is corrupt: ") + ZSTD_getErrorName(last));
        }
        if (out.size() + ob.pos > max_size) {
            return fail(
                ErrorKind::Invalid, ctx,
                "decompressed data exceeds the limit of " + std::to_string(max_size) + " bytes");
        }
        out.append(buf.data(), ob.pos);
        // Every frame complete and all input read; or no progress at all (truncated, below).
        // Input consumed with the output not full is not the end: a frame that expands very
        // much (10 MB of one byte) still had its last block and checksum to give then.
        if (last == 0 && in.pos == in.size) break;
        if (ob.pos == 0 && in.pos == in_before) break;
    }
    if (last != 0) return fail(ErrorKind::Invalid, ctx, "zstd data is truncated");
    if (out.capacity() - out.size() < formats::kIndexTextPadding)
        out.reserve(out.size() + formats::kIndexTextPadding);
    return out;
}

}  // namespace nxp::repo
