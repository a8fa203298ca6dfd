package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ColdLoadRunTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(ColdLoadRun.median(new double[] {7})).isEqualTo(7);
    assertThat(ColdLoadRun.median(new double[] {9, 1, 5})).isEqualTo(5);
    assertThat(ColdLoadRun.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(ColdLoadRun.median(new double[0])).isNaN();
  }

  @Test
  void nativeHeapIsPreTouchedAndFitsTheArtifactCopies() {
    assertThat(ColdLoadRun.nativeHeapOptions(345))
        .containsExactly("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");
    assertThat(ColdLoadRun.nativeHeapOptions(46_733_654)).startsWith("-Xms512m");
    // 4 x 300 MiB = 1200 MiB, rounded up to a multiple of 64 MiB
    assertThat(ColdLoadRun.nativeHeapOptions(300L << 20))
        .containsExactly("-Xms1216m", "-Xmx1216m", "-XX:+AlwaysPreTouch");
  }

  @Test
  void decoyHasTheSignatureButNoLoadableArtifact() {
    ModelSpec like = RepositorySpecsTest.spec("affine");

    ModelSpec decoy = ColdLoadRun.decoy(like);

    assertThat(decoy.name()).isEqualTo(ColdLoadRun.DECOY);
    ModelVersionSpec version = decoy.resolve(null);
    ModelVersionSpec original = like.resolve(null);
    assertThat(version.inputs()).isEqualTo(original.inputs());
    assertThat(version.sha256()).isEqualTo("0".repeat(64)).isNotEqualTo(original.sha256());
    assertThat(Files.exists(Path.of(URI.create(version.artifactUri())))).isFalse();
    assertThat(decoy.batching()).isEqualTo(like.batching());
  }
}
