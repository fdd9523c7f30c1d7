#include "common/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace voronka {

namespace {

std::string reasonOf(int error) {
  if (error == ENOENT) return "there is no such file";
  if (error == EISDIR) return "it is a directory";
  return std::strerror(error);
}

// Closes the descriptor however the read ends.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> readWholeFile(const std::filesystem::path& path) {
  Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return fail(reasonOf(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return fail(reasonOf(errno));
  if (S_ISDIR(info.st_mode)) return fail(reasonOf(EISDIR));
  std::string bytes;
  // A regular file's size is a good first guess; a pipe's is 0 and grows.
  if (S_ISREG(info.st_mode)) bytes.reserve(static_cast<size_t>(info.st_size));
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(reasonOf(errno));
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(n));
  }
}

Result<void> openForReading(std::ifstream& in, const std::filesystem::path& path, std::ios::openmode mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail(reasonOf(EISDIR));
  errno = 0;
  in.open(path, mode);
  // The filebuf opens with fopen(), which leaves errno as open() set it.
  if (!in) return fail(reasonOf(errno != 0 ? errno : ENOENT));
  return {};
}

}  // namespace voronka
