package dev.isolate.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A classic-BPF interpreter for tests: it runs a seccomp program over a {@code struct seccomp_data}
 * as the kernel would, and refuses what the kernel's checker refuses (an unknown opcode, a jump out
 * of the program, a load outside the data or not aligned, running off the end).
 */
final class BpfInterpreter {
  private final List<Bpf.Instruction> code;

  BpfInterpreter(Bpf.Program program) {
    this.code = program.instructions();
    for (int pc = 0; pc < code.size(); pc++) {
      check(pc, code.get(pc));
    }
    if (code.get(code.size() - 1).code() != Bpf.RET_K) {
      throw new IllegalArgumentException("the program does not end with a return");
    }
  }

  /** A verdict, and how many instructions ran to reach it. */
  record Outcome(int verdict, int steps) {}

  /** Runs the program for call {@code nr} of {@code auditArch} with {@code args} (up to six). */
  Outcome run(int auditArch, int nr, long... args) {
    if (args.length > 6) {
      throw new IllegalArgumentException("a system call has at most 6 arguments");
    }
    ByteBuffer data = ByteBuffer.allocate(SeccompPolicy.DATA_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(SeccompPolicy.DATA_NR, nr).putInt(SeccompPolicy.DATA_ARCH, auditArch);
    data.putLong(8, 0x7f00_1234_5678L);
    for (int i = 0; i < args.length; i++) {
      data.putLong(16 + 8 * i, args[i]);
    }
    int a = 0;
    int pc = 0;
    int steps = 0;
    while (true) {
      Bpf.Instruction x = code.get(pc);
      steps++;
      switch (x.code()) {
        case Bpf.LD_W_ABS -> {
          a = data.getInt(x.k());
          pc++;
        }
        case Bpf.ALU_AND_K -> {
          a &= x.k();
          pc++;
        }
        case Bpf.JMP_JA -> pc += 1 + x.k();
        case Bpf.JMP_JEQ_K -> pc += 1 + (a == x.k() ? x.jt() : x.jf());
        case Bpf.JMP_JGE_K -> pc += 1 + (Integer.compareUnsigned(a, x.k()) >= 0 ? x.jt() : x.jf());
        case Bpf.JMP_JSET_K -> pc += 1 + ((a & x.k()) != 0 ? x.jt() : x.jf());
        case Bpf.RET_K -> {
          return new Outcome(x.k(), steps);
        }
        default -> throw new AssertionError("checked in the constructor");
      }
    }
  }

  /** The most instructions any input can run: the longest path through the jump graph. */
  int longestPath() {
    int[] longest = new int[code.size()];
    for (int pc = code.size() - 1; pc >= 0; pc--) {
      Bpf.Instruction x = code.get(pc);
      longest[pc] =
          switch (x.code()) {
            case Bpf.RET_K -> 1;
            case Bpf.JMP_JA -> 1 + longest[pc + 1 + x.k()];
            case Bpf.JMP_JEQ_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K ->
                1 + Math.max(longest[pc + 1 + x.jt()], longest[pc + 1 + x.jf()]);
            default -> 1 + longest[pc + 1];
          };
    }
    return longest[0];
  }

  private void check(int pc, Bpf.Instruction x) {
    switch (x.code()) {
      case Bpf.LD_W_ABS -> {
        if (x.k() < 0 || x.k() > SeccompPolicy.DATA_BYTES - 4 || x.k() % 4 != 0) {
          throw new IllegalArgumentException(pc + ": load outside seccomp_data or unaligned: " + x);
        }
        requireNext(pc);
      }
      case Bpf.ALU_AND_K -> requireNext(pc);
      case Bpf.JMP_JA -> requireTarget(pc, x.k());
      case Bpf.JMP_JEQ_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K -> {
        requireTarget(pc, x.jt());
        requireTarget(pc, x.jf());
      }
      case Bpf.RET_K -> {}
      default -> throw new IllegalArgumentException(pc + ": opcode seccomp does not take: " + x);
    }
  }

  private void requireNext(int pc) {
    requireTarget(pc, 0);
  }

  private void requireTarget(int pc, int offset) {
    long target = (long) pc + 1 + Integer.toUnsignedLong(offset);
    if (target >= code.size()) {
      throw new IllegalArgumentException(pc + ": jumps past the end, to " + target);
    }
  }
}
