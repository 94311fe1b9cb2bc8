import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A service that wedges as OpenEMS wedges: it answers WebSocket upgrades for its first seconds
 * (so a watchdog arms), then one thread takes a lock for ever and the ten threads of the pool
 * that answer requests all wait on it. Its front still accepts connections; only a thread
 * dump says where the threads are. Arguments: the port, the seconds before the wedge.
 */
public class Wedge {
  static final ReentrantLock LOCK = new ReentrantLock();

  /** A request handler: the frame the thread dump's summary should name. */
  static final class Handler implements Runnable {
    final Socket connection;

    Handler(Socket connection) {
      this.connection = connection;
    }

    public void run() {
      LOCK.lock();
      LOCK.unlock();
      if (connection != null) answer(connection);
    }
  }

  static void answer(Socket connection) {
    try (Socket socket = connection) {
      socket.setSoTimeout(2000);
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String key = null;
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        if (line.toLowerCase().startsWith("sec-websocket-key:")) key = line.substring(18).trim();
      }
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      String accept = Base64.getEncoder().encodeToString(
          sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // The client's close frame, then ours: a polite end.
      socket.getInputStream().read(new byte[256]);
      out.write(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE8});
      out.flush();
    } catch (Exception ignored) {
    }
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    long wedgeAt = System.currentTimeMillis() + 1000L * (args.length > 1 ? Integer.parseInt(args[1]) : 5);
    ExecutorService pool = Executors.newFixedThreadPool(10);
    Thread holder = new Thread(() -> {
      try {
        Thread.sleep(Math.max(0, wedgeAt - System.currentTimeMillis()));
        LOCK.lock();
        System.out.println("wedge: every request thread blocked from now on");
        // Every thread of the pool, waiting on the lock at once.
        for (int i = 0; i < 10; i++) pool.submit(new Handler(null));
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        LOCK.unlock();
      }
    }, "holder");
    holder.setDaemon(true);
    holder.start();
    System.out.println("wedge: listening on " + port);
    try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
      while (true) pool.submit(new Handler(server.accept()));
    }
  }
}
