// What a program sees of its standard streams (type, rights, isatty: pipes under the test, files when
// redirected) and the errors of a descriptor it never opened, which must reach it as errno only.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
  for (int fd = 0; fd < 3; fd++) {
    __wasi_fdstat_t st;
    __wasi_errno_t error = __wasi_fd_fdstat_get(fd, &st);
    printf("fd %d: errno %d, type %d, rights %llx/%llx, isatty %d\n", fd, error, st.fs_filetype,
           (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting, isatty(fd));
  }
  char buffer[4];
  errno = 0;
  printf("close(42): %d %s\n", close(42), strerror(errno));
  errno = 0;
  printf("read(42): %zd %s\n", read(42, buffer, sizeof buffer), strerror(errno));
  errno = 0;
  printf("write(42): %zd %s\n", write(42, "x", 1), strerror(errno));
  return 0;
}
