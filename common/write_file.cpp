#include "common/write_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace voronka {

namespace {

std::string reasonOf(int error) {
  // Creating a file fails with ENOENT when its directory is missing.
  if (error == ENOENT) return "there is no such directory";
  if (error == EISDIR) return "it is a directory";
  return std::strerror(error);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  // A symbolic link (a funnel shared between clients' folders) stays one:
  // the file it points to is replaced, not the link.
  std::error_code ec;
  if (std::filesystem::is_symlink(path_, ec)) {
    std::filesystem::path target = std::filesystem::canonical(path_, ec);
    if (!ec) path_ = std::move(target);
  }
  // The process id keeps two writers of one file off each other's temporary.
  temporary_ = path_;
  temporary_ += ".tmp-" + std::to_string(::getpid());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (made_) ::unlink(temporary_.c_str());
}

Result<void> AtomicFile::open() {
  if (fd_ >= 0) return {};
  std::error_code ec;
  // Else the rename at the end would be what fails, after all the work.
  if (std::filesystem::is_directory(path_, ec)) return fail(reasonOf(EISDIR));
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) return fail(reasonOf(errno));
  made_ = true;
  struct stat existing {};
  if (::stat(path_.c_str(), &existing) == 0) (void)::fchmod(fd_, existing.st_mode & 07777);
  return {};
}

Result<void> AtomicFile::commit(std::string_view bytes) {
  if (Result<void> opened = open(); !opened) return opened;
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(reasonOf(errno));
    done += static_cast<size_t>(n);
  }
  int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) return fail(reasonOf(errno));  // NFS and full disks may say so only here
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) return fail(reasonOf(errno));
  made_ = false;
  return {};
}

Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  return AtomicFile(path).commit(bytes);
}

}  // namespace voronka
