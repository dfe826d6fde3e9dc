// Symlinks whose every text stays inside the preopened directory argv[1] but which lead above it:
// links/a is links, links/b (a/..) the directory, links/c (b/..) its parent. Writing and reading
// through links/c must be refused; reading through links/b is allowed.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buffer[3][4096];
static const char *in_dir(int slot, const char *dir, const char *name) {
  snprintf(buffer[slot], sizeof buffer[slot], "%s/%s", dir, name);
  return buffer[slot];
}

static void try_open(const char *dir, const char *name, const char *mode) {
  errno = 0;
  FILE *f = fopen(in_dir(0, dir, name), mode);
  printf("%s (%s): %s\n", name, mode, f ? "opened" : strerror(errno));
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: symlink-escape DIR SIBLING\n"); return 2; }
  const char *dir = argv[1];
  printf("mkdir: %d\n", mkdir(in_dir(0, dir, "links"), 0755));
  printf("symlinks: %d %d %d\n", symlink(".", in_dir(0, dir, "links/a")), symlink("a/..", in_dir(1, dir, "links/b")), symlink("b/..", in_dir(2, dir, "links/c")));
  try_open(dir, "links/b/input.txt", "r");
  try_open(dir, "links/c/escape.txt", "w");
  char sibling[4096];
  snprintf(sibling, sizeof sibling, "links/c/%s", argv[2]);
  try_open(dir, sibling, "r");
  printf("unlink: %d %d %d\n", unlink(in_dir(0, dir, "links/c")), unlink(in_dir(1, dir, "links/b")), unlink(in_dir(2, dir, "links/a")));
  return 0;
}
