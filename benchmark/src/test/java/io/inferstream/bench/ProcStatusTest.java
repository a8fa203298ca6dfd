package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcStatusTest {
  /** An excerpt of a real /proc/<pid>/status (Linux 6.1), tabs and padding as the kernel writes. */
  private static final String STATUS =
      String.join(
          "\n",
          "Name:\tjava",
          "Umask:\t0022",
          "State:\tS (sleeping)",
          "Pid:\t4242",
          "VmPeak:\t 8123456 kB",
          "VmSize:\t 8023456 kB",
          "VmHWM:\t  301234 kB",
          "VmRSS:\t  290000 kB",
          "RssAnon:\t  250000 kB",
          "RssFile:\t   40000 kB",
          "RssShmem:\t       0 kB",
          "Threads:\t31",
          "voluntary_ctxt_switches:\t12",
          "");

  @Test
  void readsResidentSetPeakAndItsPartsInBytes() {
    ProcStatus status = ProcStatus.parse(STATUS);

    assertThat(status.rssBytes()).isEqualTo(290_000L * 1024);
    assertThat(status.peakRssBytes()).isEqualTo(301_234L * 1024);
    assertThat(status.anonBytes()).isEqualTo(250_000L * 1024);
    assertThat(status.fileBytes()).isEqualTo(40_000L * 1024);
  }

  @Test
  void missingOptionalLinesAreMinusOne() {
    ProcStatus status = ProcStatus.parse("Name:\tx\nVmRSS:\t 12 kB\n");

    assertThat(status.rssBytes()).isEqualTo(12 * 1024);
    assertThat(status.peakRssBytes()).isEqualTo(-1);
    assertThat(status.anonBytes()).isEqualTo(-1);
    assertThat(status.fileBytes()).isEqualTo(-1);
  }

  @Test
  void noResidentSetOrAMalformedSizeIsAnError() {
    assertThatThrownBy(() -> ProcStatus.parse("Name:\tkthreadd\nThreads:\t1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("VmRSS");
    assertThatThrownBy(() -> ProcStatus.parse("VmRSS:\t 12 MB\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("VmRSS:\t 12 MB");
    assertThatThrownBy(() -> ProcStatus.parse("VmRSS:\t lots kB\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsThisProcess() {
    ProcStatus self = ProcStatus.self();

    assertThat(self.rssBytes()).isPositive();
    assertThat(self.peakRssBytes()).isGreaterThanOrEqualTo(self.rssBytes());
    assertThat(ProcStatus.of(ProcessHandle.current().pid()).rssBytes()).isPositive();
  }
}
