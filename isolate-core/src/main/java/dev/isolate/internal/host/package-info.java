/**
 * The caller's side of a worker image: launching it, framing calls, collecting outcomes. Internal.
 */
package dev.isolate.internal.host;
