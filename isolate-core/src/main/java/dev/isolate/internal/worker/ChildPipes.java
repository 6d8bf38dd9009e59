package dev.isolate.internal.worker;

/**
 * What a new child keeps of its pipes (the write ends, and a spare's request read end, -1 for a
 * child forked for a call already in memory) and every descriptor it must close. Built before the
 * fork: a child must not allocate a new kind of object, or load a class, until it has stopped
 * sharing the worker's jar descriptors.
 */
record ChildPipes(
    int resultWriteFd, int outWriteFd, int errWriteFd, int requestReadFd, int[] toClose) {}
