// File I/O in a preopened directory (argv[1]): reads input.txt, writes its lines reversed to
// reversed.txt, appends to it, seeks and rereads, makes a directory with a file, renames one file,
// removes another, lists the directory (sorted, with sizes), and reports the errors of a missing file
// and of paths that leave the directory, through libc and through the raw path_open (fd 3 is the
// first preopen); then stdout is reopened onto a file and stderr closed.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static char path_buf[4096];
static const char *in_dir(const char *dir, const char *name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
  return path_buf;
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(char *), by_text);
  for (int i = 0; i < n; i++) {
    struct stat st;
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", dir, names[i]);
    if (stat(full, &st) != 0) printf("  %s: stat %s\n", names[i], strerror(errno));
    else printf("  %s %s %lld\n", S_ISDIR(st.st_mode) ? "dir " : "file", names[i], S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
    free(names[i]);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: files DIR\n"); return 2; }
  const char *dir = argv[1];
  FILE *in = fopen(in_dir(dir, "input.txt"), "r");
  if (!in) { printf("input.txt: %s\n", strerror(errno)); return 1; }
  char lines[32][256];
  int n = 0;
  while (n < 32 && fgets(lines[n], sizeof lines[n], in)) n++;
  fclose(in);
  printf("read %d lines\n", n);
  FILE *out = fopen(in_dir(dir, "reversed.txt"), "w");
  for (int i = n - 1; i >= 0; i--) fputs(lines[i], out);
  fclose(out);
  out = fopen(in_dir(dir, "reversed.txt"), "a");
  fprintf(out, "appended %d\n", n);
  fclose(out);
  int fd = open(in_dir(dir, "reversed.txt"), O_RDONLY);
  off_t size = lseek(fd, 0, SEEK_END);
  lseek(fd, -9, SEEK_END);
  char tail[16] = {0};
  ssize_t got = read(fd, tail, 8);
  close(fd);
  printf("reversed.txt: %lld bytes, tail '%.*s' (%zd)\n", (long long)size, (int)got, tail, got);
  printf("mkdir sub: %d\n", mkdir(in_dir(dir, "sub"), 0755));
  out = fopen(in_dir(dir, "sub/numbers.bin"), "wb");
  for (int i = 0; i < 256; i++) fputc(i, out);
  fclose(out);
  char from[4096];
  snprintf(from, sizeof from, "%s/old-name.txt", dir);
  printf("rename old-name.txt: %d\n", rename(from, in_dir(dir, "new-name.txt")));
  printf("unlink doomed.txt: %d\n", unlink(in_dir(dir, "doomed.txt")));
  printf("listing:\n");
  list(dir);
  list(in_dir(dir, "sub"));
  errno = 0;
  printf("missing.txt: %s\n", fopen(in_dir(dir, "missing.txt"), "r") ? "opened" : strerror(errno));
  errno = 0;
  printf("../escape.txt: %s\n", fopen(in_dir(dir, "../escape.txt"), "w") ? "opened" : (errno ? "refused" : "?"));
  errno = 0;
  printf("sub/../../escape.txt: %s\n", fopen(in_dir(dir, "sub/../../escape.txt"), "w") ? "opened" : (errno ? "refused" : "?"));
  errno = 0;
  printf("/etc/passwd: %s\n", fopen("/etc/passwd", "r") ? "opened" : (errno ? "refused" : "?"));
  // An absolute path the host lacks: were it not refused, the open fails without creating anything.
  const char *raw[] = {"../escape.txt", "sub/../../escape.txt", "/nonexistent-wasmjit-dir/escape.txt", "sub/../input.txt", "./sub/numbers.bin"};
  for (int i = 0; i < 5; i++) {
    __wasi_fd_t opened;
    __wasi_errno_t error = __wasi_path_open(3, 0, raw[i], __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &opened);
    printf("path_open %s: errno %d\n", raw[i], error);
    if (error == 0 && __wasi_fd_close(opened) != 0) printf("fd_close failed\n");
  }
  // Symlinks: one whose target leaves the directory by its text (refused), and a chain that stays
  // inside: links/a is links, so links/b is the directory (symlink-escape.c goes one step further).
  printf("mkdir links: %d\n", mkdir(in_dir(dir, "links"), 0755));
  printf("symlink ../input.txt: %d\n", symlink("../input.txt", in_dir(dir, "links/input-link")));
  printf("symlink a: %d\n", symlink(".", in_dir(dir, "links/a")));
  printf("symlink b: %d\n", symlink("a/..", in_dir(dir, "links/b")));
  FILE *through = fopen(in_dir(dir, "links/b/input.txt"), "r");
  char first[64] = "";
  if (through) { if (!fgets(first, sizeof first, through)) first[0] = 0; fclose(through); }
  printf("links/b/input.txt: %s", through ? first : "not opened\n");
  char target[64];
  ssize_t target_length = readlink(in_dir(dir, "links/b"), target, sizeof target - 1);
  printf("readlink links/b: %.*s\n", (int)(target_length < 0 ? 0 : target_length), target);
  printf("symlink loop: %d\n", symlink("loop", in_dir(dir, "links/loop")));
  errno = 0;
  printf("links/loop: %s\n", fopen(in_dir(dir, "links/loop"), "r") ? "opened" : strerror(errno));
  printf("unlink: %d %d %d, rmdir: %d\n", unlink(in_dir(dir, "links/a")), unlink(in_dir(dir, "links/b")), unlink(in_dir(dir, "links/loop")), rmdir(in_dir(dir, "links")));
  // stdout into a file from here on (a new fd renumbered onto 1), then stderr closed.
  if (!freopen(in_dir(dir, "stdout.txt"), "w", stdout)) { printf("freopen: %s\n", strerror(errno)); return 1; }
  printf("this line goes to stdout.txt\n");
  fflush(stdout);
  fprintf(stderr, "stderr still works\n");
  close(2);
  errno = 0;
  printf("after close(2): write %zd, %s\n", write(2, "x", 1), strerror(errno));
  return 0;
}
