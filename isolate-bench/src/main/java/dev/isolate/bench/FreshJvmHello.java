package dev.isolate.bench;

/**
 * The cheapest useful {@code java} process, for reference next to {@link FreshJvmCall}: no Kryo, no
 * callable.
 */
public final class FreshJvmHello {
  static final String GREETING = "Hello, world";

  private FreshJvmHello() {}

  public static void main(String[] args) {
    System.out.println(GREETING);
  }
}
