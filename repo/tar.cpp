#include "repo/tar.hpp"

#include "repo/archive_util.hpp"

namespace nxp::repo {
namespace fs = std::filesystem;
using detail::Archive;
using detail::Entry;

TarWriter::TarWriter(fs::path path)
    : path_(std::move(path)), a_(std::make_unique<Archive>(Archive::Mode::Write)) {}
TarWriter::~TarWriter() = default;

Result<void> TarWriter::open() {
    archive* a = a_->get();
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_add_filter_none(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, path_.c_str()) != ARCHIVE_OK)
        return fail(ErrorKind::Io, path_.string(), a_->error());
    return {};
}

Result<void> TarWriter::add(const std::string& name, std::string_view data) {
    Entry e;
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    archive_entry_set_mtime(e.get(), 0, 0);
    if (archive_write_header(a_->get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(a_->get(), data.data(), data.size()) !=
            static_cast<la_ssize_t>(data.size()))
        return fail(ErrorKind::Io, path_.string() + ": " + name, a_->error());
    bytes_ += data.size();
    return {};
}

Result<void> TarWriter::close() {
    if (archive_write_close(a_->get()) != ARCHIVE_OK)
        return fail(ErrorKind::Io, path_.string(), a_->error());
    return {};
}

TarReader::TarReader(fs::path path)
    : path_(std::move(path)), a_(std::make_unique<Archive>(Archive::Mode::Read)) {}
TarReader::~TarReader() = default;

Result<void> TarReader::open() {
    archive* a = a_->get();
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_filter_none(a) != ARCHIVE_OK ||
        archive_read_open_filename(a, path_.c_str(), 1 << 16) != ARCHIVE_OK)
        return fail(ErrorKind::Invalid, path_.string(), a_->error());
    return {};
}

Result<std::optional<TarEntry>> TarReader::next() {
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a_->get(), &e);
    if (rc == ARCHIVE_EOF) return std::optional<TarEntry>();
    if (rc != ARCHIVE_OK) return fail(ErrorKind::Invalid, path_.string(), a_->error());
    TarEntry out;
    const char* raw = archive_entry_pathname(e);
    out.name = raw ? raw : "";
    out.regular = archive_entry_filetype(e) == AE_IFREG;
    if (archive_entry_size_is_set(e) != 0 && archive_entry_size(e) >= 0)
        out.size = static_cast<std::uint64_t>(archive_entry_size(e));
    return std::optional<TarEntry>(std::move(out));
}

Result<std::string> TarReader::read(std::uint64_t size) {
    std::string data(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < data.size()) {
        const la_ssize_t n = archive_read_data(a_->get(), data.data() + done, data.size() - done);
        if (n <= 0) return fail(ErrorKind::Invalid, path_.string(), a_->error());
        done += static_cast<std::size_t>(n);
    }
    return data;
}

}  // namespace nxp::repo
