package app;

/** The application: runs the launch checks on its own lambdas; exits 1 unless every one passed. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(LaunchChecks.run(OwnWorkload::new));
  }
}
