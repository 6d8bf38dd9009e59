/**
 * The worker image: a JVM started with fork-safe options whose single thread reads calls, forks one
 * child per call, relays what the child writes and reports how it ended. Internal.
 */
package dev.isolate.internal.worker;
