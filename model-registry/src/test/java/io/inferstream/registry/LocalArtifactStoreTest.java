package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.onnx.Sha256;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalArtifactStoreTest {
  @TempDir Path dir;

  @Test
  void storesByChecksumAndReadsBack() throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("artifacts"));
    byte[] bytes = "model bytes".getBytes(StandardCharsets.UTF_8);
    Path source = Files.write(dir.resolve("upload"), bytes);
    String sha = Sha256.of(bytes);

    assertThat(store.find(sha)).isEmpty();
    store.put(sha, source);
    assertThat(store.find(sha)).contains(new ArtifactStore.Artifact(sha, bytes.length));
    assertThat(store.path(sha))
        .isEqualTo(
            dir.resolve("artifacts").resolve("sha256").resolve(sha.substring(0, 2)).resolve(sha));
    try (InputStream in = store.open(sha)) {
      assertThat(in.readAllBytes()).isEqualTo(bytes);
    }
    assertThat(source).exists(); // the caller's file is left alone
  }

  @Test
  void puttingTheSameBytesAgainIsANoOp() throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("artifacts"));
    byte[] bytes = {1, 2, 3};
    String sha = Sha256.of(bytes);
    store.put(sha, Files.write(dir.resolve("a"), bytes));
    long modified = Files.getLastModifiedTime(store.path(sha)).toMillis();
    store.put(sha, Files.write(dir.resolve("b"), bytes));
    assertThat(Files.getLastModifiedTime(store.path(sha)).toMillis()).isEqualTo(modified);
    assertThat(tempFiles()).isZero();
  }

  @Test
  void refusesBytesThatDoNotMatchTheirChecksumAndLeavesNothingBehind() throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("artifacts"));
    String wrong = Sha256.of(new byte[] {9});
    Path source = Files.write(dir.resolve("upload"), new byte[] {1});
    assertThatThrownBy(() -> store.put(wrong, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not to the declared " + wrong);
    assertThat(store.find(wrong)).isEmpty();
    assertThat(tempFiles()).isZero();
  }

  @Test
  void onlyChecksumsAddressArtifacts() throws Exception {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("artifacts"));
    assertThatThrownBy(() -> store.find("../../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.find("A".repeat(64)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.open("a".repeat(64))).isInstanceOf(NoSuchFileException.class);
    assertThat(ArtifactStore.isSha256("0123456789abcdef".repeat(4))).isTrue();
  }

  @Test
  void aSecondStoreOnTheSameDirectorySeesTheArtifacts() throws Exception {
    byte[] bytes = {4, 5, 6};
    String sha = Sha256.of(bytes);
    new LocalArtifactStore(dir.resolve("artifacts")).put(sha, Files.write(dir.resolve("x"), bytes));
    assertThat(new LocalArtifactStore(dir.resolve("artifacts")).contains(sha)).isTrue();
  }

  private long tempFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("artifacts").resolve("tmp"))) {
      return files.count();
    }
  }
}
