package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The caller's parse of a result pipe: the records whatever the chunks, and every record that
 * cannot be, found as it completes.
 */
class ResultStreamTest {

  private static final class Records {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Records record(byte kind, byte... payload) {
      return raw(kind, payload.length, payload);
    }

    Records raw(byte kind, int length, byte... payload) {
      bytes.write(kind);
      byte[] header = new byte[4];
      Bytes.putInt(header, 0, length);
      bytes.writeBytes(header);
      bytes.writeBytes(payload);
      return this;
    }

    ResultStream parse(int chunk, long maxValueBytes) {
      ResultStream result = new ResultStream(maxValueBytes);
      byte[] all = bytes.toByteArray();
      for (int at = 0; at < all.length; at += chunk) {
        byte[] piece = new byte[Math.min(chunk, all.length - at)];
        System.arraycopy(all, at, piece, 0, piece.length);
        result.append(piece);
      }
      return result;
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 1000})
  void aValueInPartsIsWholeWhateverTheChunks(int chunk) throws Exception {
    ResultStream result =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.VALUE_PART, (byte) 1, (byte) 2, (byte) 3)
            .record(ChildRecord.VALUE_PART, (byte) 4)
            .record(ChildRecord.VALUE_END)
            .parse(chunk, Long.MAX_VALUE);
    assertThat(result.malformed()).isNull();
    assertThat(result.callableStarting()).isTrue();
    assertThat(result.valueComplete()).isTrue();
    assertThat(result.valueLength()).isEqualTo(4);
    assertThat(readAll(result.valueBytes())).containsExactly(1, 2, 3, 4);
    assertThat(result.truncated()).isFalse();
  }

  @Test
  void eachOutcomeRecordIsReadWithItsPayload() {
    byte[] setup = new byte[ChildRecord.SETUP_FAILED_BYTES];
    ChildRecord.writeSetupFailed(setup, SetupStep.SIGNALS, 22);
    ResultStream failed = new Records().record(ChildRecord.SETUP_FAILED, setup).parse(3, 10);
    assertThat(failed.setupStep()).isEqualTo(SetupStep.SIGNALS);
    assertThat(failed.setupErrno()).isEqualTo(22);

    byte[] status = new byte[ChildRecord.EXIT_CALLED_BYTES];
    ChildRecord.writeExitCalled(status, 3);
    ResultStream exited =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.EXIT_CALLED, status)
            .parse(1, 10);
    assertThat(exited.exitCalled()).isEqualTo(3);

    ResultStream threw =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.THREW, (byte) 9, (byte) 9)
            .parse(4, 10);
    assertThat(threw.threw()).containsExactly(9, 9);
  }

  @Test
  void aValueThatFailedToSerializeVoidsItsParts() {
    ResultStream result =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.VALUE_PART, (byte) 1)
            .record(ChildRecord.RESULT_UNSERIALIZABLE, (byte) 7)
            .parse(2, 10);
    assertThat(result.valueComplete()).isFalse();
    assertThat(result.valueLength()).isZero();
    assertThat(result.resultUnserializable()).containsExactly(7);
  }

  @Test
  void aStreamThatEndsInsideARecordIsTruncated() {
    Records records = new Records().record(ChildRecord.CALLABLE_STARTING);
    records.raw(ChildRecord.VALUE_PART, 10, (byte) 1, (byte) 2);
    ResultStream result = records.parse(3, 100);
    assertThat(result.truncated()).isTrue();
    assertThat(result.malformed()).isNull();
    assertThat(result.valueComplete()).isFalse();
  }

  @Test
  void recordsThatCannotBeAreMalformed() {
    assertThat(new Records().record((byte) 42).parse(1, 10).malformed())
        .isEqualTo("an unknown record kind 42");
    assertThat(new Records().raw(ChildRecord.THREW, -1).parse(1, 10).malformed())
        .isEqualTo("a record of -1 bytes");
    assertThat(new Records().record(ChildRecord.VALUE_PART, (byte) 1).parse(1, 10).malformed())
        .isEqualTo("a value before CALLABLE_STARTING");
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .record(ChildRecord.VALUE_END)
                .record(ChildRecord.VALUE_PART, (byte) 1)
                .parse(1, 10)
                .malformed())
        .isEqualTo("a record (kind 1) after the outcome");
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .raw(ChildRecord.THREW, Integer.MAX_VALUE)
                .parse(7, 10)
                .malformed())
        .startsWith("a record of kind 3 with 2147483647 bytes (at most");
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .record(ChildRecord.CALLABLE_STARTING)
                .parse(1, 10)
                .malformed())
        .isEqualTo("a second CALLABLE_STARTING");
    assertThat(new Records().record(ChildRecord.VALUE_END, (byte) 0).parse(1, 10).malformed())
        .isEqualTo("a value before CALLABLE_STARTING");
    byte[] setup = new byte[ChildRecord.SETUP_FAILED_BYTES];
    Bytes.putInt(setup, 0, 99);
    assertThat(new Records().record(ChildRecord.SETUP_FAILED, setup).parse(1, 10).malformed())
        .isEqualTo("a setup step 99");
  }

  @Test
  void aValuePastItsBoundStopsTheParse() {
    ResultStream result =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.VALUE_PART, new byte[8])
            .record(ChildRecord.VALUE_PART, new byte[8])
            .parse(4, 12);
    assertThat(result.valueTooLarge()).isTrue();
    assertThat(result.valueComplete()).isFalse();
  }

  @Test
  void learnedClassesAfterTheOutcomeAreReadAndImplausibleNamesDropped() {
    byte[] learned =
        "Icom.example.Codec\nDcom.example.Codec$Table\nXnot.a.shape\nI1bad\nI\n"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ResultStream result =
        new Records()
            .record(ChildRecord.CALLABLE_STARTING)
            .record(ChildRecord.VALUE_END)
            .record(ChildRecord.LEARNED, learned)
            .parse(5, 10);

    assertThat(result.malformed()).isNull();
    assertThat(result.learned()).containsExactly("Icom.example.Codec", "Dcom.example.Codec$Table");
  }

  @Test
  void learnedClassesBeforeTheOutcomeOrTwiceAreMalformed() {
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .record(ChildRecord.LEARNED, (byte) 'I', (byte) 'a')
                .parse(1, 10)
                .malformed())
        .isEqualTo("a LEARNED record before the outcome, or a second one");
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .record(ChildRecord.VALUE_END)
                .record(ChildRecord.LEARNED, (byte) 'I', (byte) 'a')
                .record(ChildRecord.LEARNED, (byte) 'I', (byte) 'b')
                .parse(1, 10)
                .malformed())
        .isEqualTo("a LEARNED record before the outcome, or a second one");
    assertThat(
            new Records()
                .record(ChildRecord.CALLABLE_STARTING)
                .record(ChildRecord.VALUE_END)
                .raw(ChildRecord.LEARNED, ChildRecord.MAX_LEARNED_BYTES + 1)
                .parse(1, 10)
                .malformed())
        .isEqualTo("a LEARNED record of " + (ChildRecord.MAX_LEARNED_BYTES + 1) + " bytes");
  }
}
