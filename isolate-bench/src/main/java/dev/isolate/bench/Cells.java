package dev.isolate.bench;

import java.util.Optional;

/** The rows of the benchmark's tables, each figure formatted the one way. */
final class Cells {
  private static final String NOT_FOUND = ForkFloor.SKIPPED;

  private Cells() {}

  static String[] latencyCells(String what, Samples samples) {
    return new String[] {
      what,
      Integer.toString(samples.count()),
      Format.duration(samples.median()),
      Format.duration(samples.p99())
    };
  }

  static String[] latencyCells(String what, Optional<Samples> samples) {
    return samples.isPresent()
        ? latencyCells(what, samples.get())
        : new String[] {what, NOT_FOUND, NOT_FOUND, NOT_FOUND};
  }

  /**
   * How many times as long as {@code denominator} {@code numerator} takes, at the median and the
   * p99.
   */
  static String[] ratioCells(String what, Samples numerator, Samples denominator) {
    return new String[] {
      what,
      Format.ratio((double) numerator.median() / denominator.median()),
      Format.ratio((double) numerator.p99() / denominator.p99())
    };
  }

  static String[] ratioCells(String what, Samples numerator, Optional<Samples> denominator) {
    return denominator.isPresent()
        ? ratioCells(what, numerator, denominator.get())
        : new String[] {what, NOT_FOUND, NOT_FOUND};
  }

  static String[] throughputCells(String what, Throughput run) {
    return new String[] {
      what + (run.threads() == 1 ? ", 1 caller thread" : ", " + run.threads() + " caller threads"),
      Long.toString(run.calls()),
      Format.seconds(run.nanos()),
      Format.rate(run.perSecond())
    };
  }

  static void section(StringBuilder out, String title, String paragraph, Table... tables) {
    out.append("\n## ").append(title).append("\n\n");
    if (paragraph != null) {
      out.append(paragraph).append("\n\n");
    }
    tables(out, tables);
  }

  /** A further paragraph of the section just written, and its tables. */
  static void paragraph(StringBuilder out, String paragraph, Table... tables) {
    out.append('\n').append(paragraph).append("\n\n");
    tables(out, tables);
  }

  private static void tables(StringBuilder out, Table... tables) {
    for (int i = 0; i < tables.length; i++) {
      out.append(tables[i].render()).append(i < tables.length - 1 ? "\n" : "");
    }
  }
}
