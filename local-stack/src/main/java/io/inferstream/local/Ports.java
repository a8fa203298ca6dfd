package io.inferstream.local;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Port checks, so a taken port is one clear sentence rather than a bind error deep in startup. */
final class Ports {
  private Ports() {}

  /**
   * Checks that every port can be bound on localhost.
   *
   * @param ports port → what uses it, e.g. {@code 9092 → "Kafka (--kafka-port)"}
   * @throws UnavailableException naming every taken port
   */
  static void requireFree(Map<Integer, String> ports) {
    List<String> taken = new ArrayList<>();
    for (Map.Entry<Integer, String> entry : ports.entrySet()) {
      if (!isFree(entry.getKey())) {
        taken.add(entry.getKey() + " (" + entry.getValue() + ")");
      }
    }
    if (taken.isEmpty()) {
      return;
    }
    throw new UnavailableException(
        (taken.size() == 1 ? "port " : "ports ")
            + String.join(", ", taken)
            + (taken.size() == 1 ? " is" : " are")
            + " already in use: is another inferstream, Kafka or Flink running?"
            + " Stop it, or pick other ports with --kafka-port, --web-port, --registry-port or"
            + " --metrics-port.");
  }

  static Map<Integer, String> of(Object... portAndName) {
    Map<Integer, String> map = new LinkedHashMap<>();
    for (int i = 0; i < portAndName.length; i += 2) {
      map.put((Integer) portAndName[i], (String) portAndName[i + 1]);
    }
    return map;
  }

  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), port));
    } catch (IOException e) {
      return false;
    }
    // Something may listen on another localhost address only (IPv6 ::1 or 0.0.0.0).
    return !accepts(port);
  }

  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName("localhost"), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a failure was caused by a bind error anywhere down its cause chain. */
  static boolean isBindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
      String message = t.getMessage();
      if (message != null && message.contains("Address already in use")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
