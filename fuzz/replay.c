/* SPDX-License-Identifier: BSD-3-Clause */
/* A main for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on every file
   named on the command line or found in a directory named there (seed corpora and the inputs
   that once crashed), so make check replays them in every build. A crash fails the test; the
   last line is "NAME: N passed, 0 failed". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  long n;
  uint8_t *buf;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    if (f) fclose(f);
    return 0;
  }
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return 0;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  return 1;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  int done = 0, bad = 0;
  LLVMFuzzerInitialize(&argc, &argv);
  for (int a = 1; a < argc; a++) {
    struct stat st;
    if (stat(argv[a], &st) != 0) {
      fprintf(stderr, "replay: %s: no such file or directory\n", argv[a]);
      bad++;
    } else if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[a]);
      struct dirent *e;
      char *list[4096];
      int n = 0;
      while (d && (e = readdir(d)) && n < 4096)
        if (e->d_name[0] != '.') list[n++] = strdup(e->d_name);
      if (d) closedir(d);
      qsort(list, (size_t)n, sizeof(char *), cmp_str);
      for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[a], list[i]);
        if (replay_file(path))
          done++;
        else
          bad++;
        free(list[i]);
      }
    } else if (replay_file(argv[a])) {
      done++;
    } else {
      bad++;
    }
  }
  printf("%s: %d passed, %d failed\n", name, done, bad);
  return bad ? 1 : 0;
}
