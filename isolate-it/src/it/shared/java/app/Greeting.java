package app;

/** Application data that a capturing lambda carries into the child. */
public record Greeting(String who, int times) {}
