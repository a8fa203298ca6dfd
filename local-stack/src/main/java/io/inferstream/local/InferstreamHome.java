package io.inferstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The data directory of the embedded stack ({@code INFERSTREAM_HOME}, default {@code
 * ~/.inferstream}): broker data, checkpoints and logs. One running stack owns it at a time.
 */
public final class InferstreamHome implements AutoCloseable {
  /** Set by {@code bin/inferstream} from {@code INFERSTREAM_HOME}; wins over the variable. */
  public static final String HOME_PROPERTY = "inferstream.home";

  public static final String HOME_VARIABLE = "INFERSTREAM_HOME";

  private final Path root;
  private FileChannel lockChannel;
  private FileLock lock;

  public InferstreamHome(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** {@code -Dinferstream.home}, else {@code $INFERSTREAM_HOME}, else {@code ~/.inferstream}. */
  public static Path resolve() {
    String configured = System.getProperty(HOME_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(HOME_VARIABLE);
    }
    if (configured == null || configured.isBlank()) {
      return Path.of(System.getProperty("user.home"), ".inferstream").toAbsolutePath();
    }
    return Path.of(configured).toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path kafkaDir() {
    return root.resolve("kafka");
  }

  public Path checkpointDir() {
    return root.resolve("checkpoints");
  }

  public Path logDir() {
    return root.resolve("logs");
  }

  /**
   * Takes the directory for this process, so a second stack on other ports cannot share its broker
   * data.
   *
   * @throws UnavailableException if another process holds it
   */
  public void lock() {
    try {
      Files.createDirectories(root);
      Path lockFile = root.resolve("inferstream.lock");
      lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String holder = readQuietly(root.resolve("inferstream.pid"));
        closeChannel();
        throw new UnavailableException(
            "another inferstream"
                + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                + " is using "
                + root
                + ". Stop it, or set INFERSTREAM_HOME to another directory.");
      }
      Files.writeString(
          root.resolve("inferstream.pid"),
          Long.toString(ProcessHandle.current().pid()),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use data directory " + root, e);
    }
  }

  /** Deletes the broker data and the checkpoints; keeps the logs. Call with the lock held. */
  public void clean() {
    deleteTree(kafkaDir());
    deleteTree(checkpointDir());
  }

  @Override
  public void close() {
    if (lock != null) {
      try {
        Files.deleteIfExists(root.resolve("inferstream.pid"));
        lock.release();
      } catch (IOException e) {
        // the lock goes with the process anyway
      }
      lock = null;
    }
    closeChannel();
  }

  private void closeChannel() {
    if (lockChannel != null) {
      try {
        lockChannel.close();
      } catch (IOException e) {
        // nothing to do
      }
      lockChannel = null;
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
