/**
 * The wire formats: frames between the caller and the worker image, records on a child's result
 * pipe, and the Kryo configuration both ends share. Internal: no compatibility promise.
 */
package dev.isolate.internal.wire;
