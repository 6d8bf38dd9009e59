package dev.isolate.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Classic BPF, the part of it a seccomp filter uses: the instructions, an assembler that resolves
 * labels, and the bytes of {@code struct sock_filter[]}.
 */
final class Bpf {
  /** {@code BPF_LD|BPF_W|BPF_ABS}: A = the 32-bit word at offset k of the input. */
  static final int LD_W_ABS = 0x20;

  /** {@code BPF_ALU|BPF_AND|BPF_K}: A &= k. */
  static final int ALU_AND_K = 0x54;

  /** {@code BPF_JMP|BPF_JA}: skip k instructions. */
  static final int JMP_JA = 0x05;

  /** {@code BPF_JMP|BPF_JEQ|BPF_K}: A == k ? jt : jf. */
  static final int JMP_JEQ_K = 0x15;

  /** {@code BPF_JMP|BPF_JGE|BPF_K}: A >= k, unsigned, ? jt : jf. */
  static final int JMP_JGE_K = 0x35;

  /** {@code BPF_JMP|BPF_JSET|BPF_K}: (A & k) != 0 ? jt : jf. */
  static final int JMP_JSET_K = 0x45;

  /** {@code BPF_RET|BPF_K}: the verdict k. */
  static final int RET_K = 0x06;

  /** {@code BPF_MAXINSNS}: the kernel refuses longer programs. */
  static final int MAX_INSTRUCTIONS = 4096;

  /** {@code sizeof(struct sock_filter)}. */
  static final int INSTRUCTION_BYTES = 8;

  /** The jump target "the next instruction", i.e. no jump. */
  static final String NEXT = "";

  private Bpf() {}

  /**
   * One {@code struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }}; jt and jf count the
   * instructions skipped after this one.
   */
  record Instruction(int code, int jt, int jf, int k) {
    Instruction {
      if ((code & ~0xFFFF) != 0 || (jt & ~0xFF) != 0 || (jf & ~0xFF) != 0) {
        throw new IllegalArgumentException(
            "code " + code + " is a u16, jt " + jt + " and jf " + jf + " are u8");
      }
    }

    @Override
    public String toString() {
      return String.format("code=0x%02x jt=%d jf=%d k=0x%08x", code, jt, jf, k);
    }
  }

  /** An assembled program: what the kernel is given, and what tests interpret. */
  record Program(List<Instruction> instructions) {
    Program {
      instructions = List.copyOf(instructions);
    }

    int length() {
      return instructions.size();
    }

    /** The {@code struct sock_filter[]} of this program, in the little-endian byte order. */
    byte[] toBytes() {
      ByteBuffer bytes =
          ByteBuffer.allocate(instructions.size() * INSTRUCTION_BYTES)
              .order(ByteOrder.LITTLE_ENDIAN);
      for (Instruction instruction : instructions) {
        bytes.putShort((short) instruction.code());
        bytes.put((byte) instruction.jt());
        bytes.put((byte) instruction.jf());
        bytes.putInt(instruction.k());
      }
      return bytes.array();
    }

    /** One numbered line per instruction, for failure messages. */
    String disassemble() {
      StringBuilder text = new StringBuilder();
      for (int pc = 0; pc < instructions.size(); pc++) {
        text.append(String.format("%4d: %s%n", pc, instructions.get(pc)));
      }
      return text.toString();
    }
  }

  /**
   * Builds a program from instructions whose jumps name labels; {@link #assemble} turns labels into
   * offsets. Jumps go forward only, as classic BPF requires, and a conditional one at most 255
   * instructions.
   */
  static final class Assembler {
    private final List<Instruction> code = new ArrayList<>();
    private final List<String[]> targets = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    /** Names the next instruction. */
    Assembler label(String name) {
      if (name.isEmpty()) {
        throw new IllegalArgumentException("the empty label means the next instruction");
      }
      if (labels.putIfAbsent(name, code.size()) != null) {
        throw new IllegalArgumentException("label " + name + " is defined twice");
      }
      return this;
    }

    /** A = the 32-bit word at byte {@code offset} of the input. */
    Assembler load(int offset) {
      return emit(LD_W_ABS, offset, NEXT, NEXT);
    }

    /** A &= {@code mask}. */
    Assembler and(int mask) {
      return emit(ALU_AND_K, mask, NEXT, NEXT);
    }

    /** Goes to {@code target}. */
    Assembler jump(String target) {
      return emit(JMP_JA, 0, target, NEXT);
    }

    /** Goes to {@code ifTrue} if A == k, else to {@code ifFalse}. */
    Assembler jumpIfEqual(int k, String ifTrue, String ifFalse) {
      return emit(JMP_JEQ_K, k, ifTrue, ifFalse);
    }

    /** Goes to {@code ifTrue} if A >= k (unsigned), else to {@code ifFalse}. */
    Assembler jumpIfAtLeast(int k, String ifTrue, String ifFalse) {
      return emit(JMP_JGE_K, k, ifTrue, ifFalse);
    }

    /** Goes to {@code ifTrue} if A has any bit of {@code mask}, else to {@code ifFalse}. */
    Assembler jumpIfAnySet(int mask, String ifTrue, String ifFalse) {
      return emit(JMP_JSET_K, mask, ifTrue, ifFalse);
    }

    /** Ends the program with {@code verdict}. */
    Assembler ret(int verdict) {
      return emit(RET_K, verdict, NEXT, NEXT);
    }

    private Assembler emit(int opcode, int k, String ifTrue, String ifFalse) {
      code.add(new Instruction(opcode, 0, 0, k));
      targets.add(new String[] {ifTrue, ifFalse});
      return this;
    }

    /**
     * The program with every label resolved.
     *
     * @throws IllegalStateException if a label is missing, a jump goes backwards or too far, or the
     *     program does not end with a return or is longer than the kernel takes
     */
    Program assemble() {
      if (code.isEmpty() || code.get(code.size() - 1).code() != RET_K) {
        throw new IllegalStateException("a program ends with a return");
      }
      if (code.size() > MAX_INSTRUCTIONS) {
        throw new IllegalStateException(
            code.size() + " instructions; the kernel takes at most " + MAX_INSTRUCTIONS);
      }
      List<Instruction> resolved = new ArrayList<>(code.size());
      for (int pc = 0; pc < code.size(); pc++) {
        Instruction instruction = code.get(pc);
        String[] target = targets.get(pc);
        int jt = offset(pc, target[0]);
        if (instruction.code() == JMP_JA) {
          resolved.add(new Instruction(JMP_JA, 0, 0, jt));
        } else {
          resolved.add(
              new Instruction(
                  instruction.code(),
                  checkConditional(pc, target[0], jt),
                  checkConditional(pc, target[1], offset(pc, target[1])),
                  instruction.k()));
        }
      }
      return new Program(resolved);
    }

    private int offset(int pc, String label) {
      if (label.equals(NEXT)) {
        return 0;
      }
      Integer target = labels.get(label);
      if (target == null) {
        throw new IllegalStateException("instruction " + pc + " jumps to undefined label " + label);
      }
      if (target >= code.size()) {
        throw new IllegalStateException("label " + label + " names no instruction");
      }
      int offset = target - (pc + 1);
      if (offset < 0) {
        throw new IllegalStateException(
            "instruction " + pc + " jumps back to " + label + "; classic BPF only jumps forward");
      }
      return offset;
    }

    private static int checkConditional(int pc, String label, int offset) {
      if (offset > 0xFF) {
        throw new IllegalStateException(
            "instruction "
                + pc
                + " jumps "
                + offset
                + " to "
                + label
                + "; a conditional jump skips"
                + " at most 255: put the target nearer or jump through an unconditional jump");
      }
      return offset;
    }
  }
}
