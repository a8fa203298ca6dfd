package io.inferstream.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free ports on localhost, each handed out once per instance: other builds share this machine, so
 * tests never bind fixed ports.
 */
public final class FreePorts {
  private final Set<Integer> taken = new HashSet<>();

  /** A free port not handed out before. */
  public int next() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (taken.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port found");
  }

  /** A free port whose successor is free too (Kafka's controller takes the next one). */
  public int nextWithSuccessor() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = next();
      if (port < 65535 && !taken.contains(port + 1) && canBind(port + 1)) {
        taken.add(port + 1);
        return port;
      }
    }
    throw new IllegalStateException("no two adjacent free ports found");
  }

  /** Whether the port can be bound on localhost now. */
  public static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something accepts connections on the port. */
  public static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName("localhost"), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
