package dev.isolate.posix;

/**
 * The two descriptors {@code pipe2()} returns: bytes written to {@link #writeFd} come out of {@link
 * #readFd}.
 */
public record Pipe(int readFd, int writeFd) {}
