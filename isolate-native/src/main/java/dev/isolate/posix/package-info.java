/**
 * The libc binding of isolate: the only package that talks to the operating system.
 *
 * <p>Every system call sits behind {@link dev.isolate.posix.Syscalls}, which has one real
 * implementation ({@link dev.isolate.posix.Syscalls#system()}, through jnr-ffi) and can be wrapped
 * by tests to inject failures. Results are converted once, where the call is made, into typed
 * values ({@link dev.isolate.posix.ForkResult}, {@link dev.isolate.posix.WaitStatus}) or a {@link
 * dev.isolate.posix.SyscallException} that carries {@code errno} as a field.
 */
package dev.isolate.posix;
