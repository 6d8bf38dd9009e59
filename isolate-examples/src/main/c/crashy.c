/*
 * libcrashy.so: the native half of dev.isolate.examples.jni.CrashyJni, a small JNI library that
 * computes a value, segfaults and leaks, as buggy native libraries do. The gcc profile of
 * isolate-examples compiles it into target/native; CrashyJni loads it with System.loadLibrary.
 */
#include <jni.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Written by javac -h from CrashyJni: the compiler checks that these functions match it. */
#include "dev_isolate_examples_jni_CrashyJni.h"

/* What this process has leaked so far. A child of the worker image starts at zero. */
static jlong leaked_total;

/* The last block leaked: a store the compiler cannot drop, so malloc and memset stay in. */
static void *volatile last_leaked;

static void throw_new(JNIEnv *env, const char *class_name, const char *message) {
  jclass type = (*env)->FindClass(env, class_name);
  if (type != NULL) {
    (*env)->ThrowNew(env, type, message);
  }
}

JNIEXPORT jlong JNICALL Java_dev_isolate_examples_jni_CrashyJni_sumOfSquares(JNIEnv *env,
                                                                            jclass cls, jint n) {
  (void) cls;
  if (n < 0) {
    throw_new(env, "java/lang/IllegalArgumentException", "n must not be negative");
    return 0;
  }
  jlong sum = 0;
  for (jlong i = 1; i <= n; i++) {
    sum += i * i;
  }
  return sum;
}

JNIEXPORT jint JNICALL Java_dev_isolate_examples_jni_CrashyJni_segfault(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  /* A volatile pointer: the compiler must really write through it, and cannot turn the write into
     a trap of its own (SIGILL) as it may for a NULL it can see. */
  int *volatile target = NULL;
  *target = 42; /* SIGSEGV, in this function */
  return *target;
}

JNIEXPORT jlong JNICALL Java_dev_isolate_examples_jni_CrashyJni_leak(JNIEnv *env, jclass cls,
                                                                    jlong bytes) {
  (void) cls;
  if (bytes <= 0) {
    throw_new(env, "java/lang/IllegalArgumentException", "bytes must be positive");
    return 0;
  }
  void *block = malloc((size_t) bytes);
  if (block == NULL) {
    char message[64];
    snprintf(message, sizeof message, "malloc(%lld) returned NULL", (long long) bytes);
    throw_new(env, "java/lang/OutOfMemoryError", message);
    return 0;
  }
  /* Every page written, so the leak is resident, not only reserved; never freed. */
  memset(block, 0x5a, (size_t) bytes);
  last_leaked = block;
  leaked_total += bytes;
  return leaked_total;
}
