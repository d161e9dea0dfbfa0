package dev.statesync.persistence.internal;

import dev.statesync.channel.ChannelClosedException;
import dev.statesync.channel.MessageTooLargeException;
import dev.statesync.core.Subscription;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.persistence.peer.PeerChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@link PeerChannel} inside one JVM. A post is enqueued, under the group's lock, on the serial
 * queue of every other open instance, so every receiver sees one global post order; each queue
 * runs on a shared daemon pool, one message at a time. The oldest open instance is the leader.
 */
public final class InMemoryPeerChannel implements PeerChannel {
  private static final Logger LOG = Loggers.defaultLogger("dev.statesync.persistence");
  private static final int MAX_MESSAGE_BYTES = 1024 * 1024;
  /** Open instances per name, oldest first. Guarded by itself. */
  private static final Map<String, List<InMemoryPeerChannel>> GROUPS = new HashMap<>();
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "statesync-peer-memory");
    t.setDaemon(true);
    return t;
  });

  private final String name;
  private final List<Consumer<byte[]>> listeners = new CopyOnWriteArrayList<>();
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private volatile boolean closed;

  private InMemoryPeerChannel(String name) {
    this.name = name;
  }

  /** Opens a new instance of {@code name}. */
  public static InMemoryPeerChannel open(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("channel name must not be empty");
    }
    InMemoryPeerChannel c = new InMemoryPeerChannel(name);
    synchronized (GROUPS) {
      GROUPS.computeIfAbsent(name, n -> new ArrayList<>()).add(c);
    }
    return c;
  }

  @Override
  public void post(byte[] message) {
    Objects.requireNonNull(message, "message");
    if (message.length > MAX_MESSAGE_BYTES) {
      throw new MessageTooLargeException("message of " + message.length
          + " bytes exceeds maxMessageBytes " + MAX_MESSAGE_BYTES);
    }
    byte[] copy = message.clone();
    synchronized (GROUPS) {
      if (closed) {
        throw new ChannelClosedException("in-memory peer channel \"" + name + "\" is closed");
      }
      for (InMemoryPeerChannel peer : GROUPS.getOrDefault(name, List.of())) {
        if (peer != this) {
          peer.enqueue(copy);
        }
      }
    }
  }

  /** Queues delivery to the listeners subscribed now, so later subscribers never see it. */
  private void enqueue(byte[] message) {
    List<Consumer<byte[]>> targets = List.copyOf(listeners);
    if (targets.isEmpty()) {
      return;
    }
    queue.add(() -> {
      for (Consumer<byte[]> l : targets) {
        if (closed) {
          return;
        }
        try {
          l.accept(message.clone());
        } catch (RuntimeException e) {
          LOG.warn("peer channel listener threw", Map.of("error", e));
        }
      }
    });
    drain();
  }

  private void drain() {
    if (draining.compareAndSet(false, true)) {
      POOL.execute(() -> {
        try {
          Runnable task;
          while ((task = queue.poll()) != null) {
            task.run();
          }
        } finally {
          draining.set(false);
        }
        if (!queue.isEmpty()) {
          drain();
        }
      });
    }
  }

  @Override
  public Subscription subscribe(Consumer<byte[]> listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (GROUPS) {
      if (closed) {
        throw new ChannelClosedException("in-memory peer channel \"" + name + "\" is closed");
      }
      // A wrapper per registration, so the same listener registered twice is two registrations.
      Consumer<byte[]> registration = listener::accept;
      listeners.add(registration);
      return () -> listeners.remove(registration);
    }
  }

  @Override
  public boolean isLeader() {
    synchronized (GROUPS) {
      List<InMemoryPeerChannel> open = GROUPS.get(name);
      return !closed && open != null && open.get(0) == this;
    }
  }

  @Override
  public int maxMessageBytes() {
    return MAX_MESSAGE_BYTES;
  }

  @Override
  public void close() {
    synchronized (GROUPS) {
      if (closed) {
        return;
      }
      closed = true;
      List<InMemoryPeerChannel> open = GROUPS.get(name);
      if (open != null) {
        open.remove(this);
        if (open.isEmpty()) {
          GROUPS.remove(name);
        }
      }
    }
    listeners.clear();
  }

  @Override
  public String toString() {
    return "InMemoryPeerChannel[" + name + "]";
  }
}
