/*
 * The least a fork-per-call can cost on this machine: per iteration, a pipe, a fork, a child that
 * writes a 4-byte answer and _exits, a parent that reads it and reaps the child. No JVM anywhere.
 *
 *   fork_floor <warm-up iterations> <timed iterations> [resident MiB]
 *
 * With a resident size, the parent first touches that much heap, so that each fork copies the page
 * tables of a process as large as the worker image. Prints one timed iteration per line, in
 * nanoseconds (CLOCK_MONOTONIC); the harness computes median and p99 from them as it does for Java.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ANSWER_BYTES = 4, CHILD_OK = 0, CHILD_WRITE_FAILED = 1 };

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One call: 0 when the child answered and exited with CHILD_OK, -1 otherwise (errno may say why). */
static int one_call(void) {
  int fds[2];
  if (pipe(fds) != 0) {
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    static const char answer[ANSWER_BYTES] = {0, 0, 0, 42};
    close(fds[0]);
    /* _exit, not exit: the parent's unflushed stdio buffers must not be written twice. */
    _exit(write(fds[1], answer, ANSWER_BYTES) == ANSWER_BYTES ? CHILD_OK : CHILD_WRITE_FAILED);
  }
  /* Close our copy of the write end first, or the read below never sees end of file. */
  close(fds[1]);
  char answer[ANSWER_BYTES];
  size_t got = 0;
  while (got < ANSWER_BYTES) {
    ssize_t n = read(fds[0], answer + got, ANSWER_BYTES - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += (size_t) n;
  }
  close(fds[0]);
  /* Read before reaping, and always reap: no zombies, even when the answer was short. */
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return got == ANSWER_BYTES && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_OK ? 0 : -1;
}

static long parse_count(const char *text, const char *what) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 0) {
    fprintf(stderr, "fork_floor: %s must be a non-negative integer, got '%s'\n", what, text);
    exit(2);
  }
  return value;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: fork_floor <warm-up iterations> <timed iterations> [resident MiB]\n");
    return 2;
  }
  long warm_up = parse_count(argv[1], "warm-up iterations");
  long iterations = parse_count(argv[2], "timed iterations");
  long resident_mib = argc == 4 ? parse_count(argv[3], "resident MiB") : 0;

  size_t resident_bytes = (size_t) resident_mib << 20;
  volatile char *resident = NULL;
  if (resident_bytes > 0) {
    resident = malloc(resident_bytes);
    if (resident == NULL) {
      fprintf(stderr, "fork_floor: cannot allocate %ld MiB\n", resident_mib);
      return 1;
    }
    memset((char *) resident, 1, resident_bytes);
  }
  long long *samples = malloc(sizeof(long long) * (size_t) (iterations > 0 ? iterations : 1));
  if (samples == NULL) {
    fprintf(stderr, "fork_floor: cannot allocate %ld samples\n", iterations);
    return 1;
  }
  for (long i = 0; i < warm_up; i++) {
    if (one_call() != 0) {
      perror("fork_floor: warm-up call failed");
      return 1;
    }
  }
  for (long i = 0; i < iterations; i++) {
    long long start = now_ns();
    if (one_call() != 0) {
      perror("fork_floor: call failed");
      return 1;
    }
    samples[i] = now_ns() - start;
  }
  /* Printed after the loop, so that no output is timed. */
  for (long i = 0; i < iterations; i++) {
    printf("%lld\n", samples[i]);
  }
  if (resident != NULL && resident[resident_bytes - 1] != 1) {
    return 1; /* keeps the resident pages live to the end */
  }
  free(samples);
  return fflush(stdout) == 0 ? 0 : 1;
}
