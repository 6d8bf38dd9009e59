package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BpfTest {

  @Test
  void labelsBecomeOffsetsFromTheNextInstruction() {
    Bpf.Program program =
        new Bpf.Assembler()
            .load(0)
            .jumpIfEqual(7, "yes", Bpf.NEXT)
            .jump("no")
            .label("yes")
            .ret(1)
            .label("no")
            .ret(2)
            .assemble();

    assertThat(program.instructions())
        .containsExactly(
            new Bpf.Instruction(Bpf.LD_W_ABS, 0, 0, 0),
            new Bpf.Instruction(Bpf.JMP_JEQ_K, 1, 0, 7),
            new Bpf.Instruction(Bpf.JMP_JA, 0, 0, 1),
            new Bpf.Instruction(Bpf.RET_K, 0, 0, 1),
            new Bpf.Instruction(Bpf.RET_K, 0, 0, 2));
    BpfInterpreter interpreter = new BpfInterpreter(program);
    assertThat(interpreter.run(0, 7).verdict()).isEqualTo(1);
    assertThat(interpreter.run(0, 8).verdict()).isEqualTo(2);
  }

  @Test
  void bytesAreStructSockFilterLittleEndian() {
    Bpf.Program program =
        new Bpf.Assembler()
            .jumpIfAtLeast(0x11223344, Bpf.NEXT, "end")
            .label("end")
            .ret(-1)
            .assemble();

    assertThat(program.toBytes())
        .containsExactly(
            0x35, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff);
  }

  @Test
  void jumpToAnUndefinedLabelIsRefused() {
    Bpf.Assembler bpf = new Bpf.Assembler().load(0).jumpIfEqual(1, "nowhere", Bpf.NEXT).ret(0);

    assertThatThrownBy(bpf::assemble)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("undefined label nowhere");
  }

  @Test
  void backwardJumpIsRefused() {
    Bpf.Assembler bpf = new Bpf.Assembler().label("top").load(0).jump("top").ret(0);

    assertThatThrownBy(bpf::assemble)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only jumps forward");
  }

  @Test
  void conditionalJumpOfMoreThan255IsRefusedButAnUnconditionalOneIsNot() {
    Bpf.Assembler far = new Bpf.Assembler().load(0).jumpIfEqual(1, "far", Bpf.NEXT);
    Bpf.Assembler unconditional = new Bpf.Assembler().jump("far");
    for (int i = 0; i < 256; i++) {
      far.and(1);
      unconditional.and(1);
    }
    far.label("far").ret(0);
    unconditional.label("far").ret(0);

    assertThatThrownBy(far::assemble)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("jumps 256");
    assertThat(unconditional.assemble().instructions().get(0).k()).isEqualTo(256);
  }

  @Test
  void programMustEndWithReturn() {
    assertThatThrownBy(() -> new Bpf.Assembler().load(0).assemble())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ends with a return");
  }

  @Test
  void labelDefinedTwiceIsRefused() {
    Bpf.Assembler bpf = new Bpf.Assembler().label("a");

    assertThatThrownBy(() -> bpf.label("a")).isInstanceOf(IllegalArgumentException.class);
  }
}
