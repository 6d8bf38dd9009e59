package dev.isolate.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table whose columns are padded, so that it also reads well on a terminal. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "a row of "
              + cells.length
              + " cells in a table of "
              + header.size()
              + " columns: "
              + List.of(cells));
    }
    rows.add(List.of(cells));
    return this;
  }

  String render() {
    int[] widths = new int[header.size()];
    for (int column = 0; column < widths.length; column++) {
      widths[column] = Math.max(3, header.get(column).length());
      for (List<String> row : rows) {
        widths[column] = Math.max(widths[column], row.get(column).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, header, widths);
    List<String> rule = new ArrayList<>();
    for (int width : widths) {
      rule.add("-".repeat(width));
    }
    line(out, rule, widths);
    for (List<String> row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths) {
    out.append('|');
    for (int column = 0; column < widths.length; column++) {
      String cell = cells.get(column);
      out.append(' ').append(cell).append(" ".repeat(widths[column] - cell.length())).append(" |");
    }
    out.append('\n');
  }
}
