package plugin;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.binary.Hex;

/** A class of the plugin, using the plugin's own library. */
public final class PluginText {
  private PluginText() {}

  /** {@code text}, marked as the plugin's, with its bytes in hex. */
  public static String tag(String text) {
    return "plugin:" + text + ":" + Hex.encodeHexString(text.getBytes(StandardCharsets.UTF_8));
  }
}
