// argv, the environment and the exit status: prints each argument, the variables it was given (sorted),
// a line on stderr, and exits with the status its first argument names (after "exit=").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  printf("argc %d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d] = '%s' (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  int count = 0;
  while (environ[count]) count++;
  char **sorted = malloc(sizeof(char *) * (count + 1));
  memcpy(sorted, environ, sizeof(char *) * count);
  qsort(sorted, count, sizeof(char *), by_text);
  for (int i = 0; i < count; i++) printf("env %s\n", sorted[i]);
  const char *home = getenv("HOME");
  printf("HOME is %s\n", home ? home : "unset");
  fprintf(stderr, "args: %d arguments, %d variables\n", argc, count);
  int status = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "exit=", 5) == 0) status = atoi(argv[i] + 5);
    if (strcmp(argv[i], "exit-call") == 0) { fflush(stdout); exit(status); }
  }
  return status;
}
