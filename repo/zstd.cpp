// The zstd helpers declared in repo/repository.hpp (kept apart: they need no index code).
#include <zstd.h>

#include <stdexcept>
#include <vector>

#include "repo/repository.hpp"

namespace nxp::repo {
namespace {

// Owns a ZSTD_DCtx.
class DCtx {
  public:
    DCtx() : ctx_(ZSTD_createDCtx()) {}
    ~DCtx() { ZSTD_freeDCtx(ctx_); }
    DCtx(const DCtx&) = delete;
    DCtx& operator=(const DCtx&) = delete;
    ZSTD_DCtx* get() const { return ctx_; }

  private:
    ZSTD_DCtx* ctx_;
};

// Owns a ZSTD_CCtx.
class CCtx {
  public:
    CCtx() : ctx_(ZSTD_createCCtx()) {}
    ~CCtx() { ZSTD_freeCCtx(ctx_); }
    CCtx(const CCtx&) = delete;
    CCtx& operator=(const CCtx&) = delete;
    ZSTD_CCtx* get() const { return ctx_; }

  private:
    ZSTD_CCtx* ctx_;
};

constexpr int kLevel = 19;

}  // namespace

std::string zstd_compress(std::string_view data) {
    CCtx cctx;
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

Result<std::string> zstd_decompress(std::string_view data, std::uint64_t max_size,
                                    std::string_view source) {
    const std::string ctx(source);
    DCtx dctx;
    if (dctx.get() == nullptr) return fail(ErrorKind::Internal, ctx, "out of memory");
    // Refuse absurd window sizes announced by a frame header (memory exhaustion).
    ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
    std::string out;
    std::vector<char> buf(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::size_t last = 1;
    for (;;) {
        ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
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
        // Input consumed and output not full: the decoder holds nothing more.
        if (in.pos == in.size && ob.pos < ob.size) break;
    }
    if (last != 0) return fail(ErrorKind::Invalid, ctx, "zstd data is truncated");
    return out;
}

}  // namespace nxp::repo
