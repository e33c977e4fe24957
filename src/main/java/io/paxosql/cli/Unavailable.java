package io.paxosql.cli;

/** Says plainly that a command exists in the CLI but its machinery has not landed in this build. */
final class Unavailable {
  static final int EXIT = 3;

  private Unavailable() {}

  static int report(String command, String arrivesWith) {
    System.err.println("paxosql " + command + ": not available in this build; it arrives with "
        + arrivesWith + ". Nothing was started.");
    return EXIT;
  }
}
