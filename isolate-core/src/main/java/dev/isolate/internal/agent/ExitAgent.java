package dev.isolate.internal.agent;

import dev.isolate.internal.boot.ExitHook;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The worker image's {@code -javaagent}: makes {@code Runtime.exit(int)} and {@code
 * Runtime.halt(int)} call {@link ExitHook#beforeExit(int)} first, so that a forked child can leave
 * through {@code _exit}.
 *
 * <p>The agent jar holds only {@link ExitHook} and names itself in {@code Boot-Class-Path}; this
 * class is found on the worker's class path.
 */
public final class ExitAgent {
  private static final String RUNTIME = "java/lang/Runtime";
  private static final String HOOK = Type.getInternalName(ExitHook.class);

  private ExitAgent() {}

  /** Entry point named by the agent jar's {@code Premain-Class}. */
  public static void premain(String arguments, Instrumentation instrumentation) throws Exception {
    if (ExitHook.class.getClassLoader() != null) {
      throw new IllegalStateException(
          "ExitHook was loaded by "
              + ExitHook.class.getClassLoader()
              + ", not the boot loader: the agent jar is not on the boot class path");
    }
    // java.base must read the boot loader's unnamed module to call ExitHook.
    instrumentation.redefineModule(
        Runtime.class.getModule(),
        Set.of(ExitHook.class.getModule()),
        Map.of(),
        Map.of(),
        Set.of(),
        Map.of());
    ExitHook.instrumentation = instrumentation;
    RuntimeRewriter rewriter = new RuntimeRewriter();
    instrumentation.addTransformer(rewriter, true);
    try {
      instrumentation.retransformClasses(Runtime.class);
    } finally {
      instrumentation.removeTransformer(rewriter);
    }
    if (rewriter.failure != null) {
      throw new IllegalStateException("could not rewrite java.lang.Runtime", rewriter.failure);
    }
    if (rewriter.methodsRewritten != 3) {
      throw new IllegalStateException(
          "found "
              + rewriter.methodsRewritten
              + " of Runtime.exit(int), Runtime.halt(int) and Runtime.addShutdownHook(Thread) to"
              + " rewrite, expected 3");
    }
  }

  /**
   * Inserts {@code ExitHook.beforeExit(status)} at the start of {@code exit(I)V} and {@code
   * halt(I)V}, and {@code ExitHook.shutdownHookAdded()} at the start of {@code
   * addShutdownHook(Thread)}.
   */
  static byte[] rewriteRuntime(byte[] classFile, int[] methodsRewritten) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor method =
                super.visitMethod(access, name, descriptor, signature, exceptions);
            if ("addShutdownHook".equals(name) && "(Ljava/lang/Thread;)V".equals(descriptor)) {
              methodsRewritten[0]++;
              return new MethodVisitor(Opcodes.ASM9, method) {
                @Override
                public void visitCode() {
                  super.visitCode();
                  super.visitMethodInsn(
                      Opcodes.INVOKESTATIC, HOOK, "shutdownHookAdded", "()V", false);
                }
              };
            }
            if (!"(I)V".equals(descriptor) || !("exit".equals(name) || "halt".equals(name))) {
              return method;
            }
            methodsRewritten[0]++;
            return new MethodVisitor(Opcodes.ASM9, method) {
              @Override
              public void visitCode() {
                super.visitCode();
                super.visitVarInsn(Opcodes.ILOAD, 1);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOK, "beforeExit", "(I)V", false);
              }
            };
          }
        },
        0);
    return writer.toByteArray();
  }

  private static final class RuntimeRewriter implements ClassFileTransformer {
    int methodsRewritten;
    Throwable failure;

    @Override
    public byte[] transform(
        ClassLoader loader,
        String className,
        Class<?> classBeingRedefined,
        ProtectionDomain protectionDomain,
        byte[] classFile) {
      if (!RUNTIME.equals(className)) {
        return null;
      }
      try {
        int[] count = new int[1];
        byte[] rewritten = rewriteRuntime(classFile, count);
        methodsRewritten = count[0];
        return rewritten;
      } catch (RuntimeException | Error e) {
        // The JVM drops exceptions thrown by transformers; keep it for premain to report.
        failure = e;
        return null;
      }
    }
  }
}
