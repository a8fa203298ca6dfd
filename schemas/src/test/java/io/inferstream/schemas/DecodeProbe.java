package io.inferstream.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;

/**
 * Measures request decoding: {@code heap} decodes one JSON body of the given size (FP32 values as
 * Python writes them) and prints the tensor bytes it made, to be run under a given {@code -Xmx} to
 * find the smallest heap that decodes it; {@code rate} decodes a 3x224x224 FP32 JSON image
 * repeatedly and prints decodes per second. Not a test: a program for {@code docs/} figures.
 *
 * <pre>
 * java -Xmx96m -cp schemas/target/classes:schemas/target/test-classes:$JACKSON \
 *     io.inferstream.schemas.DecodeProbe heap 16777216
 * </pre>
 */
public final class DecodeProbe {
  private DecodeProbe() {}

  public static void main(String[] args) {
    String mode = args.length > 0 ? args[0] : "rate";
    if (mode.equals("heap")) {
      int size = Integer.parseInt(args[1]);
      byte[] body = jsonBody(size);
      long start = System.nanoTime();
      InferenceRequest request = InferenceCodec.decodeRequest(body, -1);
      System.out.printf(
          Locale.ROOT,
          "decoded %d bytes of JSON into %d tensor bytes in %d ms (max heap %d MiB)%n",
          body.length,
          request.inputs().get(0).data().length,
          (System.nanoTime() - start) / 1_000_000,
          Runtime.getRuntime().maxMemory() >> 20);
    } else {
      byte[] body = image(3 * 224 * 224);
      int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      long decodes = 0;
      long start = System.nanoTime();
      while (System.nanoTime() < end) {
        InferenceCodec.decodeRequest(body, -1);
        decodes++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "3x224x224 FP32 JSON image (%d bytes): %.1f decodes/s over %.1f s%n",
          body.length,
          decodes / elapsed,
          elapsed);
    }
  }

  /**
   * An FP32 tensor [n] whose JSON body is about {@code size} bytes, written straight into its byte
   * array so that building it costs no more heap than the body itself.
   */
  static byte[] jsonBody(int size) {
    int n = (size - 100) / 7; // each element "d.ddd, " is 7 bytes
    byte[] head =
        ("{\"inputs\":[{\"name\":\"x\",\"shape\":[" + n + "],\"datatype\":\"FP32\",\"data\":[")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "]}]}".getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[head.length + 7 * n - 2 + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    Random random = new Random(1);
    int at = head.length;
    for (int i = 0; i < n; i++) {
      body[at++] = (byte) ('0' + random.nextInt(10));
      body[at++] = '.';
      for (int d = 0; d < 3; d++) {
        body[at++] = (byte) ('0' + random.nextInt(10));
      }
      if (i < n - 1) {
        body[at++] = ',';
        body[at++] = ' ';
      }
    }
    System.arraycopy(tail, 0, body, at, tail.length);
    return body;
  }

  /** A normalised image as Python's json.dumps writes it (doubles, full precision). */
  static byte[] image(int elements) {
    Random random = new Random(2);
    StringBuilder data = new StringBuilder(elements * 20);
    for (int i = 0; i < elements; i++) {
      if (i > 0) {
        data.append(", ");
      }
      data.append((random.nextFloat() - 0.45) / 0.226);
    }
    return ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,224,224],\"datatype\":\"FP32\","
            + "\"data\":["
            + data
            + "]}]}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
